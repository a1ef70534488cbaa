"""Custom actions, served by the rasa-sdk action server: `rasa run actions --actions bot.actions`."""
import os

from bot.actions.common import warm_up

# The run script sets this: the action server loads the geocoder before it listens.
if os.environ.get("NAVIGATOR_WARM_UP") == "1":
    warm_up()
