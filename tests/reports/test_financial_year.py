"""The financial year as Tally keeps it: income and expense ledgers start each year at zero and
Profit & Loss A/c holds the results of earlier years, in every report that shows a balance."""

import datetime as dt
from decimal import Decimal

import pytest

from ledgers.models import Ledger
from ledgers.selectors import chart_build, group_list, group_sums_get, ledger_list
from ledgers.services import closing_stock_set
from reports.selectors import trial_balance_get
from reports.statements import ledger_statement_get
from tests.conftest import make_ledger, sale
from vouchers.services import voucher_create

YEAR_2 = dt.date(2027, 4, 15)


@pytest.fixture
def two_years(company, alice, ledgers):
    """Sales of 1,000 and rent of 300 in 2026-27; sales of 40 in 2027-28."""
    make_ledger(company, alice, "Old Sales", "Sales Accounts", opening_credit="50")
    voucher_create(company=company, actor=alice, data=sale("1000", date="2026-05-10"))
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Payment",
            "date": "2027-03-31",
            "entries": [{"ledger": "Rent", "debit": "300"}, {"ledger": "Cash", "credit": "300"}],
        },
    )
    voucher_create(company=company, actor=alice, data=sale("40", date="2027-04-02"))
    return ledgers


def _rows(report):
    return {row.ledger.name: row.balance for row in report.rows}


def test_year_two_trial_balance_carries_the_result_to_profit_and_loss(company, two_years):
    """Sales and Rent count from 1 April 2027; the first year's nett profit (1,000 + 50 − 300)
    sits in Profit & Loss A/c; the columns still agree."""
    report = trial_balance_get(company=company, as_of=YEAR_2)
    assert _rows(report) == {
        "Sharma Enterprises": Decimal("1040"),
        "Cash": Decimal("-300"),
        "Sales": Decimal("-40"),
        "Profit & Loss A/c": Decimal("-750"),
    }
    assert report.total_debit == report.total_credit == Decimal("1040") + Decimal("50")
    assert report.opening_difference == Decimal("50")


def test_the_first_year_keeps_openings_of_revenue_ledgers(company, two_years):
    rows = _rows(trial_balance_get(company=company, as_of=dt.date(2027, 3, 31)))
    assert rows["Old Sales"] == Decimal("-50")
    assert rows["Sales"] == Decimal("-1000")
    assert "Profit & Loss A/c" not in rows


def test_a_revenue_ledger_statement_opens_each_year_at_zero(company, two_years):
    sales = two_years["sales"]
    year_2 = ledger_statement_get(
        ledger=sales, date_from=dt.date(2027, 4, 1), date_to=dt.date(2027, 4, 30)
    )
    assert year_2.opening == Decimal("0")
    assert year_2.closing == Decimal("-40")
    empty = ledger_statement_get(
        ledger=sales, date_from=dt.date(2027, 5, 1), date_to=dt.date(2027, 5, 31)
    )
    assert empty.opening == empty.closing == Decimal("-40")
    party = ledger_statement_get(
        ledger=two_years["party"], date_from=dt.date(2027, 4, 1), date_to=dt.date(2027, 4, 30)
    )
    assert party.opening == Decimal("1000"), "a party's balance runs on across the year"


def test_profit_and_loss_statement_opens_with_the_earlier_years(company, two_years):
    profit_and_loss = Ledger.objects.get(company=company, name="Profit & Loss A/c")
    statement = ledger_statement_get(
        ledger=profit_and_loss, date_from=dt.date(2027, 4, 1), date_to=dt.date(2027, 4, 30)
    )
    assert statement.opening == statement.closing == Decimal("-750")


def test_closing_balances_and_group_totals_now_follow_the_year(company, two_years):
    """The ledger list, the dashboard and the JSON API read `ledger_list`; group totals read
    `group_sums_get`: both in the financial year of the day asked for."""
    balances = {lg.name: lg.closing_balance for lg in ledger_list(company=company, today=YEAR_2)}
    assert balances["Sales"] == Decimal("-40")
    assert balances["Old Sales"] == Decimal("0")
    assert balances["Rent"] == Decimal("0")
    assert balances["Profit & Loss A/c"] == Decimal("-750")
    sums = group_sums_get(company=company, today=YEAR_2)
    roots = chart_build(groups=group_list(company=company), group_sums=sums)
    totals = {node.group.name: node.total for root in roots for node in root.walk()}
    assert totals["Sales Accounts"] == Decimal("-40")
    assert totals["Indirect Expenses"] == Decimal("0")
    assert totals["Sundry Debtors"] == Decimal("1040")
    first_year = {
        lg.name: lg.closing_balance
        for lg in ledger_list(company=company, today=dt.date(2026, 12, 1))
    }
    # As of 01-Dec-2026 the sale dated 02-Apr-2027 has not happened: balances "now" leave it out
    # (it was counted in once, and the dashboard showed next year's cash: issue 17).
    assert first_year["Sales"] == Decimal("-1000")


def test_json_trial_balance_in_year_two(company, api, two_years):
    body = api.get(f"/c/{company.pk}/reports/trial-balance/?as_of=2027-04-15").json()
    rows = {r["ledger"]: (r["debit"], r["credit"]) for r in body["rows"]}
    assert rows["Sales"] == ("0.00", "40.00")
    assert rows["Profit & Loss A/c"] == ("0.00", "750.00")


def test_a_stock_ledger_opens_the_year_at_the_closing_stock_last_entered(company, alice):
    """Year 1: opening stock 5,000, closing value 8,000 on 31-Mar-2027: a gross profit of
    3,000 that year, which year 2's Trial Balance shows in Profit & Loss A/c, with the stock
    ledger at 8,000 (Tally's opening stock of the new year)."""
    stock = make_ledger(company, alice, "Stock", "Stock-in-Hand", opening_debit="5,000")
    make_ledger(company, alice, "Capital", "Capital Account", opening_credit="5,000")
    closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "2027-03-31", "amount": "8000"}
    )
    rows = _rows(trial_balance_get(company=company, as_of=YEAR_2))
    assert rows == {
        "Stock": Decimal("8000"),
        "Capital": Decimal("-5000"),
        "Profit & Loss A/c": Decimal("-3000"),
    }
    statement = ledger_statement_get(
        ledger=stock, date_from=dt.date(2027, 4, 1), date_to=dt.date(2027, 4, 30)
    )
    assert statement.opening == Decimal("8000")
    year_1 = _rows(trial_balance_get(company=company, as_of=dt.date(2027, 3, 31)))
    assert year_1["Stock"] == Decimal("5000"), "the Trial Balance shows no closing stock"
