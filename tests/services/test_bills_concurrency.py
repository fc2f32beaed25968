"""Two users settling the same pending bill at once, on real PostgreSQL with real threads
(issue 18): the company lock serialises the saves, so the second one reads the bill as the
first left it and is told its pending amount changed; nothing is ever over-settled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Invalid
from tests.conftest import DAY
from tests.services.conftest import run_together
from vouchers.bills import bills_pending
from vouchers.models import BillAllocation
from vouchers.services import voucher_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]
THREADS = 6


def receipt(amount: str) -> dict:
    return {
        "type": "Receipt",
        "date": DAY.isoformat(),
        "entries": [
            {"ledger": "HDFC Bank", "debit": amount},
            {
                "ledger": "Sharma Enterprises",
                "credit": amount,
                "bills": [{"type": "Agst Ref", "name": "INV-1", "amount": amount}],
            },
        ],
    }


def test_two_users_settling_one_bill_at_once_never_over_settle(company, ledgers, alice, bob):
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Sales",
            "date": DAY.isoformat(),
            "entries": [
                {
                    "ledger": "Sharma Enterprises",
                    "debit": "10000",
                    "bills": [{"type": "New Ref", "name": "INV-1", "amount": "10000"}],
                },
                {"ledger": "Sales", "credit": "10000"},
            ],
        },
    )
    users = [alice, bob]
    # Each wants to settle 7,000 of the 10,000: only one can.
    results = run_together(
        [
            lambda t=t: voucher_create(company=company, actor=users[t % 2], data=receipt("7000"))
            for t in range(THREADS)
        ]
    )
    won = [value for status, value in results if status == "ok"]
    lost = [value for status, value in results if status == "error"]
    assert len(won) == 1, results
    assert len(lost) == THREADS - 1
    for refusal in lost:
        assert isinstance(refusal, Invalid), refusal
        (message,) = refusal.errors["entries.1.bills.0.amount"]
        assert message.startswith(
            "Bill INV-1 of Sharma Enterprises has 3,000.00 Dr pending now; this settles 7,000.00."
        )
        assert "pending amount changed" in message
    (bill,) = bills_pending(company_id=company.pk)
    assert bill.pending == Decimal("3000.00")
    settled = BillAllocation.objects.filter(kind="agst").values_list("amount", flat=True)
    assert list(settled) == [Decimal("-7000.00")]
