"""An open Profit & Loss A/c or Balance Sheet follows another user's save: the save's frame names
its region in `refresh`, and the region the page fetches then (htmx, HX-Target) equals the same
region of a fresh GET, with the new figures."""

from __future__ import annotations

import pytest
from django.test import Client

from editlog.models import Change
from ledgers.services import closing_stock_set
from sync.fragments import change_patch
from tests.conftest import make_ledger, sale
from tests.sync.html import by_id, squash
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db

REPORTS = [
    ("profit-loss", "profit-loss/?from=2026-04-01&to=2027-03-31"),
    ("balance-sheet", "balance-sheet/?as_of=2027-03-31"),
]


def last_refresh(company) -> list[str]:
    change = Change.objects.filter(company=company).select_related("company").last()
    return change_patch(change).refresh


def region(client: Client, url: str, region_id: str, *, htmx: bool = False) -> str:
    headers = {"HX-Request": "true", "HX-Target": region_id} if htmx else {}
    html = client.get(url, headers=headers).content.decode()
    found = by_id(html, region_id)
    assert found is not None, f"{region_id} not in {url}"
    return squash(found.outer)


@pytest.fixture
def browser(bob):
    client = Client()
    client.force_login(bob)
    return client


@pytest.mark.parametrize(("region_id", "path"), REPORTS)
def test_a_sale_refreshes_the_open_report_to_what_a_fresh_get_shows(
    company, alice, ledgers, browser, region_id, path
):
    url = f"/c/{company.pk}/reports/{path}"
    before = region(browser, url, region_id)
    voucher_create(company=company, actor=alice, data=sale("1,25,000"))
    assert region_id in last_refresh(company)
    refreshed = region(browser, url, region_id, htmx=True)
    assert refreshed == region(browser, url, region_id)
    assert refreshed != before
    assert "1,25,000.00" in refreshed


def test_the_refreshed_region_is_the_report_partial_alone(company, alice, ledgers, browser):
    url = f"/c/{company.pk}/reports/{REPORTS[0][1]}"
    partial = browser.get(url, headers={"HX-Request": "true", "HX-Target": "profit-loss"})
    assert "<html" not in partial.content.decode()


def test_a_closing_value_refreshes_both_reports(company, alice, browser):
    stock = make_ledger(company, alice, "Stock", "Stock-in-Hand", opening_debit="5,000")
    url = f"/c/{company.pk}/reports/{REPORTS[1][1]}"
    closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "2026-12-31", "amount": "7,500"}
    )
    assert {"profit-loss", "balance-sheet"} <= set(last_refresh(company))
    refreshed = region(browser, url, "balance-sheet", htmx=True)
    assert refreshed == region(browser, url, "balance-sheet")
    assert "7,500.00" in refreshed
