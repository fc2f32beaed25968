"""Inventory masters in the browser: Unit and Stock Item Creation typed by keyboard, and the
other user's List of Stock Items showing the new item without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: its masters stay out of the shared office's books."""
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_stock_item_created_on_one_screen_shows_on_the_others_list(browser: Any, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url)
    ravi.click("#stock-items-link")
    expect(ravi.locator("h1")).to_have_text("List of Stock Items")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")

    meena.goto(company_url + "inventory/units/new/")
    expect(meena.locator("h1")).to_have_text("Unit Creation")
    meena.locator("#id_symbol").press_sequentially("Nos")
    meena.keyboard.press("Control+a")
    expect(meena.locator(".message")).to_contain_text("Unit Nos")

    meena.goto(company_url + "inventory/items/new/")
    expect(meena.locator("h1")).to_have_text("Stock Item Creation")
    meena.locator("#id_name").press_sequentially("Steel Bowl")
    meena.fill("#id_unit", "Nos")
    meena.fill('input[name="opening-0-godown"]', "Main Location")
    meena.fill('input[name="opening-0-quantity"]', "200")
    meena.fill('input[name="opening-0-rate"]', "56")
    meena.keyboard.press("Control+a")
    expect(meena.locator(".message")).to_contain_text("Stock Item Steel Bowl")

    row = ravi.locator("#stock-item-list tr", has_text="Steel Bowl")
    expect(row).to_contain_text("200 Nos (Main Location)")
    expect(row).to_contain_text("11,200.00")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    for page in (meena, ravi):
        page.context.close()
