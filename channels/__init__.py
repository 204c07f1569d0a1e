"""Thin channel adapters: verify, parse into `InboundMessage`, call the router, render replies.

Each adapter module provides `routes(settings) -> list[BaseRoute]` (empty when the channel is not
configured) and may provide `async start(app)` / `async stop(app)` for start-up work such as
registering its `Sender` in `app.state.outbox` or running Telegram polling / Slack Socket Mode.
`bot.gateway.app.CHANNELS` lists the adapters that are mounted; Telegram and Slack are mounted through
`channels/telegram/mount.py` and `channels/slack/mount.py`, which load their platform libraries only
when the channel is configured (about 30 MB of the gateway's memory otherwise).
"""
