"""Custom actions, served by the rasa-sdk action server: `rasa run actions --actions bot.actions`."""
from bot import settings
from bot.actions.common import warm_up

# The launcher sets this: the action server loads the geocoder before it listens.
if settings.WARM_UP.read():
    warm_up()
