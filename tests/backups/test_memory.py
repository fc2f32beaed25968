"""NOTES.md C.6 (8): a backup streams — its rows are read a chunk at a time and written on as
they come, so the memory it takes does not grow with the books. Measured with tracemalloc (the
Python heap, where rows read whole would sit), never with a clock."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from django.utils import timezone

from backups.archive import backup_write
from companies.models import Company
from core.bulk import db_date, db_datetime, rows_insert
from ledgers.models import Ledger
from vouchers.models import Entry, Voucher, VoucherType

VOUCHERS = 20_000
NARRATION = 600  # characters
POOL = 1_000_000  # characters of random text the narrations are cut from


def _narrations(random: Random) -> Iterator[str]:
    """Text a zip holds nearly whole (CJK characters at random: three bytes each in UTF-8,
    barely compressible), so the archive is large against the rows a chunk holds in memory;
    cut from one long random text at random places (far apart for deflate's 32 KiB window)."""
    codes = memoryview(random.randbytes(2 * POOL)).cast("H")
    pool = "".join(chr(0x4E00 + code % 20_000) for code in codes)
    while True:
        start = random.randrange(POOL - NARRATION)
        yield pool[start : start + NARRATION]


def _vouchers_insert(company: Company, ledgers: dict[str, Ledger], alice: Any) -> None:
    """VOUCHERS sales of two lines each, inserted raw (no Edit Log: the archive carries the
    rows as they are), each with a narration that compresses poorly."""
    narrations = _narrations(Random(16))
    sales = VoucherType.objects.get(company=company, name="Sales")
    now = db_datetime(timezone.now())
    day = db_date(dt.date(2026, 11, 26))
    vouchers = [
        (company.pk, sales.pk, 2026, n, day, next(narrations), "", False, 1,
         now, now, alice.pk, alice.pk)
        for n in range(1, VOUCHERS + 1)
    ]  # fmt: skip
    fields = ["company", "voucher_type", "financial_year", "number", "date", "narration",
              "reference", "is_cancelled", "version", "created_at", "altered_at",
              "created_by", "altered_by"]  # fmt: skip
    ids = rows_insert(Voucher, fields, vouchers, returning_pk=True)
    amount = Decimal("1180.00")
    entries = [
        row
        for pk in ids
        for row in (
            (pk, ledgers["party"].pk, amount, 0, day),
            (pk, ledgers["sales"].pk, -amount, 1, day),
        )
    ]
    rows_insert(Entry, ["voucher", "ledger", "amount", "position", "date"], entries)


def test_a_large_company_is_backed_up_in_bounded_memory(
    company: Company, ledgers: dict[str, Ledger], alice: Any, tmp_path: Path
) -> None:
    _vouchers_insert(company, ledgers, alice)
    tracemalloc.start()
    try:
        manifest = backup_write(company=company, path=tmp_path / "large.tsbk")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert manifest.checks["vouchers"] == VOUCHERS
    written = sum(member.bytes for member in manifest.files)  # the rows as text
    assert manifest.size > 20 * 2**20 and written > 40 * 2**20
    # Read whole (a list, not `.iterator()`), the vouchers alone would take more than the
    # archive; streamed, the peak is a chunk or two of rows (CHUNK) and the zip's buffers
    # (about 7 MB here against an archive of 26 MB), whatever the number of vouchers.
    assert peak < manifest.size / 3, (peak, manifest.size, written)
