"""The data folder (var/, or $TALLYSYNC_VAR_DIR): the SQLite database, the secret key, the Edit
Log's key and head file, and the collected static files. Settings only read it; the entry
points (manage.py, tallysync.asgi) prepare it, so importing settings writes nothing."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# What only the server's account may read: the database holds the books, password hashes and
# session hashes; the keys sign cookies. SQLite gives -wal/-shm the database file's own mode.
PRIVATE_FILES = ("tallysync.sqlite3", "tallysync.sqlite3-wal", "tallysync.sqlite3-shm")
# The Edit Log's key is kept here, never in the database: a copy of the database alone cannot
# recompute the chain (editlog.chain). Back it up with the secret key, apart from the books.
PRIVATE_KEYS = ("secret_key", "editlog_key", "setup_code", "editlog_head")
# Each key: the environment variable that gives it instead of the file, and the file.
KEYS = {"secret_key": "SECRET_KEY", "editlog_key": "TALLYSYNC_EDITLOG_KEY"}

log = logging.getLogger(__name__)


# A source checkout (make run) keeps templates/ and static/ beside the apps and its data in var/;
# `pip install .` puts templates/ and static/ inside the tallysync package (pyproject.toml).
CHECKOUT = (BASE_DIR / "manage.py").is_file()
FILES_DIR = BASE_DIR if CHECKOUT else Path(__file__).resolve().parent


def installed_var_dir(environ: Mapping[str, str], *, windows: bool) -> Path:
    """An installed server's data folder: the account's own application data folder, never the
    Python installation (which the account may not write, and an upgrade replaces)."""
    if windows:
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "TallySync"
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tallysync"


def var_dir() -> Path:
    """$TALLYSYNC_VAR_DIR, else var/ of the checkout, else the installed server's folder."""
    if given := os.environ.get("TALLYSYNC_VAR_DIR"):
        return Path(given)
    if CHECKOUT:
        return BASE_DIR / "var"
    return installed_var_dir(os.environ, windows=os.name == "nt")


def secret_key_read(folder: Path) -> str:
    """$SECRET_KEY, else the key kept in `folder`, else "" (Django refuses an empty key when
    something signs: run manage.py once, or set SECRET_KEY)."""
    return key_read(folder, "secret_key")


def key_read(folder: Path, name: str) -> str:
    """The key `name` from its environment variable, else from its file in `folder`, else ""."""
    if key := os.environ.get(KEYS[name]):
        return key
    path = folder / name
    return path.read_text().strip() if path.exists() else ""


def var_prepare(folder: Path) -> None:
    """Make the folder (0700) and its static/ (WhiteNoise warns about a missing one), and the
    secret key and the Edit Log's key kept there (never in git) unless the environment gives
    them. From here on this process creates files only its own account can read (umask 077), so
    SQLite's database, -wal and -shm are born 0600; files left readable by an older version are
    made private, and logged."""
    os.umask(0o077)
    (folder / "static").mkdir(parents=True, exist_ok=True)
    private_make(folder)
    for name, variable in KEYS.items():
        if not os.environ.get(variable):
            _key_make(folder, name)


def _key_make(folder: Path, name: str) -> None:
    path = folder / name
    if path.exists():
        return
    # Written aside, then linked into place: of two first starts at once, one key wins whole.
    aside = folder / f".{name}.{os.getpid()}"
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()


def private_make(folder: Path) -> None:
    """The folder 0700 and its database and key files 0600, each change logged with its path."""
    _mode_set(folder, 0o700)
    for name in (*PRIVATE_FILES, *PRIVATE_KEYS):
        _mode_set(folder / name, 0o600)


def _mode_set(path: Path, mode: int) -> None:
    if os.name == "nt":  # no POSIX modes: the folder is the account's own (LOCALAPPDATA)
        return
    try:
        before = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if before & ~mode == 0:
        return
    path.chmod(before & mode)
    log.warning("Made %s private: mode %o, was %o.", path, before & mode, before)
