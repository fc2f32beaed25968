"""Settings the browser's sync.js needs, for every page."""

from typing import Any

from django.http import HttpRequest

from config.selectors import config_get

PING_EVERY_MS = 10_000


def live(request: HttpRequest) -> dict[str, Any]:
    # Pings renew the page's edit locks: at least three of them within one lock timeout.
    return {"sync_ping_ms": ping_ms()}


def ping_ms() -> int:
    """How often pages ping: every 10 s, or often enough to renew a lock three times a lease."""
    return min(PING_EVERY_MS, config_get().lock_timeout * 1000 // 3)
