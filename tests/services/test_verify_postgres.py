"""Verify and repair on PostgreSQL: D01 asks every declared foreign key for dangling rows (and
for constraints never validated) where SQLite has its PRAGMAs, and the other checks and the
repair read and write the same there (sums of BIGINT paise as NUMERIC)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backups.repair import books_repair
from backups.verify import books_verify
from companies.models import Company
from ledgers.models import Ledger
from tests.backups.conftest import (
    dangling_clear,
    entry_amount_set,
    ids,
    sharma_books,
    totals_move,
)
from vouchers.models import Entry, Voucher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


@pytest.fixture
def sharma(company: Company, alice: Any, ledgers: dict[str, Ledger]) -> Any:
    """tests/backups' books; the dangling rows a test seeds go before its transaction ends."""
    yield sharma_books(company, alice, ledgers)
    dangling_clear()


def read_only(sql: str) -> bool:
    """A SELECT, or the server-side cursor `.iterator()` declares for one."""
    words = sql.split()
    return words[0].upper() == "SELECT" or (
        words[0].upper() == "DECLARE" and " FOR SELECT " in sql.upper()
    )


def test_clean_books_report_nothing_and_nothing_is_written(sharma: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert books_verify() == []
    assert all(read_only(q["sql"]) for q in queries.captured_queries)


def test_a_dangling_row_is_found_by_d01_and_named_by_m01(sharma: dict[str, Any]) -> None:
    party = sharma["party"]
    with connection.cursor() as cursor:  # deferred: checked at a commit that never comes
        cursor.execute(
            "INSERT INTO vouchers_entry (voucher_id, ledger_id, amount, position, date) "
            "VALUES (999999, %s, 50000, 0, '2026-11-26')",
            [party.pk],
        )
    totals_move(party.pk, dt.date(2026, 11, 26), Decimal("500.00"))
    orphan = Entry.objects.filter(voucher_id=999999).order_by("pk").get()
    assert [(f.check_id, f.object_key) for f in books_verify()] == [("M01", f"entry:{orphan.pk}")]
    (d01,) = books_verify(ids=["D01"])
    assert d01.object_key == f"entry:{orphan.pk}"
    assert (
        d01.message
        == "row of vouchers_entry refers to a row of vouchers_voucher that does not exist"
    )


def test_an_unbalanced_voucher_is_moved_and_the_totals_rebuilt(
    sharma: dict[str, Any], alice: Any
) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    assert ids(books_verify(company=sharma["company"])) == {"V01"}
    report = books_repair(company=sharma["company"], actor=alice, backup=None)
    assert [m.object_id for m in report.quarantined] == [voucher.pk]
    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    left = books_verify(company=sharma["company"])
    assert [(f.check_id, f.severity.name) for f in left] == [("V08", "INFO")]
    assert not books_repair(company=sharma["company"], actor=alice, backup=None).changed
