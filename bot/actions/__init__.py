"""Custom actions, served by the rasa-sdk action server: `rasa run actions --actions bot.actions`."""
import os

from bot.actions.common import warm_up

# The run script sets this so the first person to text does not wait for the geocoder's index.
if os.environ.get("NAVIGATOR_WARM_UP") == "1":
    warm_up()
