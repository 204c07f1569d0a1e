"""Outreach insights for the console: dashboard figures and charts, questions the bot missed, CSV export."""
