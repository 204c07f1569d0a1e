"""Biobank donation: the curated programmes and their facts, places to ask, and the chat wording."""
