"""Reading and changing the ServerConfig row. Any app may read it (it is configuration, like
settings); each process serves it from memory for at most CACHE_SECONDS."""

from __future__ import annotations

import time

from config.models import ServerConfig

CACHE_SECONDS = 5.0
_cached: tuple[float, ServerConfig] | None = None


def config_get() -> ServerConfig:
    """The configuration row, at most 5 s old; the defaults while it has never been saved (a
    read that never writes: it must work while another writer holds the database)."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    config = ServerConfig.objects.filter(pk=1).first() or ServerConfig(pk=1)
    _cached = (now, config)
    return config


def config_forget() -> None:
    """Read the row again next time (after a change, and between tests)."""
    global _cached
    _cached = None
