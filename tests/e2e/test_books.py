"""A ledger's books in a real browser: another user's cash sale reaches an open Cash Book without
a reload (with the day's closing after its last line), and PgDn / PgUp turn a report's pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_cash_sale_reaches_the_open_cash_book_and_pgdn_turns_the_year(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url)
    ravi.get_by_role("link", name="Cash/Bank Book(s)").click()
    ravi.get_by_role("link", name="Cash", exact=True).click()
    expect(ravi.locator("h1")).to_contain_text("Cash Book: Cash")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    book = ravi.locator("table.statement")
    expect(book).not_to_contain_text("43,210.00")

    meena.goto(company_url + "vouchers/new/?type=sales")
    meena.fill('input[name="entries-0-ledger"]', "Cash")
    meena.fill('input[name="entries-0-amount"]', "43,210")
    meena.fill('input[name="entries-1-ledger"]', "Sales")
    meena.fill('input[name="entries-1-amount"]', "43,210")
    meena.click("#save-voucher")
    expect(meena.locator(".message")).to_contain_text("saved")

    expect(book).to_contain_text("43,210.00")
    expect(book.locator("tr.day-closing-row").last).to_contain_text("Closing balance on")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    ravi.screenshot(path=str(DOCS / "cash-book.png"), full_page=True)

    ravi.get_by_role("link", name="Monthly Summary").click()
    year = int(re.search(r"(\d{4}) to", ravi.locator("h1").inner_text())[1])
    expect(ravi.locator("table.monthly")).to_contain_text("43,210.00")
    ravi.keyboard.press("PageDown")
    ravi.wait_for_url(re.compile(rf"year={year + 1}$"))
    ravi.keyboard.press("PageUp")
    ravi.wait_for_url(re.compile(rf"year={year}$"))
