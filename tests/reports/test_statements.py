"""A ledger's books: its statement paged by key, the Cash/Bank Book with each day's closing, the
Monthly Summary; pages and JSON, refusals naming the field, no query per row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.errors import Invalid
from reports.statements import StatementKey, ledger_monthly_get, ledger_statement_get
from tests.conftest import make_ledger, sale
from vouchers.services import voucher_create

JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def two_lines(kind: str, day: str, debit: str, credit: str, amount: str) -> dict:
    return {
        "type": kind,
        "date": day,
        "entries": [{"ledger": debit, "debit": amount}, {"ledger": credit, "credit": amount}],
    }


@pytest.fixture
def cash_june(company, alice, ledgers):
    """Cash in June 2026: 10,000 capital in and 1,500 rent out on the 1st; a cash sale of
    2,500 and 5,000 into HDFC Bank on the 2nd; 750 from Sharma Enterprises on the 5th; then
    300 of rent on 1st July. Cash closes June at 6,750.00 Dr and July at 6,450.00 Dr."""
    make_ledger(company, alice, "Capital", "Capital Account")
    for data in [
        two_lines("Receipt", "2026-06-01", "Cash", "Capital", "10,000"),
        two_lines("Payment", "2026-06-01", "Rent", "Cash", "1,500"),
        two_lines("Sales", "2026-06-02", "Cash", "Sales", "2,500"),
        two_lines("Contra", "2026-06-02", "HDFC Bank", "Cash", "5,000"),
        two_lines("Receipt", "2026-06-05", "Cash", "Sharma Enterprises", "750"),
        two_lines("Payment", "2026-07-01", "Rent", "Cash", "300"),
    ]:
        voucher_create(company=company, actor=alice, data=data)
    return ledgers


JUNE_BALANCES = ["10000", "8500", "11000", "6000", "6750"]


def balances(statement) -> list[Decimal]:
    return [line.balance for line in statement.lines]


def all_pages(ledger, limit: int, period=JUNE) -> list:
    pages = [
        ledger_statement_get(ledger=ledger, date_from=period[0], date_to=period[1], limit=limit)
    ]
    while pages[-1].next:
        after = pages[-1].next
        pages.append(
            ledger_statement_get(
                ledger=ledger, date_from=period[0], date_to=period[1], after=after, limit=limit
            )
        )
    return pages


def test_cash_in_june_runs_to_the_worked_figures(cash_june):
    statement = ledger_statement_get(ledger=cash_june["cash"], date_from=JUNE[0], date_to=JUNE[1])
    assert statement.opening == Decimal("0.00")
    assert balances(statement) == [Decimal(x) for x in JUNE_BALANCES]
    assert [line.day_end for line in statement.lines] == [False, True, False, True, True]
    assert [line.particulars for line in statement.lines] == [
        "Capital",
        "Rent",
        "Sales",
        "HDFC Bank",
        "Sharma Enterprises",
    ]
    assert statement.closing == Decimal("6750.00")
    assert (statement.more, statement.next, statement.after) == (False, None, None)


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_pages_run_the_balance_on_as_one_page_does(cash_june, limit):
    """Every page, even one that starts inside a day, brings forward what the one-page
    statement shows before its first line (the day rows before its day and that day's
    entries up to the key)."""
    whole = ledger_statement_get(ledger=cash_june["cash"], date_from=JUNE[0], date_to=JUNE[1])
    pages = all_pages(cash_june["cash"], limit)
    assert len(pages) == -(-5 // limit)
    assert [b for page in pages for b in balances(page)] == balances(whole)
    assert [line.day_end for page in pages for line in page.lines] == [
        line.day_end for line in whole.lines
    ]
    for before, page in zip(pages, pages[1:], strict=False):
        assert page.opening == before.closing
        assert page.after == before.next
    assert pages[-1].closing == whole.closing == Decimal("6750.00")


def test_the_previous_key_leads_back_to_the_page_before(cash_june):
    pages = all_pages(cash_june["cash"], 2)
    assert [page.after for page in pages] == [None, pages[0].next, pages[1].next]
    assert pages[1].previous is None, "the page before the second is the first"
    assert pages[2].previous == pages[0].next


def test_a_key_whose_voucher_is_gone_still_pages_in_order(cash_june):
    """A key is a place in the order, not a row: the page after it is the same whether or not
    the voucher it names still exists."""
    cash = cash_june["cash"]
    first = ledger_statement_get(ledger=cash, date_from=JUNE[0], date_to=JUNE[1], limit=1)
    ghost = StatementKey(first.next.date, first.next.voucher_id, 9)
    page = ledger_statement_get(ledger=cash, date_from=JUNE[0], date_to=JUNE[1], after=ghost)
    assert page.opening == Decimal("10000.00")
    assert balances(page) == [Decimal(x) for x in JUNE_BALANCES[1:]]


def test_a_key_outside_the_period_is_refused_naming_after(cash_june):
    key = StatementKey(dt.date(2026, 7, 1), 1, 0)
    with pytest.raises(Invalid) as refused:
        ledger_statement_get(
            ledger=cash_june["cash"], date_from=JUNE[0], date_to=JUNE[1], after=key
        )
    assert refused.value.errors == {
        "after": ["The page key's day 01-Jul-2026 is not in the period 01-Jun-2026 to 30-Jun-2026."]
    }


# -- JSON -----------------------------------------------------------------------------------


def test_the_statement_json_pages_by_key(company, api, cash_june):
    url = f"/c/{company.pk}/reports/ledger/{cash_june['cash'].pk}/"
    first = api.get(url, {"from": "2026-06-01", "to": "2026-06-30"}).json()
    assert first["ledger"] == {"id": cash_june["cash"].pk, "name": "Cash", "group": "Cash-in-Hand"}
    assert (first["from"], first["to"], first["opening"]) == ("2026-06-01", "2026-06-30", "0.00")
    assert [line["balance"] for line in first["lines"]] == [
        "10000.00",
        "8500.00",
        "11000.00",
        "6000.00",
        "6750.00",
    ]
    line = first["lines"][1]
    assert {k: line[k] for k in ("date", "particulars", "voucher_type", "debit", "credit")} == {
        "date": "2026-06-01",
        "particulars": "Rent",
        "voucher_type": "Payment",
        "debit": "0.00",
        "credit": "1500.00",
    }
    assert line["number"] == 1 and line["key"] == f"2026-06-01.{line['voucher_id']}.1"
    assert (first["closing"], first["next"], first["previous"]) == ("6750.00", None, None)


def test_the_statement_json_of_a_page_after_a_key(company, api, cash_june):
    url = f"/c/{company.pk}/reports/ledger/{cash_june['cash'].pk}/"
    whole = api.get(url, {"from": "2026-06-01", "to": "2026-06-30"}).json()
    key = whole["lines"][2]["key"]
    page = api.get(url, {"from": "2026-06-01", "to": "2026-06-30", "after": key}).json()
    assert (page["after"], page["opening"], page["previous"]) == (key, "11000.00", "")
    assert [line["balance"] for line in page["lines"]] == ["6000.00", "6750.00"]
    assert page["closing"] == "6750.00"


def test_a_revenue_ledgers_year_two_statement_opens_at_zero_in_json(company, alice, api, ledgers):
    voucher_create(company=company, actor=alice, data=sale("1000", date="2026-05-10"))
    voucher_create(company=company, actor=alice, data=sale("40", date="2027-04-02"))
    url = f"/c/{company.pk}/reports/ledger/{ledgers['sales'].pk}/"
    body = api.get(url, {"from": "2027-04-01", "to": "2027-04-30"}).json()
    assert (body["opening"], body["closing"]) == ("0.00", "-40.00")
    party = api.get(
        f"/c/{company.pk}/reports/ledger/{ledgers['party'].pk}/",
        {"from": "2027-04-01", "to": "2027-04-30"},
    ).json()
    assert party["opening"] == "1000.00"


def test_the_ledgers_own_url_still_answers_its_json_to_scripts(company, api, cash_june):
    body = api.get(f"/c/{company.pk}/ledgers/{cash_june['cash'].pk}/").json()
    assert body["name"] == "Cash" and "version" in body and "lines" not in body


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "page-2"}, "after"),
        ({"after": "2026-02-30.1.0"}, "after"),
        ({"from": "2026-06-01", "to": "2026-06-30", "after": "2026-07-01.1.0"}, "after"),
        ({"from": "someday"}, "from"),
        ({"from": "2026-07-01", "to": "2026-06-01"}, "to"),
    ],
)
def test_bad_statement_parameters_are_refused_naming_the_field(
    company, api, cash_june, client, alice, query, field
):
    url = f"/c/{company.pk}/reports/ledger/{cash_june['cash'].pk}/"
    answer = api.get(url, query)
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/ledgers/{cash_june['cash'].pk}/", query)
    assert page.status_code == 400
    assert field in page.content.decode()


# -- pages ----------------------------------------------------------------------------------


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_the_statement_page_links_its_pages_by_key(company, cash_june, browser, monkeypatch):
    monkeypatch.setattr("reports.views.STATEMENT_PAGE", 2)
    url = f"/c/{company.pk}/ledgers/{cash_june['cash'].pk}/?from=2026-06-01&to=2026-06-30"
    first = browser.get(url)
    key = first.context["statement"].next
    html = first.content.decode()
    assert f'data-key="PageDown" href="?from=2026-06-01&amp;to=2026-06-30&amp;after={key}"' in html
    assert 'data-key="PageUp"' not in html
    second = browser.get(f"{url}&after={key}").content.decode()
    assert "Brought forward" in second and "8,500.00 Dr" in second
    assert 'data-key="PageUp" href="?from=2026-06-01&amp;to=2026-06-30"' in second
    assert "Monthly Summary" in html and "Cash Book" in html


def test_the_cash_book_shows_each_days_closing_after_its_last_line(company, cash_june, browser):
    url = f"/c/{company.pk}/reports/cash-bank-books/{cash_june['cash'].pk}/"
    html = browser.get(url, {"from": "2026-06-01", "to": "2026-06-30"}).content.decode()
    assert "Cash Book: " in html
    closings = [
        ("01-Jun-2026", "8,500.00 Dr"),
        ("02-Jun-2026", "6,000.00 Dr"),
        ("05-Jun-2026", "6,750.00 Dr"),
    ]
    rows = html.split('class="day-closing-row"')[1:]
    assert len(rows) == 3
    for row, (day, amount) in zip(rows, closings, strict=True):
        assert f"Closing balance on {day}" in row.split("</tr>")[0]
        assert amount in row.split("</tr>")[0]


def test_the_cash_book_json_lists_the_day_closings(company, api, cash_june):
    url = f"/c/{company.pk}/reports/cash-bank-books/{cash_june['bank'].pk}/"
    body = api.get(url, {"from": "2026-06-01", "to": "2026-06-30"}).json()
    assert body["day_closings"] == [{"date": "2026-06-02", "closing": "5000.00"}]


def test_the_cash_book_refuses_a_ledger_that_is_not_cash_or_bank(company, api, cash_june):
    url = f"/c/{company.pk}/reports/cash-bank-books/{cash_june['party'].pk}/"
    answer = api.get(url)
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "ledger": [
            "Sharma Enterprises is not a cash or bank ledger: the Cash/Bank Book shows ledgers "
            "under Cash-in-Hand, Bank Accounts or Bank OD A/c."
        ]
    }


def test_the_cash_bank_books_list_the_cash_and_bank_ledgers(company, alice, api, cash_june):
    make_ledger(company, alice, "SBI OD", "Bank OD A/c")
    names = [row["name"] for row in api.get(f"/c/{company.pk}/reports/cash-bank-books/").json()]
    assert names == ["Cash", "HDFC Bank", "SBI OD"]


def test_the_dashboard_links_the_cash_bank_books(company, browser):
    html = browser.get(f"/c/{company.pk}/").content.decode()
    assert f'href="/c/{company.pk}/reports/cash-bank-books/"' in html


# -- Monthly Summary ------------------------------------------------------------------------


def test_the_monthly_summary_of_cash(company, cash_june):
    summary = ledger_monthly_get(company=company, ledger_id=cash_june["cash"].pk, year=2026)
    rows = [(m.date_from, m.debit, m.credit, m.closing) for m in summary.months]
    assert len(rows) == 12
    assert rows[0] == (dt.date(2026, 4, 1), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert rows[2] == (
        dt.date(2026, 6, 1),
        Decimal("13250.00"),
        Decimal("6500.00"),
        Decimal("6750.00"),
    )
    assert rows[3] == (dt.date(2026, 7, 1), Decimal("0.00"), Decimal("300.00"), Decimal("6450.00"))
    assert rows[11][0] == dt.date(2027, 3, 1) and summary.months[11].date_to == dt.date(2027, 3, 31)
    assert (summary.total_debit, summary.total_credit, summary.closing) == (
        Decimal("13250.00"),
        Decimal("6800.00"),
        Decimal("6450.00"),
    )


def test_a_revenue_ledger_opens_year_two_at_zero(company, alice, ledgers):
    """Sales of 1,000 in May 2026 and 40 in April 2027: 2027-28 opens at zero, a party's
    balance runs on."""
    voucher_create(company=company, actor=alice, data=sale("1000", date="2026-05-10"))
    voucher_create(company=company, actor=alice, data=sale("40", date="2027-04-02"))
    sales = ledger_monthly_get(company=company, ledger_id=ledgers["sales"].pk, year=2027)
    assert sales.opening == Decimal("0.00")
    assert (sales.months[0].credit, sales.months[0].closing) == (
        Decimal("40.00"),
        Decimal("-40.00"),
    )
    assert sales.closing == Decimal("-40.00")
    first = ledger_monthly_get(company=company, ledger_id=ledgers["sales"].pk, year=2026)
    assert (first.opening, first.closing) == (Decimal("0.00"), Decimal("-1000.00"))
    party = ledger_monthly_get(company=company, ledger_id=ledgers["party"].pk, year=2027)
    assert (party.opening, party.closing) == (Decimal("1000.00"), Decimal("1040.00"))


def test_the_monthly_summary_json_and_its_drill_down(company, api, browser, cash_june):
    url = f"/c/{company.pk}/reports/ledger/{cash_june['cash'].pk}/monthly/"
    body = api.get(url, {"year": "2026"}).json()
    assert (body["from"], body["to"], body["opening"]) == ("2026-04-01", "2027-03-31", "0.00")
    assert body["months"][2] == {
        "month": "2026-06",
        "from": "2026-06-01",
        "to": "2026-06-30",
        "debit": "13250.00",
        "credit": "6500.00",
        "closing": "6750.00",
    }
    assert (body["total_debit"], body["total_credit"], body["closing"]) == (
        "13250.00",
        "6800.00",
        "6450.00",
    )
    html = browser.get(url, {"year": "2026"}).content.decode()
    june = f"/c/{company.pk}/ledgers/{cash_june['cash'].pk}/?from=2026-06-01&amp;to=2026-06-30"
    assert f'href="{june}">June 2026</a>' in html
    assert "6,450.00 Dr" in html


@pytest.mark.parametrize("year", ["twenty", "1899", "99999", "-2026"])
def test_a_bad_year_is_refused_naming_it(company, api, cash_june, year):
    answer = api.get(f"/c/{company.pk}/reports/ledger/{cash_june['cash'].pk}/monthly/?year={year}")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "year": ["Enter the year a financial year begins in, like 2026 for 2026-27."]
    }


# -- no query per row -----------------------------------------------------------------------

PAGES = {
    "statement-page": "ledgers/{cash}/?from=2026-06-01&to=2026-06-30",
    "statement-json": "reports/ledger/{cash}/?from=2026-06-01&to=2026-06-30",
    "statement-page-2": "ledgers/{cash}/?from=2026-06-01&to=2026-06-30&after=2026-06-01.1.0",
    "cash-book": "reports/cash-bank-books/{cash}/?from=2026-06-01&to=2026-06-30",
    "cash-bank-books": "reports/cash-bank-books/",
    "monthly": "reports/ledger/{cash}/monthly/?year=2026",
}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("how", ["page", "json"])
def test_the_books_read_in_a_bounded_number_of_queries(
    company, alice, cash_june, browser, api, name, how
):
    client = api if how == "json" else browser
    url = f"/c/{company.pk}/" + PAGES[name].format(cash=cash_june["cash"].pk)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for i in range(12):
        make_ledger(company, alice, f"Bank {i}", "Bank Accounts")
        day = f"2026-06-{1 + i % 5:02d}"
        voucher_create(
            company=company, actor=alice, data=two_lines("Contra", day, f"Bank {i}", "Cash", "10")
        )
    assert count() == few
