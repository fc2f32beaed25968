"""Twenty clients billing the same item from the same godown at once, on real PostgreSQL with
real threads (issue 20): the company lock serialises the saves, each sees the stock the others
left, so no quantity is ever lost; with Refuse negative stock, exactly the sales past the stock
are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from books.services import company_features_set
from core.errors import Invalid
from inventory.models import StockLine
from inventory.moves import moves_read
from inventory.services import stock_item_create, unit_create
from inventory.voucher_services import stock_voucher_create
from tests.services.conftest import run_together
from vouchers.models import Voucher

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]
CLIENTS = 20


@pytest.fixture
def bowl(company, alice, ledgers):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    opening = [{"godown": "Main Location", "quantity": "100", "rate": "50"}]
    data = {"name": "Steel Bowl", "unit": "Nos", "opening": opening}
    return stock_item_create(company=company, actor=alice, data=data)


def bill(company, actor, quantity: str):
    line = {"item": "Steel Bowl", "quantity": quantity, "rate": "80", "ledger": "Sales"}
    data = {"type": "Sales", "date": "2026-04-10", "party": "Cash", "items": [line]}
    return stock_voucher_create(company=company, actor=actor, data=data)


def stock_left(company) -> Decimal:
    return sum((move.quantity for move in moves_read(company)), Decimal("0"))


def test_twenty_clients_billing_one_item_lose_no_quantity(company, alice, bob, bowl):
    users = [alice, bob]
    results = run_together([lambda t=t: bill(company, users[t % 2], "7") for t in range(CLIENTS)])
    assert all(status == "ok" for status, _ in results), results
    assert stock_left(company) == Decimal("100") - CLIENTS * 7  # −40: warned, not refused
    assert StockLine.objects.count() == CLIENTS
    # Each save saw the stock the saves before it left: the warnings count down by 7.
    warned = sorted(
        (value.change.warnings for _, value in results if value.change.warnings),
        key=lambda w: -int(w[0].split(" will be ")[1].split()[0]),
    )
    assert [w[0] for w in warned] == [
        f"Steel Bowl in Main Location will be {100 - 7 * n} Nos after this voucher"
        for n in range(15, CLIENTS + 1)
    ]


def test_with_refuse_negative_stock_exactly_the_sales_past_the_stock_are_refused(
    company, alice, bob, bowl
):
    company_features_set(company=company, actor=alice, data={"refuse_negative_stock": True})
    users = [alice, bob]
    results = run_together([lambda t=t: bill(company, users[t % 2], "7") for t in range(CLIENTS)])
    won = [value for status, value in results if status == "ok"]
    lost = [value for status, value in results if status == "error"]
    assert len(won) == 14  # 14 × 7 = 98 of the 100; a 15th would leave −5
    assert len(lost) == CLIENTS - 14
    for refusal in lost:
        assert isinstance(refusal, Invalid), refusal
        assert refusal.errors == {
            "items.0.quantity": [
                "Steel Bowl in Main Location will be -5 Nos after this voucher: the company "
                "refuses negative stock."
            ]
        }
    assert stock_left(company) == Decimal("2")
    assert Voucher.objects.filter(company=company).count() == 14
    assert StockLine.objects.count() == 14
