"""The web chat: our own page and embeddable widget over a WebSocket."""
