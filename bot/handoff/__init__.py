"""Handing a conversation to a person: the state machine, coordination, office hours, the
satisfaction question, and their wording."""
