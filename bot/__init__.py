"""trialbot: a chat assistant for cancer clinical-trial questions (gateway application)."""

__version__ = "0.1.0"
