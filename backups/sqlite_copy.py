"""Whole-file copies of a live SQLite database (NOTES.md C.1's installation backup): SQLite's
online backup API and `VACUUM INTO`, each copy checked with `PRAGMA integrity_check`.

Never a plain file copy: a live WAL database is the file plus its -wal, and copying them while
a save commits can pair a page from before with one from after. The backup API copies pages
under a read lock (a write from another connection restarts it: NOTES.md 1.4); VACUUM INTO
writes a compacted copy from one read transaction and refuses a target that is not empty.
`bench/backup.py` times the backup API as the floor the company archive is measured against.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def sqlite_backup(source: Path, target: Path, *, pages: int = -1) -> None:
    """Copy the database at `source` into `target` with the online backup API (`pages` per
    step; -1: all at once). `target` is overwritten."""
    with (
        contextlib.closing(sqlite3.connect(source)) as here,
        contextlib.closing(sqlite3.connect(target)) as there,
    ):
        here.backup(there, pages=pages)


def sqlite_vacuum_into(source: Path, target: Path) -> None:
    """Write a compacted copy of `source` to `target` from one snapshot. SQLite refuses a
    `target` that exists and is not empty (sqlite3.OperationalError: "output file already
    exists")."""
    with contextlib.closing(sqlite3.connect(source)) as here:
        here.execute("VACUUM INTO ?", [str(target)])


def integrity_check(path: Path) -> list[str]:
    """`PRAGMA integrity_check` on the file at `path`: ["ok"] for a sound one, else SQLite's
    findings (or the error that stopped the check: a file too damaged to read)."""
    if not path.exists():
        return [f"{path}: no such file"]
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            return [row[0] for row in copy.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [f"{path}: {exc}"]
