"""Tally's Account Books in a real browser: another user's sale reaches an open Sales Register
and an open Group Summary without a reload, and each equals a fresh load of its page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_sale_reaches_an_open_register_and_group_summary_live(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    register = ravi.context.new_page()
    register.goto(company_url)
    register.get_by_role("link", name="Sales Register").first.click()
    expect(register.locator("h1")).to_contain_text("Sales Register")
    summary = ravi
    summary.goto(company_url)
    summary.get_by_role("link", name="Group Summary").first.click()
    summary.get_by_role("link", name="Cash-in-Hand", exact=True).click()
    expect(summary.locator("h1")).to_contain_text("Cash-in-Hand")
    for page in (register, summary):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.locator("table.report")).not_to_contain_text("54,321.00")

    meena.goto(company_url + "vouchers/new/?type=sales")
    meena.fill('input[name="entries-0-ledger"]', "Cash")
    meena.fill('input[name="entries-0-amount"]', "54,321")
    meena.fill('input[name="entries-1-ledger"]', "Sales")
    meena.fill('input[name="entries-1-amount"]', "54,321")
    meena.click("#save-voucher")
    expect(meena.locator(".message")).to_contain_text("saved")

    for page in (register, summary):
        expect(page.locator("table.report")).to_contain_text("54,321.00")
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        live = page.locator("table.report").inner_text()
        page.reload()
        assert page.locator("table.report").inner_text() == live, "a fresh load says the same"
