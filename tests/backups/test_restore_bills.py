"""Bills, opening bills and bank instruments go through a backup and come back in every restore
mode (issue 18 on issue 16's archive): a copy's pending bills are the original's."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from backups.archive import backup_write
from backups.restore import restore
from books.reconcile import books_reconcile
from companies.models import Company
from tests.conftest import DAY, make_ledger
from vouchers.bills import bills_pending
from vouchers.models import BankAllocation
from vouchers.services import voucher_create


def pending(company: Company) -> list[tuple]:
    return [
        (b.party, b.name, b.date, b.due_date, b.pending)
        for b in bills_pending(company_id=company.pk)
    ]


@pytest.fixture
def billed(company: Company, alice: User, ledgers) -> Company:
    make_ledger(
        company,
        alice,
        "Old Customer",
        "Sundry Debtors",
        opening_debit="900",
        opening_bills=[{"name": "OB-1", "date": "2026-03-01", "amount": "900", "side": "Dr"}],
    )
    sale = {
        "type": "Sales",
        "date": DAY.isoformat(),
        "entries": [
            {
                "ledger": "Sharma Enterprises",
                "debit": "5000",
                "bills": [
                    {"type": "New Ref", "name": "INV-1", "amount": "5000", "credit_days": 30}
                ],
            },
            {"ledger": "Sales", "credit": "5000"},
        ],
    }
    voucher_create(company=company, actor=alice, data=sale)
    paid = {
        "type": "Receipt",
        "date": DAY.isoformat(),
        "entries": [
            {"ledger": "HDFC Bank", "debit": "2000", "instrument_type": "Cheque",
             "instrument_number": "004512"},
            {"ledger": "Sharma Enterprises", "credit": "2000",
             "bills": [{"type": "Agst Ref", "name": "INV-1", "amount": "2000"}]},
        ],
    }  # fmt: skip
    voucher_create(company=company, actor=alice, data=paid)
    return company


def test_a_copy_has_the_same_pending_bills_and_cheques(billed, alice, tmp_path: Path) -> None:
    archive = tmp_path / "billed.tsbk"
    backup_write(company=billed, path=archive)
    copy = restore(archive=archive, mode="copy", name="Billed copy", actor=alice).company
    assert pending(copy) == pending(billed)
    assert len(pending(copy)) == 2  # OB-1 whole, INV-1 with 3,000 pending
    cheque = BankAllocation.objects.get(entry__voucher__company=copy)
    assert (cheque.instrument_number, cheque.ledger.company_id) == ("004512", copy.pk)
    # the copy's books agree with its Edit Log, bills included (its restore recorded each
    # voucher as created, with its bills in the snapshot)
    differences = [str(d) for d in books_reconcile(company=copy)]
    assert [d for d in differences if "oucher" in d or "edger" in d] == [], differences
