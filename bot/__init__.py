"""trialbot: a chat assistant for cancer clinical-trial questions (gateway application).

Importing the package sends libraries' deprecation warnings to DEBUG logging (see `bot.logs`): it is
the first import of every trialbot process (the gateway, the Rasa workers, the action server).
"""

from bot.logs import deprecations_at_debug

__version__ = "0.1.0"

deprecations_at_debug()
