"""The curated FAQ: loading `faq/topics/*.yml` and generating Rasa training data from it."""

RETRIEVAL_INTENT = "faq"
"""The retrieval intent every FAQ topic is a sub-intent of (`faq/<topic id>`), in training data and readings."""
