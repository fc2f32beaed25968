"""Profit & Loss A/c and Balance Sheet in Tally's layout: NOTES.md B.3 to the rupee, gross and
nett loss, contrary groups, the opening difference, closing stock, the JSON and the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledgers.models import ClosingStock, Ledger
from reports.selectors import balance_sheet_get, profit_and_loss_get
from tests.conftest import make_ledger
from vouchers.services import voucher_create

APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def post(company, actor, kind, day, debit, credit, amount):
    return voucher_create(
        company=company,
        actor=actor,
        data={
            "type": kind,
            "date": f"2026-04-{day:02d}",
            "entries": [{"ledger": debit, "debit": amount}, {"ledger": credit, "credit": amount}],
        },
    )


def closing_stock(company, ledger, day, amount):
    """A dated closing value, written here directly; the service's own tests go through it."""
    ClosingStock.objects.create(company=company, ledger=ledger, date=day, amount=Decimal(amount))


@pytest.fixture
def b1(company, alice):
    """NOTES.md B.3: April's books of a shop without inventory (stock in a Stock-in-Hand
    ledger, its closing value entered for 30-Apr)."""
    cash = Ledger.objects.get(company=company, name="Cash")
    cash.opening_balance = Decimal("20000")
    cash.save()
    make_ledger(company, alice, "Capital", "Capital Account", opening_credit="25,000")
    stock = make_ledger(company, alice, "Stock", "Stock-in-Hand", opening_debit="5,000")
    for name, group in [
        ("Supplier A", "Sundry Creditors"),
        ("Customer X", "Sundry Debtors"),
        ("Purchase", "Purchase Accounts"),
        ("Sales", "Sales Accounts"),
        ("Freight Inward", "Direct Expenses"),
        ("Shop Rent", "Indirect Expenses"),
        ("Discount Received", "Indirect Incomes"),
    ]:
        make_ledger(company, alice, name, group)
    post(company, alice, "Purchase", 5, "Purchase", "Supplier A", "11200")
    post(company, alice, "Sales", 10, "Customer X", "Sales", "12000")
    post(company, alice, "Purchase", 20, "Purchase", "Cash", "6200")
    post(company, alice, "Sales", 25, "Cash", "Sales", "4250")
    post(company, alice, "Payment", 26, "Freight Inward", "Cash", "400")
    post(company, alice, "Payment", 27, "Shop Rent", "Cash", "3000")
    post(company, alice, "Journal", 28, "Supplier A", "Discount Received", "150")
    closing_stock(company, stock, dt.date(2026, 4, 30), "11200")
    return stock


def _side(lines):
    return [(line.particulars, line.amount) for line in lines]


def test_b1_profit_and_loss_to_the_rupee(company, b1):
    report = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    assert _side(report.trading_debit) == [
        ("Opening Stock", Decimal("5000")),
        ("Purchase Accounts", Decimal("17400")),
        ("Direct Expenses", Decimal("400")),
        ("Gross Profit c/o", Decimal("4650")),
    ]
    assert _side(report.trading_credit) == [
        ("Sales Accounts", Decimal("16250")),
        ("Closing Stock", Decimal("11200")),
    ]
    assert report.trading_total == Decimal("27450")
    assert _side(report.debit) == [
        ("Indirect Expenses", Decimal("3000")),
        ("Nett Profit", Decimal("1800")),
    ]
    assert _side(report.credit) == [
        ("Gross Profit b/f", Decimal("4650")),
        ("Indirect Incomes", Decimal("150")),
    ]
    assert report.total == Decimal("4800")
    assert (report.gross_profit, report.nett_profit) == (Decimal("4650"), Decimal("1800"))


def test_b1_balance_sheet_to_the_rupee(company, b1):
    report = balance_sheet_get(company=company, as_of=APRIL[1])
    assert _side(report.liabilities) == [
        ("Capital Account", Decimal("25000")),
        ("Current Liabilities", Decimal("11050")),
        ("Profit & Loss A/c", Decimal("1800")),
    ]
    profit_and_loss = report.liabilities[-1]
    assert [(d.particulars, d.amount) for d in profit_and_loss.details] == [
        ("Opening Balance", Decimal("0")),
        ("Current Period", Decimal("1800")),
    ]
    assert _side(report.assets) == [("Current Assets", Decimal("37850"))]
    current_assets = {d.particulars: d.amount for d in report.assets[0].details if d.depth == 0}
    assert current_assets == {
        "Cash-in-Hand": Decimal("14650"),
        "Stock-in-Hand": Decimal("11200"),
        "Sundry Debtors": Decimal("12000"),
    }
    assert report.liabilities_total == report.assets_total == Decimal("37850")


def test_a_period_after_the_years_start_opens_with_the_stock_before_it(company, alice, b1):
    """NOTES.md B.5 (6): May's Profit & Loss opens with 30-Apr's closing stock, and April's and
    May's nett profits add up to the two months'."""
    may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    for kind, debit, credit, amount in [
        ("Sales", "Cash", "Sales", "5000"),
        ("Payment", "Shop Rent", "Cash", "1000"),
    ]:
        entries = [{"ledger": debit, "debit": amount}, {"ledger": credit, "credit": amount}]
        data = {"type": kind, "date": "2026-05-15", "entries": entries}
        voucher_create(company=company, actor=alice, data=data)
    closing_stock(company, b1, may[1], "9000")
    april = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    month = profit_and_loss_get(company=company, date_from=may[0], date_to=may[1])
    both = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=may[1])
    assert _side(month.trading_debit)[0] == ("Opening Stock", Decimal("11200"))
    assert ("Closing Stock", Decimal("9000")) in _side(month.trading_credit)
    assert (month.gross_profit, month.nett_profit) == (Decimal("2800"), Decimal("1800"))
    assert (both.gross_profit, both.nett_profit) == (Decimal("7450"), Decimal("3600"))
    assert both.nett_profit == april.nett_profit + month.nett_profit


def test_b1_with_capital_entered_short_shows_the_difference(company, alice, b1):
    """Capital entered as 24,000: "Difference in opening balances 1,000" on the Liabilities
    side, totals still 37,850."""
    Ledger.objects.filter(company=company, name="Capital").update(opening_balance=-24000)
    report = balance_sheet_get(company=company, as_of=APRIL[1])
    assert ("Difference in opening balances", Decimal("1000")) in _side(report.liabilities)
    assert report.liabilities_total == report.assets_total == Decimal("37850")


def test_gross_and_nett_loss_change_sides(company, alice, ledgers):
    post(company, alice, "Purchase", 3, "Purchase", "Gupta Suppliers", "500")
    post(company, alice, "Sales", 4, "Sharma Enterprises", "Sales", "300")
    post(company, alice, "Payment", 5, "Rent", "Cash", "50")
    report = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    assert _side(report.trading_credit)[-1] == ("Gross Loss c/o", Decimal("200"))
    assert _side(report.debit) == [
        ("Gross Loss b/f", Decimal("200")),
        ("Indirect Expenses", Decimal("50")),
    ]
    assert _side(report.credit) == [("Nett Loss", Decimal("250"))]
    assert report.nett_profit == Decimal("-250")
    sheet = balance_sheet_get(company=company, as_of=APRIL[1])
    assert ("Profit & Loss A/c", Decimal("-250")) in _side(sheet.liabilities)
    assert sheet.liabilities_total == sheet.assets_total


def test_a_group_contrary_to_its_nature_moves_to_the_other_side(company, alice, ledgers):
    """Tally: liabilities with a debit balance appear among the assets."""
    post(company, alice, "Payment", 3, "Gupta Suppliers", "Cash", "700")
    sheet = balance_sheet_get(company=company, as_of=APRIL[1])
    assert ("Current Liabilities", Decimal("700")) in _side(sheet.assets)
    assert ("Current Assets", Decimal("-700")) in [(x, -a) for x, a in _side(sheet.liabilities)]
    assert sheet.liabilities_total == sheet.assets_total == Decimal("700")


def test_profit_and_loss_json(company, api, b1):
    body = api.get(f"/c/{company.pk}/reports/profit-loss/?from=2026-04-01&to=2026-04-30").json()
    assert (body["from"], body["to"]) == ("2026-04-01", "2026-04-30")
    assert (body["gross_profit"], body["nett_profit"]) == ("4650.00", "1800.00")
    assert [(x["particulars"], x["amount"], x["part"]) for x in body["debit"]] == [
        ("Opening Stock", "5000.00", "trading"),
        ("Purchase Accounts", "17400.00", "trading"),
        ("Direct Expenses", "400.00", "trading"),
        ("Gross Profit c/o", "4650.00", "trading"),
        ("Indirect Expenses", "3000.00", "profit_loss"),
        ("Nett Profit", "1800.00", "profit_loss"),
    ]
    assert body["credit"][0]["details"] == [
        {
            "particulars": "Sales",
            "amount": "16250.00",
            "depth": 0,
            "ledger_id": body["credit"][0]["details"][0]["ledger_id"],
        }
    ]


def test_balance_sheet_json(company, api, b1):
    body = api.get(f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30").json()
    assert body["as_of"] == "2026-04-30"
    assert body["liabilities_total"] == body["assets_total"] == "37850.00"
    assert [(x["particulars"], x["amount"]) for x in body["liabilities"]] == [
        ("Capital Account", "25000.00"),
        ("Current Liabilities", "11050.00"),
        ("Profit & Loss A/c", "1800.00"),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("profit-loss/?from=soon", "from"),
        ("profit-loss/?to=31-31-2026", "to"),
        ("profit-loss/?from=2026-05-01&to=2026-04-01", "to"),
        ("balance-sheet/?as_of=yesterday", "as_of"),
    ],
)
def test_bad_dates_are_refused_naming_the_field(company, api, query, field):
    answer = api.get(f"/c/{company.pk}/reports/{query}")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


def test_the_pages_show_tally_layout_and_the_detailed_view(company, client, alice, b1):
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/profit-loss/?from=2026-04-01&to=2026-04-30")
    text = page.content.decode()
    for words in ["Gross Profit c/o", "Gross Profit b/f", "Nett Profit", "4,650.00", "27,450.00"]:
        assert words in text
    assert "Freight Inward" not in text, "ledgers show in the detailed view only"
    detailed = client.get(
        f"/c/{company.pk}/reports/profit-loss/?from=2026-04-01&to=2026-04-30&detailed=1"
    ).content.decode()
    freight = Ledger.objects.get(company=company, name="Freight Inward")
    assert f"/ledgers/{freight.pk}/?from=2026-04-01&amp;to=2026-04-30" in detailed
    sheet = client.get(f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30")
    text = sheet.content.decode()
    for words in ["Liabilities", "Assets", "Opening Balance", "Current Period", "37,850.00"]:
        assert words in text


def test_the_reports_queries_do_not_grow_with_the_ledgers(company, alice, b1):
    """No query per ledger or per group: twenty more ledgers with entries and a closing value
    cost the Profit & Loss A/c and the Balance Sheet no more queries."""

    def counted() -> tuple[int, int]:
        counts = []
        for report in (
            lambda: profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1]),
            lambda: balance_sheet_get(company=company, as_of=APRIL[1]),
        ):
            with CaptureQueriesContext(connection) as queries:
                report()
            counts.append(len(queries))
        return counts[0], counts[1]

    before = counted()
    for n in range(10):
        make_ledger(company, alice, f"Party {n}", "Sundry Debtors")
        make_ledger(company, alice, f"Expense {n}", "Indirect Expenses")
        post(company, alice, "Journal", 10 + n, f"Expense {n}", f"Party {n}", "10")
    assert counted() == before
