"""Books worth backing up: Sharma Traders (tests/conftest.py) with vouchers in two financial
years, a cancelled and a deleted voucher (a gap in the numbers the counter remembers), a
closing stock value and an altered ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from companies.models import Company
from ledgers.models import Ledger
from ledgers.services import closing_stock_set, ledger_alter
from tests.conftest import make_ledger, sale
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
