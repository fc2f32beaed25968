"""Schedule III (Division I): NOTES.md B.1's books in the vertical Balance Sheet and Statement
of Profit and Loss to the paisa, groups without a head named under "Not mapped", groups
contrary to their nature on the other side, the JSON and the page."""

import datetime as dt
from decimal import Decimal

import pytest

from ledgers.models import Group, Ledger
from ledgers.services import group_create
from reports.schedule3 import (
    NOT_MAPPED,
    schedule3_balance_sheet_get,
    schedule3_profit_and_loss_get,
)
from reports.selectors import balance_sheet_get, profit_and_loss_get
from tests.conftest import make_ledger
from tests.reports.test_final_accounts import APRIL, b1, post

__all__ = ["b1"]  # the fixture: NOTES.md B.3's April books


def _sections(sections):
    return [
        (section.name, [(head.name, head.amount) for head in section.heads], section.total)
        for section in sections
    ]


def test_b1_balance_sheet_in_schedule_iii_to_the_paisa(company, b1):
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    assert _sections(report.equity_and_liabilities) == [
        (
            "Shareholders' funds",
            [("Share capital", Decimal("25000.00")), ("Reserves and surplus", Decimal("1800.00"))],
            Decimal("26800.00"),
        ),
        ("Current liabilities", [("Trade payables", Decimal("11050.00"))], Decimal("11050.00")),
    ]
    assert _sections(report.assets) == [
        (
            "Current assets",
            [
                ("Inventories", Decimal("11200.00")),
                ("Trade receivables", Decimal("12000.00")),
                ("Cash and cash equivalents", Decimal("14650.00")),
            ],
            Decimal("37850.00"),
        )
    ]
    assert report.equity_and_liabilities_total == report.assets_total == Decimal("37850.00")
    assert report.not_mapped == []
    reserves = report.equity_and_liabilities[0].heads[1]
    assert [(d.particulars, d.amount, d.depth) for d in reserves.details] == [
        ("Surplus in Statement of Profit and Loss", Decimal("1800.00"), 0),
        ("Opening Balance", Decimal("0.00"), 1),
        ("Current Period", Decimal("1800.00"), 1),
    ]


def test_b1_statement_of_profit_and_loss_to_the_paisa(company, b1):
    """NOTES.md B.4: Changes in inventories = Opening − Closing = 5,000 − 11,200 = −6,200."""
    report = schedule3_profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    assert [(h.name, h.amount) for h in report.income] == [
        ("Revenue from operations", Decimal("16250.00")),
        ("Other income", Decimal("150.00")),
    ]
    assert report.total_income == Decimal("16400.00")
    assert [(h.name, h.amount) for h in report.expenses] == [
        ("Purchases of Stock-in-Trade", Decimal("17400.00")),
        ("Changes in inventories of Stock-in-Trade", Decimal("-6200.00")),
        ("Other expenses", Decimal("3400.00")),
    ]
    other = report.expenses[-1]
    assert [(d.particulars, d.amount) for d in other.details if d.depth == 0] == [
        ("Direct Expenses", Decimal("400.00")),
        ("Indirect Expenses", Decimal("3000.00")),
    ]
    assert report.total_expenses == Decimal("14600.00")
    assert report.profit_before_tax == Decimal("1800.00")
    tally = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    assert report.profit_before_tax == tally.nett_profit


def test_b1_with_capital_entered_short_names_the_difference_not_mapped(company, b1):
    """Capital entered as 24,000: the Difference in opening balances (1,000) has no Schedule
    III head, so it stands named under "Not mapped"; totals still 37,850."""
    Ledger.objects.filter(company=company, name="Capital").update(opening_balance=-24000)
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    assert _sections(report.equity_and_liabilities)[-1] == (
        NOT_MAPPED,
        [("Difference in opening balances", Decimal("1000"))],
        Decimal("1000"),
    )
    assert report.not_mapped == ["Difference in opening balances"]
    assert report.equity_and_liabilities_total == report.assets_total == Decimal("37850.00")


def test_groups_without_a_head_are_named_not_dropped(company, alice, ledgers):
    """Suspense A/c and a user's primary group have no Schedule III head: each is a line of its
    own under "Not mapped", on the side Tally's Balance Sheet shows it."""
    # No service makes a primary group (a user's groups go under one); an import could.
    Group.objects.create(company=company, name="Partners' Drawings", nature=Group.Nature.ASSET)
    make_ledger(company, alice, "Drawings Ravi", "Partners' Drawings")
    make_ledger(company, alice, "Unknown receipt", "Suspense A/c")
    post(company, alice, "Receipt", 3, "Cash", "Unknown receipt", "500")
    post(company, alice, "Payment", 4, "Drawings Ravi", "Cash", "200")
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    assert _sections(report.equity_and_liabilities)[-1] == (
        NOT_MAPPED,
        [("Suspense A/c", Decimal("500"))],
        Decimal("500"),
    )
    assert _sections(report.assets)[-1] == (
        NOT_MAPPED,
        [("Partners' Drawings", Decimal("200"))],
        Decimal("200"),
    )
    assert report.not_mapped == ["Suspense A/c", "Partners' Drawings"]
    sheet = balance_sheet_get(company=company, as_of=APRIL[1])
    assert report.assets_total == sheet.assets_total == Decimal("500")


def test_a_user_sub_group_takes_its_parents_head(company, alice, ledgers):
    group_create(company=company, actor=alice, name="Export Debtors", parent="Sundry Debtors")
    make_ledger(company, alice, "Acme GmbH", "Export Debtors")
    post(company, alice, "Sales", 3, "Acme GmbH", "Sales", "900")
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    receivables = report.assets[0].heads[0]
    assert (receivables.name, receivables.amount) == ("Trade receivables", Decimal("900"))
    assert [(d.particulars, d.depth) for d in receivables.details] == [
        ("Export Debtors", 0),
        ("Acme GmbH", 1),
    ]


def test_a_group_contrary_to_its_nature_stands_on_the_other_side(company, alice, ledgers):
    """As in Tally's Balance Sheet (and Schedule III's practice for advances to suppliers): a
    Current Liabilities group with a debit balance shows among the other current assets, and
    the overdrawn Current Assets among the other current liabilities; totals as Tally's."""
    post(company, alice, "Payment", 3, "Gupta Suppliers", "Cash", "700")
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    assert _sections(report.assets) == [
        ("Current assets", [("Other current assets", Decimal("700"))], Decimal("700"))
    ]
    assert report.assets[0].heads[0].details[0].particulars == (
        "Current Liabilities (debit balance)"
    )
    assert _sections(report.equity_and_liabilities) == [
        ("Current liabilities", [("Other current liabilities", Decimal("700"))], Decimal("700"))
    ]
    sheet = balance_sheet_get(company=company, as_of=APRIL[1])
    assert report.assets_total == sheet.assets_total
    assert report.equity_and_liabilities_total == sheet.liabilities_total


def test_schedule_iii_json(company, api, b1):
    base = f"/c/{company.pk}/reports"
    body = api.get(f"{base}/balance-sheet/?as_of=2026-04-30&layout=schedule3").json()
    assert (body["as_of"], body["layout"]) == ("2026-04-30", "schedule3")
    assert body["equity_and_liabilities_total"] == body["assets_total"] == "37850.00"
    assert [
        (s["section"], [(h["head"], h["amount"]) for h in s["heads"]], s["total"])
        for s in body["assets"]
    ] == [
        (
            "Current assets",
            [
                ("Inventories", "11200.00"),
                ("Trade receivables", "12000.00"),
                ("Cash and cash equivalents", "14650.00"),
            ],
            "37850.00",
        )
    ]
    assert body["not_mapped"] == []
    pl = api.get(f"{base}/profit-loss/?from=2026-04-01&to=2026-04-30&layout=schedule3").json()
    assert (pl["total_income"], pl["total_expenses"], pl["profit_before_tax"]) == (
        "16400.00",
        "14600.00",
        "1800.00",
    )
    assert [(h["head"], h["amount"]) for h in pl["expenses"]][1] == (
        "Changes in inventories of Stock-in-Trade",
        "-6200.00",
    )


@pytest.mark.parametrize("report", ["balance-sheet", "profit-loss"])
def test_an_unknown_layout_is_refused_naming_the_field(company, api, report):
    answer = api.get(f"/c/{company.pk}/reports/{report}/?layout=vertical")
    assert answer.status_code == 400
    assert "layout" in answer.json()["errors"]


def test_the_schedule_iii_pages(company, client, alice, b1):
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30&layout=schedule3")
    text = page.content.decode()
    for words in ["Schedule III", "Equity and Liabilities", "Trade receivables", "37,850.00"]:
        assert words in text
    assert 'id="balance-sheet"' in text and "data-sync-region" in text
    region = client.get(
        f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30&layout=schedule3",
        headers={"HX-Request": "true", "HX-Target": "balance-sheet"},
    ).content.decode()
    assert region.strip().startswith('<div id="balance-sheet"') and "Trade receivables" in region
    statement = client.get(
        f"/c/{company.pk}/reports/profit-loss/?from=2026-04-01&to=2026-04-30&layout=schedule3"
    ).content.decode()
    for words in ["Revenue from operations", "(-)6,200.00", "Profit before tax", "1,800.00"]:
        assert words in statement
    tally = client.get(f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30").content
    assert b"layout=schedule3" in tally, "the Balance Sheet links to its Schedule III layout"


def test_the_day_after_the_books_begin_is_a_whole_day(company, b1):
    """A period of one day reads its day rows (the two shortest spans) and agrees."""
    day = dt.date(2026, 4, 25)
    report = schedule3_profit_and_loss_get(company=company, date_from=day, date_to=day)
    assert report.income[0].amount == Decimal("4250.00")
    assert report.profit_before_tax == (
        profit_and_loss_get(company=company, date_from=day, date_to=day).nett_profit
    )
