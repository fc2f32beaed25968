"""The Trial Balance: closing balances now and as of a day, and Tally's opening difference."""

import datetime as dt
from decimal import Decimal

from reports.selectors import trial_balance_get
from reports.statements import ledger_statement_get
from tests.conftest import make_ledger, sale
from vouchers.services import voucher_create


def _rows(report):
    return {row.ledger.name: row.balance for row in report.rows}


def test_trial_balance_now_and_as_of(company, alice, ledgers):
    voucher_create(company=company, actor=alice, data=sale("1000", date="2026-05-10"))
    voucher_create(company=company, actor=alice, data=sale("250", date="2026-06-01"))
    voucher_create(company=company, actor=alice, data=sale("40", date="2027-02-01"))
    now = trial_balance_get(company=company)
    assert _rows(now) == {"Sharma Enterprises": Decimal("1290"), "Sales": Decimal("-1290")}
    assert now.total_debit == now.total_credit == Decimal("1290")
    for as_of, expected in [
        (dt.date(2026, 4, 30), {}),
        (dt.date(2026, 5, 10), {"Sharma Enterprises": Decimal("1000"), "Sales": Decimal("-1000")}),
        (dt.date(2026, 12, 31), {"Sharma Enterprises": Decimal("1250"), "Sales": Decimal("-1250")}),
        (dt.date(2027, 3, 31), {"Sharma Enterprises": Decimal("1290"), "Sales": Decimal("-1290")}),
    ]:
        assert _rows(trial_balance_get(company=company, as_of=as_of)) == expected, as_of


def test_unequal_openings_show_the_difference_line(company, alice):
    make_ledger(company, alice, "Capital", "Capital Account", opening_credit="1,00,000")
    make_ledger(company, alice, "HDFC Bank", "Bank Accounts", opening_debit="1,20,000")
    report = trial_balance_get(company=company)
    assert report.opening_difference == Decimal("-20000")
    assert report.total_debit == report.total_credit == Decimal("120000")


def test_trial_balance_over_http(company, api, ledgers, voucher):
    body = api.get(f"/c/{company.pk}/reports/trial-balance/?as_of=2026-11-30").json()
    assert body["total_debit"] == body["total_credit"] == "100000.00"
    assert body["opening_difference"] == "0.00"
    assert {r["ledger"]: (r["debit"], r["credit"]) for r in body["rows"]} == {
        "Sharma Enterprises": ("100000.00", "0.00"),
        "Sales": ("0.00", "100000.00"),
    }
    assert api.get(f"/c/{company.pk}/reports/trial-balance/?as_of=soon").status_code == 400


def test_ledger_statement_runs_the_balance_across_pages(company, alice, ledgers):
    for day, amount in [(1, "100"), (2, "200"), (3, "300"), (4, "400")]:
        voucher_create(company=company, actor=alice, data=sale(amount, date=f"2026-06-0{day}"))
    party = ledgers["party"]
    first = ledger_statement_get(
        ledger=party, date_from=dt.date(2026, 6, 2), date_to=dt.date(2026, 6, 30), limit=2
    )
    assert first.opening == Decimal("100")
    assert [line.balance for line in first.lines] == [Decimal("300"), Decimal("600")]
    assert first.more
    second = ledger_statement_get(
        ledger=party,
        date_from=dt.date(2026, 6, 2),
        date_to=dt.date(2026, 6, 30),
        after=first.next,
        limit=2,
    )
    assert second.opening == Decimal("600")
    assert second.closing == Decimal("1000")
    assert not second.more


def test_an_empty_statement_page_still_brings_the_balance_forward(company, alice, ledgers):
    voucher_create(company=company, actor=alice, data=sale("700", date="2026-06-01"))
    statement = ledger_statement_get(
        ledger=ledgers["party"], date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 7, 31)
    )
    assert (statement.opening, statement.closing, statement.lines) == (
        Decimal("700"),
        Decimal("700"),
        [],
    )


def test_a_statement_line_against_several_ledgers_reads_as_per_details(company, alice, ledgers):
    data = {
        "type": "Journal",
        "date": "2026-06-01",
        "entries": [
            {"ledger": "Rent", "debit": "300"},
            {"ledger": "Sharma Enterprises", "credit": "100"},
            {"ledger": "Gupta Suppliers", "credit": "200"},
        ],
    }
    voucher_create(company=company, actor=alice, data=data)
    statement = ledger_statement_get(
        ledger=ledgers["rent"], date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30)
    )
    assert [line.particulars for line in statement.lines] == ["(as per details)"]


def test_the_page_grand_total_adds_the_group_rows_it_shows(company, alice, ledgers, client):
    """A group row is the net of its ledgers (Tally's condensed Trial Balance), so the Grand
    Total adds those nets, not the ledgers' own debits and credits (review D2)."""
    make_ledger(company, alice, "Advance to Staff", "Current Assets", opening_debit="5,000")
    make_ledger(company, alice, "Capital", "Capital Account", opening_credit="2,000")
    voucher_create(company=company, actor=alice, data=sale("1000", date="2026-05-10"))
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Receipt",
            "date": "2026-05-11",
            "entries": [
                {"ledger": "HDFC Bank", "debit": "600"},
                {"ledger": "Sharma Enterprises", "credit": "1600"},
                {"ledger": "Cash", "debit": "1000"},
            ],
        },
    )
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/trial-balance/?as_of=2026-06-30")
    grouped = page.context["grouped"]
    # Current Assets nets 5,000 + 600 + 1,000 − 600 (Sharma Enterprises is 600 Cr).
    assert [(n.group.name, n.total) for n in grouped.groups] == [
        ("Capital Account", Decimal("-2000")),
        ("Current Assets", Decimal("6000")),
        ("Sales Accounts", Decimal("-1000")),
    ]
    assert grouped.opening_difference == Decimal("-3000")
    assert grouped.total_debit == grouped.total_credit == Decimal("6000")
    assert "6,000.00" in page.content.decode()
    report = page.context["report"]
    assert report.total_debit == Decimal("6600"), "the JSON's ledger rows keep their own total"
