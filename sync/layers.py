"""The in-memory channel layer lives inside one process: a second process would never see the
first one's broadcasts. Claiming a lock file at start-up refuses that second process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_claim: IO | None = None


def in_memory_layer() -> bool:
    return settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")


def claim_single_process() -> None:
    """With the in-memory layer, hold var/server.lock for the life of this process."""
    global _claim
    if not in_memory_layer() or _claim is not None:
        return
    path = Path(settings.VAR_DIR) / "server.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ImproperlyConfigured(
            "Another TallySync server process is already running on this data folder with the "
            "in-memory channel layer, which cannot reach across processes: stop it, or set "
            "REDIS_URL (and DATABASE_URL) to run several processes."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _claim = handle
