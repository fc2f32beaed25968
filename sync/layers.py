"""The in-memory channel layer lives inside one process: a second process would never see the
first one's broadcasts. Claiming a lock file (one per database) at start-up refuses that second
process."""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

_claim: IO | None = None


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# POSIX locks with fcntl; Windows has msvcrt's byte-range lock instead (no fcntl there).
fcntl = _module("fcntl")
msvcrt = _module("msvcrt")


def lock_exclusive(handle: IO) -> bool:
    """Hold an exclusive lock on the open file without waiting: False if another process holds
    it. The lock goes when the process ends, however it ends."""
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # the first byte, as a flag
        except OSError:
            return False
        return True
    raise ImproperlyConfigured("This system offers no file lock (neither fcntl nor msvcrt).")


def in_memory_layer() -> bool:
    return settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")


def _database_id() -> str:
    """Names the database the process serves: two processes on one database are the danger
    (a test run's own database does not collide with a server running beside it)."""
    db = connections["default"].settings_dict
    where = f"{db['ENGINE']}|{db.get('HOST')}|{db.get('PORT')}|{db['NAME']}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def claim_single_process() -> None:
    """With the in-memory layer, hold var/server-<database>.lock for the life of this process."""
    global _claim
    if not in_memory_layer() or _claim is not None:
        return
    path = Path(settings.VAR_DIR) / f"server-{_database_id()}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    if not lock_exclusive(handle):
        handle.close()
        raise ImproperlyConfigured(
            "Another TallySync server process is already serving this database with the "
            "in-memory channel layer, which cannot reach across processes: stop it, or set "
            "REDIS_URL (and DATABASE_URL) to run several processes."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _claim = handle
