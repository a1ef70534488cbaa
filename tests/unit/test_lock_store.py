"""The Redis lock store as Rasa builds it from endpoints.production.yml's URL, without a Redis (taking
turns through a real one: tests/integration/test_stores.py)."""
from __future__ import annotations

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server.lock_store import RedisURLLockStore


def test_the_lock_store_url_carries_password_database_and_tls():
    store = RedisURLLockStore(EndpointConfig(url="rediss://:s%40cret@redis.internal:6380/3"))
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("redis.internal", 6380, 3, "s@cret")
    assert store.red.connection_pool.connection_class.__name__ == "SSLConnection"
    with pytest.raises(ValueError, match="NAVIGATOR_REDIS_URL"):
        RedisURLLockStore(EndpointConfig(url="localhost:6379"))
