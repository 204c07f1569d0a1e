"""The curated FAQ: loading `faq/topics/*.yml` and generating Rasa training data from it."""
