"""Totals past what one database integer holds: a group of ledgers each near its own limit
(saves allow each ledger up to 2**63 - 1 paise) sums past SQLite's SUM() range; the live
update, the lists and the reports still answer, exactly where a column can hold the figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from core.errors import Invalid
from core.money import MAX_AMOUNT
from ledgers.models import Ledger
from ledgers.selectors import chart_build, chart_find, group_list, group_sums_get, ledger_list
from sync.fragments import change_patch
from tests.conftest import DAY, make_ledger
from vouchers.services import voucher_create

BIG = str(MAX_AMOUNT)  # 9,99,99,99,99,99,99,999.99: the largest single amount
YEAR_2 = dt.date(2027, 5, 1)


@pytest.fixture
def huge(company, alice, ledgers):
    """Ten debtors each owing the largest amount, against ten sales ledgers: each group's
    total is ten times what one amount may be, past 2**63 - 1 paise."""
    last = None
    for i in range(10):
        make_ledger(company, alice, f"Debtor {i}", "Sundry Debtors")
        make_ledger(company, alice, f"Sales {i}", "Sales Accounts")
        entries = [{"ledger": f"Debtor {i}", "debit": BIG}, {"ledger": f"Sales {i}", "credit": BIG}]
        data = {"type": "Sales", "date": DAY.isoformat(), "entries": entries}
        last = voucher_create(company=company, actor=alice, data=data)
    return last


def test_a_groups_total_past_the_integer_range_is_exact(company, huge):
    assert 10 * MAX_AMOUNT * 100 > 2**63 - 1
    sums = group_sums_get(company=company, today=DAY)
    roots = chart_build(groups=group_list(company=company), group_sums=sums)
    assert chart_find(roots, "Sundry Debtors").total == 10 * MAX_AMOUNT
    assert chart_find(roots, "Sales Accounts").total == -10 * MAX_AMOUNT


def test_the_live_update_of_such_a_save_renders(company, huge):
    """Was `OperationalError: integer overflow` in the hub: the group totals it repaints."""
    patch = change_patch(huge.change)
    assert any("99,99,99,99,99,99,99,999.90 Dr" in html for html in patch.html)


def test_the_next_year_carries_such_a_result(company, alice, huge):
    """In year 2 Profit & Loss A/c carries every sales ledger's year-1 result: a company-wide
    sum past the integer range (was an overflow in every balance list of year 2)."""
    ledgers = {ledger.name: ledger for ledger in ledger_list(company=company, today=YEAR_2)}
    assert ledgers["Sales 3"].closing_balance == 0  # a revenue ledger opens the year at zero
    carried = ledgers["Profit & Loss A/c"].closing_balance
    assert carried == pytest.approx(-10 * MAX_AMOUNT, rel=Decimal("1e-12"))
    client = Client()
    client.force_login(alice)
    for url in ("reports/trial-balance/", "reports/balance-sheet/", "ledgers/", ""):
        response = client.get(f"/c/{company.pk}/{url}?as_of={YEAR_2.isoformat()}")
        assert response.status_code == 200, url


def test_a_ledgers_own_totals_stay_within_the_integer_range(company, alice, huge):
    entries = [{"ledger": "Debtor 0", "debit": BIG}, {"ledger": "Sales 0", "credit": BIG}]
    data = {"type": "Sales", "date": DAY.isoformat(), "entries": entries}
    for _ in range(8):
        voucher_create(company=company, actor=alice, data=data)
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert "Debtor 0's totals past what the books can hold" in caught.value.errors["entries"][0]
    assert Ledger.objects.get(name="Debtor 0").total_debit == 9 * MAX_AMOUNT
