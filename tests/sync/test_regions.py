"""A live refresh renders its region alone: for every `data-sync-region` of every page, a GET
naming it as htmx's target answers that region's partial — the same element the page shows,
nothing around it — and reads less than the whole page does where the page reads more than the
region (other tiles, the edit locks its badges show). A page that is one region and reads
nothing else (a report, a voucher) reads the same: there the refresh saves rendering and
sending the page around it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.services import stock_group_create, stock_item_create, unit_create
from ledgers.services import closing_stock_set
from tests.conftest import make_ledger, sale
from tests.sync.html import by_id, elements, squash
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db

# Each page with a live region: its URL, its template with the region (as found in templates/),
# and whether the page reads more than any one region does.
PAGES = {
    "dashboard": ("", "reports/dashboard.html", True),
    "day book": ("vouchers/?date={today}", "vouchers/_day_book_table.html", True),
    "voucher": ("vouchers/{voucher}/", "vouchers/detail.html", False),
    "ledgers": ("ledgers/", "ledgers/list.html", True),
    "closing stock": ("ledgers/{stock}/closing-stock/", "ledgers/closing_stock.html", False),
    "statement": ("ledgers/{party}/", "reports/_statement.html", False),
    "cash book": ("reports/cash-bank-books/{cash}/", "reports/_statement.html", False),
    "cash/bank books": ("reports/cash-bank-books/", "reports/cash_bank_books.html", False),
    "monthly summary": ("reports/ledger/{party}/monthly/", "reports/ledger_monthly.html", False),
    "trial balance": ("reports/trial-balance/", "reports/trial_balance.html", False),
    "profit and loss": ("reports/profit-loss/", "reports/profit_loss.html", False),
    "balance sheet": ("reports/balance-sheet/", "reports/balance_sheet.html", False),
    "schedule iii p&l": (
        "reports/profit-loss/?layout=schedule3",
        "reports/schedule3_profit_loss.html",
        False,
    ),
    "schedule iii balance sheet": (
        "reports/balance-sheet/?layout=schedule3",
        "reports/schedule3_balance_sheet.html",
        False,
    ),
    "period trial balance": (
        "reports/trial-balance/?from={year_start}",
        "reports/_period_table.html",
        False,
    ),
    "group summary": ("reports/group-summary/?group={group}", "reports/_period_table.html", False),
    "group vouchers": (
        "reports/group-vouchers/?group={group}",
        "reports/group_vouchers.html",
        False,
    ),
    "register": ("reports/register/?type=sales", "reports/register.html", False),
    "register vouchers": (
        "reports/register/vouchers/?type=sales",
        "reports/register_vouchers.html",
        False,
    ),
    "bills receivable": ("reports/bills-receivable/", "reports/bills_outstanding.html", False),
    "ledger outstanding": (
        "reports/outstanding/ledger/{party}/",
        "reports/outstanding_ledger.html",
        False,
    ),
    "group outstanding": (
        "reports/outstanding/group/{group}/",
        "reports/outstanding_group.html",
        False,
    ),
    "ageing": ("reports/ageing/", "reports/ageing.html", False),
    "bank reconciliation": ("banking/{bank}/", "banking/reconciliation.html", False),
    "bank statement": ("banking/{bank}/statement/", "banking/statement.html", False),
    "stock items": ("inventory/items/", "inventory/list.html", True),
    "stock groups": ("inventory/stock-groups/", "inventory/list.html", True),
    "godowns": ("inventory/godowns/", "inventory/list.html", True),
    "units": ("inventory/units/", "inventory/list.html", True),
    "voucher types": ("vouchers/types/", "vouchers/types.html", False),
    "gst registrations": ("gst/registrations/", "companies/gst_registrations.html", False),
}


@pytest.fixture
def books(company, alice, ledgers):
    """A company with something in every region: a voucher today, a closing stock value, a
    stock item."""
    stock = make_ledger(company, alice, "Godown Stock", "Stock-in-Hand", opening_debit="5,000")
    closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "2026-04-30", "amount": "7,500"}
    )
    voucher = voucher_create(
        company=company, actor=alice, data=sale("1,25,000", date=timezone.localdate().isoformat())
    )
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    stock_group_create(company=company, actor=alice, data={"name": "Utensils"})
    opening = [{"godown": "Main Location", "quantity": "200", "rate": "56"}]
    bowl = {"name": "Steel Bowl", "unit": "Nos", "group": "Utensils", "opening": opening}
    stock_item_create(company=company, actor=alice, data=bowl)
    ids = {
        "voucher": voucher.pk,
        "stock": stock.pk,
        "party": ledgers["party"].pk,
        "cash": ledgers["cash"].pk,
        "bank": ledgers["bank"].pk,
        "group": ledgers["party"].group_id,
        "year_start": company.financial_year_begins(timezone.localdate()),
    }
    return {
        name: f"/c/{company.pk}/{path.format(today=timezone.localdate(), **ids)}"
        for name, (path, _template, _more) in PAGES.items()
    }


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    client.get("/")  # the session and configuration read once, as in a browser that is in
    return client


def _get(browser: Client, url: str, target: str | None = None) -> tuple[str, int]:
    headers = {"HX-Request": "true", "HX-Target": target} if target else {}
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def _plain(html: str) -> str:
    """Without the CSRF token, which Django masks afresh for every answer."""
    return squash(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html))


def _regions(html: str) -> list[str]:
    return [e.attrs["id"] for e in elements(html) if "data-sync-region" in e.attrs]


@pytest.mark.parametrize("page", list(PAGES))
def test_each_region_answers_its_partial_alone_and_reads_less_than_the_page(books, browser, page):
    html, page_queries = _get(browser, books[page])
    regions = _regions(html)
    assert regions, f"{page} has no live region"
    for region in regions:
        partial, region_queries = _get(browser, books[page], target=region)
        assert "<html" not in partial and "<body" not in partial, region
        assert _regions(partial) == [region]  # only the region, and all of it
        assert squash(by_id(partial, region).outer) == squash(partial)
        assert _plain(partial) == _plain(by_id(html, region).outer)
        assert len(partial) < len(html)
        if PAGES[page][2]:
            assert region_queries < page_queries, (region, region_queries, page_queries)
        else:
            assert region_queries == page_queries, (region, region_queries, page_queries)


def test_every_live_region_in_the_templates_is_on_a_page_tested_here():
    templates = Path(settings.BASE_DIR) / "templates"
    with_regions = {
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\bdata-sync-region\b", path.read_text())
    }
    assert with_regions == {template for _path, template, _more in PAGES.values()}
