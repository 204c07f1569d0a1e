"""Telegram: the webhook/polling adapter (python-telegram-bot), rendering, and its command-line set-up."""
