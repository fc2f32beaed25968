"""The data folder (var/, or $TALLYSYNC_VAR_DIR): the SQLite database, the secret key and the
collected static files. Settings only read it; the entry points (manage.py, tallysync.asgi)
prepare it, so importing settings writes nothing."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    return Path(os.environ.get("TALLYSYNC_VAR_DIR", BASE_DIR / "var"))


def secret_key_read(folder: Path) -> str:
    """$SECRET_KEY, else the key kept in `folder`, else "" (Django refuses an empty key when
    something signs: run manage.py once, or set SECRET_KEY)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = folder / "secret_key"
    return path.read_text().strip() if path.exists() else ""


def var_prepare(folder: Path) -> None:
    """Make the folder and its static/ (WhiteNoise warns about a missing one), and a secret key
    kept there (never in git) unless $SECRET_KEY gives one."""
    (folder / "static").mkdir(parents=True, exist_ok=True)
    if os.environ.get("SECRET_KEY"):
        return
    path = folder / "secret_key"
    if path.exists():
        return
    # Written aside, then linked into place: of two first starts at once, one key wins whole.
    aside = folder / f".secret_key.{os.getpid()}"
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()
