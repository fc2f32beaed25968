"""Settings the browser's sync.js needs, for every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

PING_EVERY_MS = 10_000


def live(request: HttpRequest) -> dict[str, Any]:
    # Pings renew the page's edit locks: at least three of them within one lock timeout.
    return {"sync_ping_ms": min(PING_EVERY_MS, settings.LOCK_TIMEOUT * 1000 // 3)}
