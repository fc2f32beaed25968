"""The one-time set-up code: `manage.py serve` prints it on the server's console on a fresh
install, and `/setup/` asks for it, so the first computer on the LAN to open the page cannot make
itself the owner. Kept 0600 in the data folder as `setup_code` until set-up is done."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read off a console and typed on another computer.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 8  # 25**8 ≈ 1.5e11 codes: far beyond guessing over HTTP while set-up waits
WRONG = "That is not the set-up code. It is shown on the server's console (where it was started)."

log = logging.getLogger(__name__)


def setup_code_path() -> Path:
    return Path(settings.VAR_DIR) / "setup_code"


def setup_code_issue() -> str:
    """The set-up code, made (0600, never replaced once written) if there is none yet."""
    path = setup_code_path()
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(code)
    return code


def setup_code_announce() -> None:
    """A server started without `manage.py serve` (uvicorn itself, runserver) has printed no
    code: make one and write it to this server's console, once."""
    if not setup_code_path().exists():
        log.warning("First run: the set-up code is %s", setup_code_display(setup_code_issue()))


def setup_code_display(code: str) -> str:
    """`ABCDEFGH` as `ABCD-EFGH`, easier to read out."""
    return f"{code[: LENGTH // 2]}-{code[LENGTH // 2 :]}"


def setup_code_matches(given: str) -> bool:
    """Is `given` the kept code (any case, spaces and dashes ignored)? Compared in constant
    time; False when no code has been issued."""
    try:
        kept = setup_code_path().read_text().strip()
    except FileNotFoundError:
        return False
    typed = "".join(given.split()).replace("-", "").upper()
    return bool(kept) and hmac.compare_digest(typed.encode(), kept.encode())


def setup_code_remove() -> None:
    setup_code_path().unlink(missing_ok=True)
