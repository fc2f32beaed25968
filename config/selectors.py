"""Reading the ServerConfig row. Any app may read it (it is configuration, like settings); the
cache (settings.CACHES, local memory: per process) serves it for at most CACHE_SECONDS."""

from __future__ import annotations

from django.core.cache import cache

from config.models import ServerConfig

CACHE_SECONDS = 5
CACHE_KEY = "config:server"


def config_get() -> ServerConfig:
    """The configuration row, at most 5 s old; the defaults while it has never been saved (a
    read that never writes: it must work while another writer holds the database)."""
    config = cache.get(CACHE_KEY)
    if config is None:
        config = ServerConfig.objects.filter(pk=1).first() or ServerConfig(pk=1)
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def config_forget() -> None:
    """Read the row again next time (after a change, and between tests)."""
    cache.delete(CACHE_KEY)
