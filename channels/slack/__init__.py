"""Slack: the Events API adapter (slack-bolt), private-channel handoff, Block Kit rendering."""
