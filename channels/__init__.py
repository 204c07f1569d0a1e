"""Thin channel adapters: verify, parse into `InboundMessage`, call the router, render replies."""
