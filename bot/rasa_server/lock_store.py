"""Rasa's Redis lock store, configured by one URL (NAVIGATOR_REDIS_URL in endpoints.production.yml).

With several Rasa replicas the lock keeps one conversation's turns in order: two texts
from one phone that reach two replicas are processed one after the other, each on the
conversation as the other left it.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

KEY_PREFIX = "navigator"


class RedisURLLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = urlsplit(endpoint_config.url or "")
        if url.scheme not in ("redis", "rediss") or not url.hostname:
            raise ValueError("the lock store needs a URL like redis://host:6379/0 (NAVIGATOR_REDIS_URL)")
        database = url.path.strip("/")
        super().__init__(
            host=url.hostname,
            port=url.port or 6379,
            db=int(database) if database.isdigit() else 0,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_ssl=url.scheme == "rediss",
            key_prefix=KEY_PREFIX,
            socket_timeout=float(endpoint_config.kwargs.get("socket_timeout", 2)),
        )
