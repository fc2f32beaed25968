"""B06: bill-wise details that no longer add up to their line are named by verify."""

from __future__ import annotations

from decimal import Decimal

from backups.verify import books_verify
from tests.conftest import DAY
from vouchers.models import BillAllocation
from vouchers.services import voucher_create


def test_verify_names_bills_that_no_longer_add_up(company, alice, ledgers):
    sold = voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Sales",
            "date": DAY.isoformat(),
            "entries": [
                {"ledger": "Sharma Enterprises", "debit": "10000",
                 "bills": [{"type": "New Ref", "name": "INV-1", "amount": "10000"}]},
                {"ledger": "Sales", "credit": "10000"},
            ],
        },
    )  # fmt: skip
    assert [f for f in books_verify(company=company) if f.check_id == "B06"] == []
    BillAllocation.objects.update(amount=Decimal("9000"))  # damage behind the application
    (finding,) = [f for f in books_verify(company=company) if f.check_id == "B06"]
    assert (finding.object_type, finding.object_id) == ("voucher", sold.pk)
    assert finding.message == (
        "The bills of Sharma Enterprises's line add up to 9,000.00; the line is 10,000.00"
    )
