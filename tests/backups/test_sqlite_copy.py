"""NOTES.md C.6 (11): the SQLite online backup and VACUUM INTO copies of the live books pass
`PRAGMA integrity_check`, hold only what was committed, and VACUUM INTO refuses a non-empty
file; a damaged copy is found out."""

import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from backups.sqlite_copy import integrity_check, sqlite_backup, sqlite_vacuum_into

pytestmark = pytest.mark.django_db(transaction=True)  # the books committed, for other connections


def companies_in(path: Path) -> list[str]:
    with sqlite3.connect(path) as copy:
        return [row[0] for row in copy.execute("SELECT name FROM companies_company ORDER BY id")]


@pytest.fixture
def books(company, ledgers, voucher) -> Path:
    return Path(connection.settings_dict["NAME"])


@pytest.mark.parametrize("copy", [sqlite_backup, sqlite_vacuum_into])
def test_a_copy_of_the_live_books_is_sound_and_holds_only_what_was_committed(books, tmp_path, copy):
    writer = sqlite3.connect(books, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a save in progress, holding the write lock
    writer.execute(
        "INSERT INTO companies_company (name, address, state, gstin, financial_year_start,"
        " books_beginning, warn_negative_cash, last_seq, last_hash, chain_id, created_at)"
        " VALUES ('Half Saved', '', '', '', '2026-04-01', '2026-04-01', 1, 0, '', 'x', '2026')"
    )
    try:
        copy(books, tmp_path / "copy.sqlite3")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert integrity_check(tmp_path / "copy.sqlite3") == ["ok"]
    assert companies_in(tmp_path / "copy.sqlite3") == ["Sharma Traders"]
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copied:
        assert copied.execute("SELECT COUNT(*) FROM vouchers_entry").fetchone() == (2,)


def test_vacuum_into_refuses_a_file_that_is_not_empty(books, tmp_path):
    target = tmp_path / "copy.sqlite3"
    sqlite_vacuum_into(books, target)
    with pytest.raises(sqlite3.OperationalError, match="output file already exists"):
        sqlite_vacuum_into(books, target)
    assert integrity_check(target) == ["ok"]  # the first copy is left as it was


def test_a_damaged_copy_fails_the_integrity_check(books, tmp_path):
    target = tmp_path / "copy.sqlite3"
    sqlite_backup(books, target)
    with sqlite3.connect(target) as copy:
        page_size = copy.execute("PRAGMA page_size").fetchone()[0]
        root = copy.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'ledgers_ledger'"
        ).fetchone()[0]
    data = bytearray(target.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 400] = b"\x07" * 392  # the ledgers' table page, scribbled over
    target.write_bytes(bytes(data))
    found = integrity_check(target)
    assert found != ["ok"] and found
    assert integrity_check(tmp_path / "missing.sqlite3") == [
        f"{tmp_path}/missing.sqlite3: no such file"
    ]
