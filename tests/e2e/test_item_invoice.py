"""An item invoice typed by keyboard (F8 Sales in Item Invoice mode: item picked by typing,
godown, quantity, rate, ledger; Enter moves on, Ctrl+A accepts), and the other user's List of
Ledgers showing the party's new balance without a reload. Writes docs/item-invoice.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
STOCK = """
from companies.models import Company
from django.contrib.auth.models import User
from inventory.services import stock_item_create, unit_create
company, meena = Company.objects.get(), User.objects.get(username="meena")
unit_create(company=company, actor=meena, data={"symbol": "Nos"})
stock_item_create(company=company, actor=meena, data={"name": "Steel Bowl", "unit": "Nos",
    "opening": [{"godown": "Main Location", "quantity": "100", "rate": "50"}]})
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own, its office with a stock item."""
    server = seeded_server(tmp_path_factory)
    server.manage("shell", "-v0", stdin=STOCK)
    yield server
    server.stop()


def test_an_item_invoice_typed_by_keyboard_reaches_the_other_screen(browser: Any, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url + "ledgers/")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    party = ravi.locator("tr.ledger-row", has_text="Sharma Enterprises")

    meena.goto(company_url + "inventory/vouchers/new/")
    expect(meena.locator("h1")).to_contain_text("Voucher Creation")
    expect(meena.locator("#id_type")).to_be_focused()
    meena.keyboard.press("Enter")  # Sales
    for typed in ("10-4-2026", "Sharma", "Steel"):  # the party and item picked by typing
        meena.keyboard.type(typed)
        meena.keyboard.press("Enter")
    meena.keyboard.press("Enter")  # godown: Main Location
    for typed in ("40", "80", "Sal"):
        meena.keyboard.type(typed)
        meena.keyboard.press("Enter")
    expect(meena.locator('input[name="items-0-item"]')).to_have_value("Steel Bowl")
    expect(meena.locator('input[name="items-0-ledger"]')).to_have_value("Sales")
    expect(meena.locator("#id_party")).to_have_value("Sharma Enterprises")
    meena.screenshot(path=str(DOCS / "item-invoice.png"))
    meena.keyboard.press("Control+a")
    expect(meena.locator(".message").first).to_contain_text("Sales No. 1 saved.")

    expect(party).to_contain_text("3,200.00 Dr")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    for page in (meena, ravi):
        page.context.close()
