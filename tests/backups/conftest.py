"""Books worth backing up: Sharma Traders (tests/conftest.py) with vouchers in two financial
years, a cancelled and a deleted voucher (a gap in the numbers the counter remembers), a
closing stock value and an altered ledger.

And books with defects seeded behind the application's back (raw SQL and queryset updates),
each as the check that should find it expects it: everything else kept consistent, so exactly
that check reports (tests/backups/test_verify.py, test_repair.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from backups.verify import Finding, books_verify
from companies.models import Company
from ledgers.models import Ledger
from ledgers.services import closing_stock_set, ledger_alter
from tests.conftest import make_ledger, sale
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_cancel, voucher_create, voucher_delete


@pytest.fixture
def books(company: Company, alice: User, bob: User, ledgers: dict[str, Ledger]) -> Company:
    stock = make_ledger(company, alice, "Stock", "Stock-in-Hand", opening_balance="5000.00")
    voucher_create(company=company, actor=bob, data=sale("1,00,000.00"))
    voucher_create(company=company, actor=bob, data=sale("250.50", date="2027-05-02"))
    purchase = {
        "type": "Purchase",
        "date": "2026-11-20",
        "entries": [
            {"ledger": "Purchase", "debit": "40000"},
            {"ledger": "Gupta Suppliers", "credit": "40000"},
        ],
    }
    voucher_create(company=company, actor=alice, data=purchase)
    rent = {
        "type": "Payment",
        "date": "2026-12-01",
        "narration": "December rent — ₹ in cash",
        "entries": [{"ledger": "Rent", "debit": "12000"}, {"ledger": "Cash", "credit": "12000"}],
    }
    voucher_create(company=company, actor=bob, data=rent)
    cancelled = voucher_create(company=company, actor=bob, data=sale("10"))
    voucher_cancel(company=company, voucher=cancelled, actor=bob, version=cancelled.version)
    deleted = voucher_create(company=company, actor=bob, data=sale("20"))
    voucher_delete(company=company, voucher=deleted, actor=bob, version=deleted.version)
    closing_stock_set(
        company=company,
        actor=alice,
        ledger=stock,
        data={"date": "2027-03-31", "amount": "11200"},
    )
    party = ledgers["party"]
    ledger_alter(
        company=company,
        actor=alice,
        ledger=party,
        data={"name": party.name, "group": "Sundry Debtors", "state": "Gujarat"},
        version=Ledger.objects.get(pk=party.pk).version,
    )
    return Company.objects.get(pk=company.pk)


def rezip(path: Any, out: Any, *, change: Any) -> None:
    """Copy the archive at `path` to `out`, passing each member's (name, bytes) through
    `change`, which returns the new bytes (or None to leave the member out)."""
    import zipfile

    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info, data)


FY = dt.date(2026, 4, 1)


@pytest.fixture
def sharma(company: Company, alice: Any, ledgers: dict[str, Ledger]) -> dict[str, Any]:
    """Books to seed defects in (verify and repair): Sharma Traders with three vouchers, two
    sales and a rent payment, and its ledgers, by name."""
    return sharma_books(company, alice, ledgers)


def sharma_books(company: Company, alice: Any, ledgers: dict[str, Ledger]) -> dict[str, Any]:
    first = voucher_create(company=company, actor=alice, data=sale())
    second = voucher_create(company=company, actor=alice, data=sale("2500.00"))
    payment = {
        "type": "Payment",
        "date": "2026-11-27",
        "entries": [{"ledger": "Rent", "debit": "12000"}, {"ledger": "Cash", "credit": "12000"}],
    }
    paid = voucher_create(company=company, actor=alice, data=payment)
    return {**ledgers, "company": company, "first": first, "second": second, "payment": paid}


@pytest.fixture(autouse=True)
def dangling_cleared(db: Any) -> Any:
    """Rows seeded with a parent that does not exist are taken away before the test's
    transaction ends: Django checks the deferred foreign keys then."""
    yield
    dangling_clear()


def dangling_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM vouchers_entry WHERE voucher_id NOT IN (SELECT id FROM vouchers_voucher)"
            " OR ledger_id NOT IN (SELECT id FROM ledgers_ledger)"
        )
        cursor.execute(
            "DELETE FROM ledgers_ledgerday WHERE ledger_id NOT IN (SELECT id FROM ledgers_ledger)"
        )
        cursor.execute(
            "UPDATE ledgers_ledger SET group_id = NULL "
            "WHERE group_id NOT IN (SELECT id FROM ledgers_group)"
        )


def totals_move(ledger_id: int, day: dt.date, amount: Decimal, *, back: bool = False) -> None:
    """Add `amount` (positive = Dr) to a ledger's kept totals and day total as a posting
    would, or take it back: the seeded defect stays the only one."""
    paise = int(amount * 100)
    debit, credit = (paise, 0) if paise > 0 else (0, -paise)
    if back:
        debit, credit = -debit, -credit
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledgers_ledger SET total_debit = total_debit + %s, "
            "total_credit = total_credit + %s WHERE id = %s",
            [debit, credit, ledger_id],
        )
        cursor.execute(
            "UPDATE ledgers_ledgerday SET debit = debit + %s, credit = credit + %s "
            "WHERE ledger_id = %s AND date = %s",
            [debit, credit, ledger_id, day],
        )
        if cursor.rowcount == 0:
            cursor.execute(
                "INSERT INTO ledgers_ledgerday (ledger_id, date, debit, credit) "
                "VALUES (%s, %s, %s, %s)",
                [ledger_id, day, debit, credit],
            )


def entry_amount_set(entry: Entry, amount: Decimal) -> None:
    """An entry's amount changed in the database, its ledger's totals following."""
    totals_move(entry.ledger_id, entry.date, entry.amount, back=True)
    Entry.objects.filter(pk=entry.pk).update(amount=amount)
    totals_move(entry.ledger_id, entry.date, amount)


def entry_remove(entry: Entry) -> None:
    totals_move(entry.ledger_id, entry.date, entry.amount, back=True)
    with connection.cursor() as cursor:
        # its bills and instrument go with it, as the database's cascade would take them
        for table in ("vouchers_billallocation", "vouchers_bankallocation"):
            cursor.execute(f"DELETE FROM {table} WHERE entry_id = %s", [entry.pk])
        cursor.execute("DELETE FROM vouchers_entry WHERE id = %s", [entry.pk])


def voucher_redate(voucher: Voucher, day: dt.date) -> None:
    """A voucher moved to another day, its entries and day totals with it."""
    for entry in voucher.entries.all():
        totals_move(entry.ledger_id, entry.date, entry.amount, back=True)
        totals_move(entry.ledger_id, day, entry.amount)
    Entry.objects.filter(voucher=voucher).update(date=day)
    Voucher.objects.filter(pk=voucher.pk).update(date=day)


def ids(findings: list[Finding]) -> set[str]:
    return {finding.check_id for finding in findings}


def found(company: Company, **options: Any) -> list[Finding]:
    return books_verify(company=company, **options)
