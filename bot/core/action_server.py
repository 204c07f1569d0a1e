"""The action server as `trialbot run` starts it: rasa_sdk's own start-up, with our log masking added.

`python -m bot.core.action_server --actions actions --port 5055` takes rasa_sdk's arguments and does
what `python -m rasa_sdk` does, except that its log handler masks identifiers (`bot.logs`) and
rasa_sdk never logs below INFO (at DEBUG it logs the tracker events sent to each action).
"""

from __future__ import annotations

import logging
from typing import List, Optional

from bot import logs


def main(argv: Optional[List[str]] = None) -> None:
    """Configure logging like rasa_sdk, mask it, then serve the actions until stopped."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser, run

    args = create_argument_parser().parse_args(argv)
    level = max(args.loglevel, logging.INFO)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    utils.configure_colored_logging(level)
    sdk = logging.getLogger(APPLICATION_ROOT_LOGGER_NAME)
    utils.configure_file_logging(sdk, args.log_file, level, args.logging_config_file)
    utils.update_sanic_log_level()  # sanic (its access log too) at LOG_LEVEL_LIBRARIES, ERROR by default
    logs.quiet_libraries()
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)  # a "Registered function" line per action
    logs.quiet_chatty_libraries(level)
    logs.mask_handlers([sdk])
    logs.log_early_deprecations()
    run(args.actions, args.port, args.cors, args.ssl_certificate, args.ssl_keyfile, args.ssl_password, args.auto_reload)


if __name__ == "__main__":
    main()
