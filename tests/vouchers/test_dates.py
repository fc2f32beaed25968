"""Dates typed the Tally way on the voucher screen and in the API, a date outside the current
financial year asked about (page) or warned of (JSON), the Day Book's period paging, set-up's
typed financial year, and balances "now" as of today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client

from companies.models import Company
from core.forms import TallyDateField
from ledgers.live import BalanceBook
from ledgers.selectors import group_sums_get, ledger_list
from tests.conftest import sale
from vouchers.models import Voucher
from vouchers.services import voucher_create

TODAY = dt.date(2026, 12, 3)  # in FY 2026-27 (the company's year begins 1 April)
OUTSIDE = "15-May-2027 is outside the current financial year 2026-27 (01-Apr-2026 to 31-Mar-2027)."


@pytest.fixture(autouse=True)
def today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield TODAY


@pytest.fixture
def browser(alice) -> Client:
    """alice at the voucher screen: a signed-in page, not a script."""
    client = Client()
    client.force_login(alice)
    return client


def page_sale(date: str, **extra: str) -> dict[str, str]:
    return {
        "type": "Sales",
        "date": date,
        "entries-0-side": "Dr",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-amount": "1,18,000",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Sales",
        "entries-1-amount": "118000",
        **extra,
    }


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("15-11", dt.date(2026, 11, 15)),
        ("15", dt.date(2026, 12, 15)),
        ("15-2", dt.date(2027, 2, 15)),
        ("15.11.26", dt.date(2026, 11, 15)),
        ("15112026", dt.date(2026, 11, 15)),
        ("15-Nov-2026", dt.date(2026, 11, 15)),
    ],
)
def test_a_voucher_typed_with_a_short_date_is_saved_on_that_day(
    company, ledgers, browser, typed, day
):
    answer = browser.post(f"/c/{company.pk}/vouchers/", page_sale(typed))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Voucher.objects.get().date == day


def test_the_api_reads_short_dates_in_the_companys_year(company, ledgers, api):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(date="15-11"), content_type="application/json"
    )
    assert answer.status_code == 201
    assert answer.json()["date"] == "2026-11-15"
    assert answer.json()["warnings"] == []


def test_a_company_whose_year_begins_in_january_reads_15_2_in_that_year(
    alice, bob, charlie, company_creation_open, api
):
    from books.services import company_create

    company = company_create(
        actor=alice, name="Calendar Traders", financial_year_start=dt.date(2026, 1, 1)
    )
    body = {
        "type": "Journal",
        "date": "15-2",
        "entries": [{"ledger": "Cash", "debit": "1"}, {"ledger": "Profit & Loss A/c", "credit": 1}],
    }
    answer = api.post(f"/c/{company.pk}/vouchers/", body, content_type="application/json")
    # the date is what matters here: read in 2026, whatever the rest of the voucher says
    assert "2027" not in str(answer.json())
    field = TallyDateField()
    field.for_company(company, TODAY)
    assert field.clean("15-2") == dt.date(2026, 2, 15)


def test_a_bad_date_is_refused_with_the_forms_that_are_accepted(company, ledgers, api):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(date="31-02"), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["date"] == [
        "'31-02' is not a date. Enter a date as 15, 15-11, 15-11-2026, 15-Nov-2026, 15.11.26, "
        "15/11/2026 or 15112026."
    ]
    assert not Voucher.objects.exists()


def test_the_field_says_the_books_begin(company):
    field = TallyDateField()
    field.for_company(company, TODAY)
    with pytest.raises(Exception, match="The books begin on 01-Apr-2026."):
        field.clean("31-3-2026")
    assert field.clean("31-3") == dt.date(2027, 3, 31)  # the year's last day, not before it


# Outside the financial year: the page asks first, a script is told.


def test_the_page_asks_before_saving_a_date_outside_the_year(company, ledgers, browser):
    url = f"/c/{company.pk}/vouchers/"
    asked = browser.post(url, page_sale("15-05-2027"))
    assert asked.status_code == 200
    page = asked.content.decode()
    assert f"{OUTSIDE} Press Ctrl+A again to save it on this date." in page
    assert '<input type="hidden" name="outside_year" value="yes">' in page
    assert 'value="15-May-2027"' in page  # the typing is kept, as Tally shows it
    assert not Voucher.objects.exists()

    answered = browser.post(url, page_sale("15-05-2027", outside_year="yes"))
    assert answered.status_code == 302
    assert Voucher.objects.get().date == dt.date(2027, 5, 15)
    shown = browser.get(answered.url).content.decode()
    assert OUTSIDE in shown  # and said again, as a warning, once saved


def test_a_date_inside_the_year_is_not_asked_about(company, ledgers, browser):
    answer = browser.post(f"/c/{company.pk}/vouchers/", page_sale("31-3"))
    assert answer.status_code == 302
    assert Voucher.objects.get().date == dt.date(2027, 3, 31)


def test_a_script_saves_and_is_warned(company, ledgers, api):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(date="15-05-2027"), content_type="application/json"
    )
    assert answer.status_code == 201
    assert answer.json()["warnings"] == [OUTSIDE]


def test_an_alteration_asks_only_when_the_date_moves_out(company, ledgers, alice, browser):
    voucher = voucher_create(company=company, actor=alice, data=sale(date="2027-05-15"))
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    kept = browser.post(url, {**page_sale("15-May-2027"), "version": 1, "narration": "late"})
    assert kept.status_code == 302  # its date stays where it was: nothing to ask
    moved = browser.post(url, {**page_sale("16-05-2027"), "version": 2})
    assert moved.status_code == 200
    assert "16-May-2027 is outside the current financial year" in moved.content.decode()
    assert Voucher.objects.get().date == dt.date(2027, 5, 15)


# Day Book periods.


@pytest.mark.parametrize(
    ("query", "previous", "following"),
    [
        (
            "from=2026-11-01&to=2026-11-30",
            (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
            (dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ),
        (
            "from=01-04-2026&to=31-03-2027",
            (dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
            (dt.date(2027, 4, 1), dt.date(2028, 3, 31)),
        ),
        (
            "date=15-11",
            (dt.date(2026, 11, 14), dt.date(2026, 11, 14)),
            (dt.date(2026, 11, 16), dt.date(2026, 11, 16)),
        ),
        (
            "from=2-11&to=8-11",
            (dt.date(2026, 10, 26), dt.date(2026, 11, 1)),
            (dt.date(2026, 11, 9), dt.date(2026, 11, 15)),
        ),
    ],
)
def test_day_book_pages_by_whole_months_and_days(company, browser, query, previous, following):
    answer = browser.get(f"/c/{company.pk}/vouchers/?{query}")
    assert answer.status_code == 200
    assert answer.context["previous"] == previous
    assert answer.context["next"] == following


def test_day_book_reads_a_short_date_in_the_query(company, ledgers, alice, browser):
    voucher_create(company=company, actor=alice, data=sale(date="2026-11-15"))
    answer = browser.get(f"/c/{company.pk}/vouchers/?date=15-11")
    assert answer.context["day"] == dt.date(2026, 11, 15)
    assert "Sharma Enterprises" in answer.content.decode()
    assert 'value="15-Nov-2026"' in answer.content.decode()  # a text field, not a picker
    assert 'type="date"' not in answer.content.decode()


# Set-up.


def test_setup_reads_01042026_as_1_april(db, setup_code):
    answer = Client().post(
        "/setup/",
        {
            "setup_code": setup_code,
            "username": "ravi",
            "password": "a-long-passphrase",
            "company_name": "Sharma Traders",
            "financial_year_start": "01042026",
        },
    )
    assert answer.status_code == 302
    company = Company.objects.get()
    assert (company.financial_year_start, company.books_beginning) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 1),
    )


# Balances "now" are as of today.


def test_balances_now_leave_out_a_voucher_dated_ahead(company, ledgers, alice):
    voucher_create(company=company, actor=alice, data=sale("1,000", date="2026-11-26"))
    voucher_create(company=company, actor=alice, data=sale("500", date="2027-05-15"))
    party = ledgers["party"]
    now = {ledger.pk: ledger.closing_balance for ledger in ledger_list(company=company)}
    assert now[party.pk] == Decimal("1000.00")
    assert now[ledgers["sales"].pk] == Decimal("-1000.00")
    sums = group_sums_get(company=company)
    assert sums[party.group_id] == Decimal("1000.00")
    book = BalanceBook(company, TODAY)
    assert book.ledgers[party.pk][2] == Decimal("1000.00")
    # its day comes: in the balance then
    later = {
        ledger.pk: ledger.closing_balance
        for ledger in ledger_list(company=company, today=dt.date(2027, 5, 15))
    }
    assert later[party.pk] == Decimal("1500.00")
    assert BalanceBook(company, dt.date(2027, 5, 15)).ledgers[party.pk][2] == Decimal("1500.00")


def test_the_dashboard_shows_cash_as_of_today(company, ledgers, alice, browser):
    payment = {
        "type": "Payment",
        "date": "2027-05-15",
        "entries": [{"ledger": "Rent", "debit": "100"}, {"ledger": "Cash", "credit": "100"}],
    }
    voucher_create(company=company, actor=alice, data=payment)
    page = browser.get(f"/c/{company.pk}/").content.decode()
    assert "100.00 Cr" not in page


def test_the_edit_log_reads_short_dates_in_the_companys_year(company, ledgers, alice, browser):
    answer = browser.get(f"/c/{company.pk}/editlog/?from=1-11&to=15-2")
    assert answer.status_code == 200
    filters = answer.context["filters"]
    assert (filters.date_from, filters.date_to) == (dt.date(2026, 11, 1), dt.date(2027, 2, 15))
    assert 'value="01-Nov-2026"' in answer.content.decode()
