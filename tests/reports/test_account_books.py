"""Tally's Account Books (reports.summaries): the Trial Balance over a period, Group Summary,
Group Vouchers and the voucher registers — worked figures to the paisa, the period identity,
the financial-year rule in year 2, drill-down links, JSON, live refresh and bad dates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from books.services import company_create
from editlog.models import Change
from ledgers.models import Group, Ledger
from ledgers.selectors import group_list
from reports.selectors import trial_balance_get, trial_balance_grouped
from reports.summaries import (
    Movement,
    group_vouchers_get,
    period_balances_get,
    register_get,
    register_vouchers_get,
)
from sync.fragments import change_patch
from tests.conftest import make_ledger
from tests.sync.html import by_id, squash
from vouchers.models import VoucherType
from vouchers.services import voucher_create

D = Decimal
APR, MAY, JUN = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 30)


def post(company, actor, kind, day, debit, credit, amount):
    return voucher_create(
        company=company,
        actor=actor,
        data={
            "type": kind,
            "date": day,
            "entries": [{"ledger": debit, "debit": amount}, {"ledger": credit, "credit": amount}],
        },
    )


@pytest.fixture
def books(company, alice):
    """A quarter of a shop's books: Cash 25,000 Dr and Capital 25,000 Cr brought in; two
    purchases, two sales, rent, a receipt and a discount."""
    Ledger.objects.filter(company=company, name="Cash").update(opening_balance=25000)
    make_ledger(company, alice, "Capital", "Capital Account", opening_credit="25,000")
    for name, group in [
        ("Supplier A", "Sundry Creditors"),
        ("Customer X", "Sundry Debtors"),
        ("Purchase", "Purchase Accounts"),
        ("Sales", "Sales Accounts"),
        ("Shop Rent", "Indirect Expenses"),
        ("Discount Received", "Indirect Incomes"),
    ]:
        make_ledger(company, alice, name, group)
    post(company, alice, "Purchase", "2026-04-05", "Purchase", "Supplier A", "11200")
    post(company, alice, "Sales", "2026-04-10", "Customer X", "Sales", "12000")
    post(company, alice, "Purchase", "2026-05-20", "Purchase", "Cash", "6200.50")
    post(company, alice, "Sales", "2026-05-25", "Cash", "Sales", "4250.25")
    post(company, alice, "Payment", "2026-05-27", "Shop Rent", "Cash", "3000")
    post(company, alice, "Receipt", "2026-06-02", "Cash", "Customer X", "5000")
    post(company, alice, "Journal", "2026-06-28", "Supplier A", "Discount Received", "150")


def group(company, name):
    return Group.objects.get(company=company, name=name)


def figures(report):
    return {row.name: row.figures for row in report.rows}


def M(opening="0", debit="0", credit="0"):
    return Movement(D(opening), D(debit), D(credit))


def assert_identity(report):
    """Rows add to the totals; every row (and the totals) closes at opening + Dr − Cr."""
    rows = [row.figures for row in report.rows]
    assert sum(rows, Movement()) == report.totals
    for row in [*rows, report.totals]:
        assert row.closing == row.opening + row.debit - row.credit


# -- the Trial Balance over a period ---------------------------------------------------------


def test_period_trial_balance_to_the_paisa(company, books):
    report = period_balances_get(company=company, date_from=MAY, date_to=JUN)
    assert figures(report) == {
        "Capital Account": M("-25000"),
        "Current Assets": M("37000", "9250.25", "14200.50"),
        "Current Liabilities": M("-11200", "150"),
        "Indirect Expenses": M(debit="3000"),
        "Indirect Incomes": M(credit="150"),
        "Purchase Accounts": M("11200", "6200.50"),
        "Sales Accounts": M("-12000", credit="4250.25"),
    }
    assert figures(report)["Current Assets"].closing == D("32049.75")
    assert report.totals == M("0", "18600.75", "18600.75")
    assert_identity(report)


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (APR, JUN),
        (MAY, JUN),
        (dt.date(2026, 6, 2), dt.date(2026, 6, 2)),
        (dt.date(2027, 4, 1), JUN.replace(year=2027)),
    ],
)
def test_each_row_opens_and_closes_as_the_trial_balance_as_of_those_days(
    company, alice, books, date_from, date_to
):
    """A group row's Opening is its Trial Balance the day before the period (in the period's
    year: a revenue group opens a new year at zero), its Closing the Trial Balance on the last
    day."""
    post(company, alice, "Sales", "2027-05-05", "Customer X", "Sales", "999.99")
    report = period_balances_get(company=company, date_from=date_from, date_to=date_to)
    groups = list(group_list(company=company))

    def as_of(day):
        grouped, _ = trial_balance_grouped(
            report=trial_balance_get(company=company, as_of=day), groups=groups
        )
        return {node.group.name: node.total for node in grouped.groups} | {
            row.ledger.name: row.balance for row in grouped.ungrouped
        }

    closing = as_of(date_to)
    year_start = company.financial_year_begins(date_from)
    before = as_of(date_from - dt.timedelta(days=1))
    for row in report.rows:
        if row.kind == "difference":
            continue
        assert row.figures.closing == closing.get(row.name, 0), row.name
        if date_from != year_start:
            assert row.figures.opening == before.get(row.name, 0), row.name
        elif row.group and row.group.is_revenue:
            assert row.figures.opening == 0, row.name
    assert_identity(report)


def test_the_difference_in_opening_balances_makes_the_openings_nil(company, alice, books):
    Ledger.objects.filter(company=company, name="Capital").update(opening_balance=-24000)
    report = period_balances_get(company=company, date_from=MAY, date_to=JUN)
    assert figures(report)["Difference in opening balances"] == M("-1000")
    assert report.totals.opening == report.totals.closing == 0
    assert_identity(report)


def test_a_group_opened_shows_its_sub_groups_and_ledgers(company, books):
    current_assets = group(company, "Current Assets")
    report = period_balances_get(
        company=company, date_from=APR, date_to=JUN, group_id=current_assets.pk
    )
    assert report.focus == current_assets
    assert figures(report) == {
        "Cash-in-Hand": M("25000", "9250.25", "9200.50"),
        "Sundry Debtors": M("0", "12000", "5000"),
    }
    assert report.totals == M("25000", "21250.25", "14200.50")
    assert report.totals.closing == D("32049.75")
    cash = period_balances_get(
        company=company, date_from=APR, date_to=JUN, group_id=group(company, "Cash-in-Hand").pk
    )
    assert [(row.kind, row.name) for row in cash.rows] == [("ledger", "Cash")]
    assert_identity(cash)


def test_year_two_opens_revenue_at_zero_and_carries_the_result(company, alice, books):
    """2026-27 ended with a nett loss of 4,000.25 (sales 16,250.25 and discount 150 against
    purchases 17,400.50 and rent 3,000): Profit & Loss A/c opens 2027-28 with it; Sales
    Accounts opens at zero and shows only April 2027's sale."""
    post(company, alice, "Sales", "2027-04-10", "Cash", "Sales", "1000")
    april = (dt.date(2027, 4, 1), dt.date(2027, 4, 30))
    report = period_balances_get(company=company, date_from=april[0], date_to=april[1])
    rows = figures(report)
    assert rows["Profit & Loss A/c"] == M("4000.25")
    assert rows["Sales Accounts"] == M("0", credit="1000")
    assert "Purchase Accounts" not in rows and "Indirect Expenses" not in rows
    assert rows["Current Assets"] == M("32049.75", "1000")
    assert report.totals == M("0", "1000", "1000")
    assert_identity(report)
    sales = period_balances_get(
        company=company,
        date_from=april[0],
        date_to=april[1],
        group_id=group(company, "Sales Accounts").pk,
    )
    assert figures(sales) == {"Sales": M("0", credit="1000")}


def test_period_trial_balance_json(company, api, books):
    cid = company.pk
    body = api.get(f"/c/{cid}/reports/trial-balance/?from=2026-05-01&to=2026-06-30").json()
    assert (body["from"], body["to"], body["group"]) == ("2026-05-01", "2026-06-30", None)
    rows = {row["name"]: row for row in body["rows"]}
    assert rows["Current Assets"] == {
        "kind": "group",
        "id": group(company, "Current Assets").pk,
        "name": "Current Assets",
        "opening": "37000.00",
        "debit": "9250.25",
        "credit": "14200.50",
        "closing": "32049.75",
    }
    assert rows["Sales Accounts"]["closing"] == "-16250.25"
    assert body["totals"] == {
        "opening": "0.00",
        "debit": "18600.75",
        "credit": "18600.75",
        "closing": "0.00",
    }
    as_of = api.get(f"/c/{cid}/reports/trial-balance/?as_of=2026-06-30").json()
    assert "rows" in as_of and "total_debit" in as_of, "the as-of JSON stays as it was"


def test_period_trial_balance_page_drills_to_groups_and_ledgers(company, client, alice, books):
    client.force_login(alice)
    url = f"/c/{company.pk}/reports/trial-balance/?from=2026-05-01&to=2026-06-30"
    text = client.get(url).content.decode()
    for words in [
        "Opening Balance",
        "Closing Balance",
        "37,000.00 Dr",
        "32,049.75 Dr",
        "18,600.75",
    ]:
        assert words in text
    debtors = group(company, "Current Assets")
    assert f"?group={debtors.pk}&amp;from=2026-05-01&amp;to=2026-06-30" in text
    opened = client.get(f"{url}&group={debtors.pk}").content.decode()
    cash_in_hand = group(company, "Cash-in-Hand")
    assert f"?group={cash_in_hand.pk}&amp;from=2026-05-01" in opened
    assert "Total <bdi>Current Assets</bdi>" in opened
    cash = Ledger.objects.get(company=company, name="Cash")
    leaf = client.get(f"{url}&group={cash_in_hand.pk}").content.decode()
    assert f"/ledgers/{cash.pk}/?from=2026-05-01&amp;to=2026-06-30" in leaf


# -- Group Summary ---------------------------------------------------------------------------


def test_group_summary_json_and_page(company, api, client, alice, books):
    debtors = group(company, "Sundry Debtors")
    url = f"/c/{company.pk}/reports/group-summary/?group={debtors.pk}&from=2026-04-01&to=2026-06-30"
    body = api.get(url).json()
    assert body["group"] == {"id": debtors.pk, "name": "Sundry Debtors"}
    customer = Ledger.objects.get(company=company, name="Customer X")
    assert body["rows"] == [
        {
            "kind": "ledger",
            "id": customer.pk,
            "name": "Customer X",
            "opening": "0.00",
            "debit": "12000.00",
            "credit": "5000.00",
            "closing": "7000.00",
        }
    ]
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert f'id="group-{debtors.pk}-summary"' in page
    assert f"/ledgers/{customer.pk}/?from=2026-04-01&amp;to=2026-06-30" in page
    assert "7,000.00 Dr" in page
    current = client.get(url.replace(str(debtors.pk), str(debtors.parent_id))).content.decode()
    assert f"group-summary/?group={debtors.pk}&amp;from=2026-04-01" in current


def test_group_summary_without_a_group_asks_for_one(company, api, client, alice, books):
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/group-summary/").content.decode()
    assert "Name of Group" in page
    assert f"group={group(company, 'Sundry Debtors').pk}" in page
    answer = api.get(f"/c/{company.pk}/reports/group-summary/")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"group": ["Choose a group."]}


# -- Group Vouchers --------------------------------------------------------------------------


def lines(report):
    return [
        (line.voucher.date.day, line.particulars, line.debit, line.credit, line.balance)
        for line in report.lines
    ]


def test_group_vouchers_with_the_running_balance(company, books):
    report = group_vouchers_get(
        company=company, group_id=group(company, "Current Assets").pk, date_from=APR, date_to=JUN
    )
    assert report.period == M("25000", "21250.25", "14200.50")
    assert lines(report) == [
        (10, "Customer X", D("12000"), D("0"), D("37000")),
        (20, "Cash", D("0"), D("6200.50"), D("30799.50")),
        (25, "Cash", D("4250.25"), D("0"), D("35049.75")),
        (27, "Cash", D("0"), D("3000"), D("32049.75")),
        (2, "(as per details)", D("5000"), D("5000"), D("32049.75")),
    ]
    assert report.lines[-1].balance == report.period.closing
    assert sum(line.debit for line in report.lines) == report.period.debit
    assert sum(line.credit for line in report.lines) == report.period.credit


def test_group_vouchers_pages_keep_the_running_balance(company, books):
    kwargs = {
        "company": company,
        "group_id": group(company, "Current Assets").pk,
        "date_from": APR,
        "date_to": JUN,
        "limit": 2,
    }
    first = group_vouchers_get(**kwargs)
    second = group_vouchers_get(**kwargs, offset=2)
    last = group_vouchers_get(**kwargs, offset=4)
    assert first.more and second.more and not last.more
    assert [line.balance for line in first.lines + second.lines + last.lines] == [
        D("37000"),
        D("30799.50"),
        D("35049.75"),
        D("32049.75"),
        D("32049.75"),
    ]


def test_group_vouchers_json_and_drill_to_the_voucher(company, api, client, alice, books):
    debtors = group(company, "Sundry Debtors")
    url = (
        f"/c/{company.pk}/reports/group-vouchers/?group={debtors.pk}&from=2026-04-01&to=2026-06-30"
    )
    body = api.get(url).json()
    assert (body["opening"], body["debit"], body["credit"], body["closing"]) == (
        "0.00",
        "12000.00",
        "5000.00",
        "7000.00",
    )
    assert [(r["date"], r["type"], r["number"], r["balance"]) for r in body["rows"]] == [
        ("2026-04-10", "Sales", 1, "12000.00"),
        ("2026-06-02", "Receipt", 1, "7000.00"),
    ]
    assert body["next_offset"] is None
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert f'/vouchers/{body["rows"][0]["voucher_id"]}/"' in page
    assert "7,000.00 Dr" in page


# -- Sales Register, Purchase Register, … ----------------------------------------------------


def vtype(company, name):
    return VoucherType.objects.get(company=company, name=name)


def months(register):
    return [
        (m.date_from.month, m.figures.debit, m.figures.credit, m.figures.closing)
        for m in register.months
    ]


def test_sales_and_purchase_registers_month_by_month(company, books):
    sales = register_get(voucher_type=vtype(company, "Sales"), date_from=APR, date_to=JUN)
    assert months(sales) == [
        (4, D("0"), D("12000"), D("-12000")),
        (5, D("0"), D("4250.25"), D("-16250.25")),
        (6, D("0"), D("0"), D("-16250.25")),
    ]
    assert sales.totals == M("0", "0", "16250.25")
    purchase = register_get(voucher_type=vtype(company, "Purchase"), date_from=APR, date_to=JUN)
    assert months(purchase) == [
        (4, D("11200"), D("0"), D("11200")),
        (5, D("6200.50"), D("0"), D("17400.50")),
        (6, D("0"), D("0"), D("17400.50")),
    ]
    journal = register_get(voucher_type=vtype(company, "Journal"), date_from=APR, date_to=JUN)
    assert months(journal)[2] == (6, D("150"), D("150"), D("0"))


def test_a_register_month_opens_to_its_vouchers(company, books):
    may = register_vouchers_get(
        voucher_type=vtype(company, "Sales"), date_from=MAY, date_to=dt.date(2026, 5, 31)
    )
    assert [
        (line.voucher.date, line.particulars, line.voucher.number, line.debit, line.credit)
        for line in may.lines
    ] == [(dt.date(2026, 5, 25), "Cash", 2, D("0"), D("4250.25"))]
    assert may.totals == M("0", "0", "4250.25")


def test_register_json_and_page_drill_to_the_month(company, api, client, alice, books):
    cid = company.pk
    body = api.get(f"/c/{cid}/reports/register/?type=sales&from=2026-04-01&to=2026-06-30").json()
    assert body["type"] == "Sales"
    assert body["months"][1] == {
        "from": "2026-05-01",
        "to": "2026-05-31",
        "vouchers": 1,
        "opening": "-12000.00",
        "debit": "0.00",
        "credit": "4250.25",
        "closing": "-16250.25",
    }
    assert body["totals"]["credit"] == "16250.25"
    client.force_login(alice)
    page = client.get(f"/c/{cid}/reports/register/?type=Purchase&from=2026-04-01&to=2026-06-30")
    text = page.content.decode()
    assert "Purchase Register" in text and "17,400.50 Dr" in text
    month = "register/vouchers/?type=Purchase&amp;from=2026-05-01&amp;to=2026-05-31"
    assert month in text
    vouchers = client.get(
        f"/c/{cid}/reports/register/vouchers/?type=Purchase&from=2026-05-01&to=2026-05-31"
    ).content.decode()
    assert "6,200.50" in vouchers and "20-May-2026" in vouchers
    listed = api.get(
        f"/c/{cid}/reports/register/vouchers/?type=Purchase&from=2026-04-01&to=2026-06-30"
    ).json()
    assert [(r["particulars"], r["debit"], r["credit"]) for r in listed["rows"]] == [
        ("Purchase", "11200.00", "0.00"),
        ("Purchase", "6200.50", "0.00"),
    ]


def test_the_menu_and_dashboard_link_the_registers_and_group_reports(company, client, alice):
    client.force_login(alice)
    dashboard = client.get(f"/c/{company.pk}/").content.decode()
    for link in [
        "register/?type=Sales",
        "register/?type=Purchase",
        "group-summary/",
        "group-vouchers/",
    ]:
        assert f"/c/{company.pk}/reports/{link}" in dashboard
    ledgers = client.get(f"/c/{company.pk}/ledgers/").content.decode()
    assert f"/c/{company.pk}/reports/register/?type=Sales" in ledgers


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("trial-balance/?from=soon", "from"),
        ("trial-balance/?from=2026-05-01&to=31-31-2026", "to"),
        ("trial-balance/?from=2026-05-01&to=2026-04-01", "to"),
        ("trial-balance/?from=2026-05-01&group=abc", "group"),
        ("group-summary/?group=999999&from=2026-04-01", "group"),
        ("group-summary/?group=GROUP&from=yesterday", "from"),
        ("group-vouchers/?group=GROUP&to=2026-13-01", "to"),
        ("group-vouchers/?group=x", "group"),
        ("register/?type=Sales&from=2026-06-01&to=2026-05-01", "to"),
        ("register/?type=Sales&from=1-1-1", "from"),
        ("register/?type=No+Such+Type", "type"),
        ("register/", "type"),
        ("register/vouchers/?type=Sales&to=never", "to"),
    ],
)
def test_bad_input_is_refused_naming_the_field(company, api, query, field):
    query = query.replace("GROUP", str(group(company, "Sundry Debtors").pk))
    answer = api.get(f"/c/{company.pk}/reports/{query}")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]


def test_another_companys_group_is_no_group_of_this_company(company, api, alice):
    other = company_create(actor=alice, name="Verma Traders", state="Goa", financial_year_start=APR)
    theirs = Group.objects.get(company=other, name="Sundry Debtors")
    for report in ("group-summary", "group-vouchers"):
        answer = api.get(f"/c/{company.pk}/reports/{report}/?group={theirs.pk}")
        assert answer.json()["errors"] == {"group": ["No such group in this company."]}


# -- no query per row ------------------------------------------------------------------------


def test_the_queries_do_not_grow_with_the_books(company, alice, books):
    """Twenty more ledgers and ten more vouchers cost no report another query."""
    debtors = group(company, "Sundry Debtors").pk
    sales = vtype(company, "Sales")
    reports = [
        lambda: period_balances_get(company=company, date_from=MAY, date_to=JUN),
        lambda: period_balances_get(company=company, date_from=APR, date_to=JUN, group_id=debtors),
        lambda: group_vouchers_get(company=company, group_id=debtors, date_from=APR, date_to=JUN),
        lambda: register_get(voucher_type=sales, date_from=APR, date_to=JUN),
        lambda: register_vouchers_get(voucher_type=sales, date_from=APR, date_to=JUN),
    ]

    def counted():
        counts = []
        for report in reports:
            with CaptureQueriesContext(connection) as queries:
                report()
            counts.append(len(queries))
        return counts

    before = counted()
    for n in range(10):
        make_ledger(company, alice, f"Party {n}", "Sundry Debtors")
        make_ledger(company, alice, f"Expense {n}", "Indirect Expenses")
        post(company, alice, "Sales", f"2026-05-{10 + n}", f"Party {n}", "Sales", "10")
    assert counted() == before


# -- live ------------------------------------------------------------------------------------


def last_refresh(company):
    change = Change.objects.filter(company=company).select_related("company").last()
    return change_patch(change).refresh


def region(client, url, region_id, *, htmx=False):
    headers = {"HX-Request": "true", "HX-Target": region_id} if htmx else {}
    html = client.get(url, headers=headers).content.decode()
    if htmx:
        assert "<html" not in html, "a refresh renders the report partial alone"
    found = by_id(html, region_id)
    assert found is not None, f"{region_id} not in {url}"
    return squash(found.outer)


def test_a_save_refreshes_every_open_account_book(company, alice, bob, books):
    browser = Client()
    browser.force_login(bob)
    cid = company.pk
    debtors, current = group(company, "Sundry Debtors"), group(company, "Current Assets")
    period = "from=2026-04-01&to=2026-06-30"
    open_pages = [
        # (the page, its region, a figure the sale of 1,25,000 puts there)
        (f"/c/{cid}/reports/trial-balance/?{period}", "trial-balance", "1,46,250.25"),
        (
            f"/c/{cid}/reports/group-summary/?group={current.pk}&{period}",
            f"group-{current.pk}-summary",
            "1,37,000.00",
        ),
        (
            f"/c/{cid}/reports/group-vouchers/?group={debtors.pk}&{period}",
            f"group-{debtors.pk}-vouchers",
            "1,32,000.00 Dr",
        ),
        (f"/c/{cid}/reports/register/?type=Sales&{period}", "register-sales", "1,41,250.25 Cr"),
        (
            f"/c/{cid}/reports/register/vouchers/?type=Sales&{period}",
            "register-sales",
            "1,41,250.25",
        ),
    ]
    before = [region(browser, url, region_id) for url, region_id, _ in open_pages]
    post(company, alice, "Sales", "2026-06-15", "Customer X", "Sales", "1,25,000")
    refresh = last_refresh(company)
    for (url, region_id, figure), shown in zip(open_pages, before, strict=True):
        assert region_id in refresh
        refreshed = region(browser, url, region_id, htmx=True)
        assert refreshed == region(browser, url, region_id)
        assert refreshed != shown
        assert figure in refreshed, region_id


def test_the_as_of_trial_balance_refreshes_as_its_partial_too(company, alice, bob, books):
    browser = Client()
    browser.force_login(bob)
    url = f"/c/{company.pk}/reports/trial-balance/?as_of=2026-06-30"
    post(company, alice, "Sales", "2026-06-15", "Customer X", "Sales", "1,25,000")
    assert "trial-balance" in last_refresh(company)
    refreshed = region(browser, url, "trial-balance", htmx=True)
    assert refreshed == region(browser, url, "trial-balance")
    assert "1,57,049.75" in refreshed  # Current Assets: 32,049.75 + the sale of 1,25,000


def test_a_save_refreshes_only_the_registers_of_its_types(company, alice, books):
    post(company, alice, "Payment", "2026-06-15", "Shop Rent", "Cash", "100")
    refresh = last_refresh(company)
    assert "register-payment" in refresh and "register-sales" not in refresh
    assert f"group-{group(company, 'Sundry Debtors').pk}-summary" not in refresh
    assert f"group-{group(company, 'Indirect Expenses').pk}-summary" in refresh
