"""Rasa custom actions, one module per domain; each `run()` is short and calls code in `bot/`."""
