"""The chain head, anchored outside the database: after every commit that extends a company's
Edit Log, a line `<time> <chain id> <seq> <hash> <key id>` is appended to
settings.EDITLOG_HEAD_FILE (var/editlog_head, 0600); the key id names the Edit Log key the hash
was made under (editlog.chain.key_id), so a key replaced since shows as such.

The chain alone cannot show that its tail was cut off: a log with its last Changes deleted and
`last_seq` lowered is still a valid chain. The head file remembers how far each chain reached
and the hash it had there, so `verify_editlog` can name a truncation, and a rewrite by anyone
holding the key. Lines are keyed by Company.chain_id (random, made with the company), not by
its id: a database restored elsewhere or a test's database never passes for another's
company.

The file is only ever appended to, one write(2) of one line per commit, in O_APPEND mode, so
lines from several processes never interleave. It is not fsync'ed: a power cut may lose the
newest lines (the check then knows a little less), never add one. Making it truly append-only
(`chattr +a`) or copying it off the machine is the operator's job (docs/security.md).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from editlog.chain import chain_key, key_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    key_id: str = ""  # lines written before key ids were noted have none


def head_path() -> Path:
    return Path(settings.EDITLOG_HEAD_FILE)


def head_append(*, chain_id: str, seq: int, hash: str) -> None:  # noqa: A002 — the Change's own word
    """Append the company's new head. Runs after the commit: a file that cannot be written is
    logged, never turned into a failed save (the save is already in the books)."""
    key = key_id(chain_key())
    line = f"{timezone.now().isoformat(timespec='seconds')} {chain_id} {seq} {hash} {key}\n"
    try:
        descriptor = os.open(head_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode("ascii"))
        finally:
            os.close(descriptor)
    except OSError as exc:
        log.error(
            "Could not add Edit Log head #%s of chain %s to %s: %s", seq, chain_id, head_path(), exc
        )


_agreed: set[tuple[Path, bytes]] = set()  # (head file, key) pairs found to agree


def head_key_check(key: bytes) -> None:
    """Refuse to chain under a key other than the one the head file's newest line was written
    under: a key file lost and made anew (a restore without the keys' backup) would otherwise
    chain new Changes onto hashes made under the old key, and the log could never verify
    again. Reads the file's last line until it names this key, then no more (per process)."""
    path = head_path()
    if (path, key) in _agreed:
        return
    try:
        with path.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - 512))
            lines = file.read().decode("ascii", errors="replace").splitlines()
    except FileNotFoundError:
        lines = []
    parts = lines[-1].split() if lines else []
    written = parts[4] if len(parts) == 5 else None
    current = key_id(key)
    if written is not None and written != current:
        raise ImproperlyConfigured(
            f"The Edit Log's key (id {current}) is not the one its head file was written under "
            f"(id {written}): put var/editlog_key back from the keys' backup (or set "
            "TALLYSYNC_EDITLOG_KEY) before saving anything."
        )
    if written == current:  # until the file has a head of ours, it is read again at each save
        _agreed.add((path, key))


def heads_read(path: Path | None = None) -> dict[str, Head]:
    """The furthest head the file saw for each chain id (lines may arrive out of order from
    several processes; of two lines for one seq, the later wins: after books restored from a
    backup, the seqs are taken again); lines that are not heads are skipped."""
    heads: dict[str, Head] = {}
    try:
        file = (path or head_path()).open(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return heads
    with file:
        for line in file:
            parts = line.split()
            if len(parts) not in (4, 5) or not parts[2].isdigit():
                continue
            chain_id, seq, hash_ = parts[1], int(parts[2]), parts[3]
            if chain_id not in heads or heads[chain_id].seq <= seq:
                heads[chain_id] = Head(seq=seq, hash=hash_, key_id=(parts[4:] or [""])[0])
    return heads
