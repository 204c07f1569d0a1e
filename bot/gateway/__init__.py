"""The gateway process: the ASGI app and its launcher, outbound delivery, live updates, rate limits,
security headers and metrics."""
