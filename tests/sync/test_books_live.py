"""An open statement, Cash/Bank Book, Monthly Summary or list of cash and bank ledgers follows
another user's save: the save's frame names the region in `refresh`, and the region the page
fetches then (htmx, HX-Target) is the report's partial alone and equals a fresh GET's."""

from __future__ import annotations

import pytest
from django.test import Client

from core.templatetags.tally import dom_id
from editlog.models import Change
from sync.fragments import change_patch
from tests.conftest import make_ledger
from tests.sync.html import by_id, squash
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db


def last_refresh(company) -> list[str]:
    change = Change.objects.filter(company=company).select_related("company").last()
    return change_patch(change).refresh


def region(client: Client, url: str, region_id: str, *, htmx: bool = False) -> str:
    headers = {"HX-Request": "true", "HX-Target": region_id} if htmx else {}
    html = client.get(url, headers=headers).content.decode()
    assert ("<html" in html) is not htmx, "a refresh gets the region's partial alone"
    found = by_id(html, region_id)
    assert found is not None, f"{region_id} not in {url}"
    return squash(found.outer)


@pytest.fixture
def browser(bob):
    client = Client()
    client.force_login(bob)
    return client


BOOKS = [
    ("statement", "ledgers/{pk}/?from=2026-04-01&to=2027-03-31"),
    ("statement", "reports/cash-bank-books/{pk}/?from=2026-04-01&to=2027-03-31"),
    ("monthly", "reports/ledger/{pk}/monthly/?year=2026"),
]


@pytest.mark.parametrize(("suffix", "path"), BOOKS)
def test_a_cash_sale_refreshes_the_open_book(company, alice, ledgers, browser, suffix, path):
    cash = ledgers["cash"]
    region_id = dom_id(cash, suffix)
    url = f"/c/{company.pk}/" + path.format(pk=cash.pk)
    before = region(browser, url, region_id)
    sale = {
        "type": "Sales",
        "date": "2026-11-26",
        "entries": [
            {"ledger": "Cash", "debit": "1,25,000"},
            {"ledger": "Sales", "credit": "1,25,000"},
        ],
    }
    voucher_create(company=company, actor=alice, data=sale)
    assert region_id in last_refresh(company)
    refreshed = region(browser, url, region_id, htmx=True)
    assert refreshed == region(browser, url, region_id)
    assert refreshed != before
    assert "1,25,000.00" in refreshed


def test_a_new_bank_ledger_refreshes_the_cash_bank_books(company, alice, browser):
    url = f"/c/{company.pk}/reports/cash-bank-books/"
    make_ledger(company, alice, "ICICI Bank", "Bank Accounts")
    assert "cash-bank-books" in last_refresh(company)
    refreshed = region(browser, url, "cash-bank-books", htmx=True)
    assert refreshed == region(browser, url, "cash-bank-books")
    assert "ICICI Bank" in refreshed
