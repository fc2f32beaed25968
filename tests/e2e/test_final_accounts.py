"""Two people, two browsers: one saves a sale, the other's open Profit & Loss A/c and Balance
Sheet change without a reload — and show what a fresh load shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in
from tests.e2e.test_live import save_sale

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_sale_changes_the_other_users_open_final_accounts_live(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi_pl = sign_in(browser, office, "ravi")
    ravi_bs = ravi_pl.context.new_page()
    ravi_pl.goto(company_url + "reports/profit-loss/")
    ravi_bs.goto(company_url + "reports/balance-sheet/")
    for page in (ravi_pl, ravi_bs):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.locator(".final-accounts")).not_to_contain_text("54,321.00")

    save_sale(meena, company_url, "54,321")
    # Sales in the P&L (and the nett profit it makes); the party's debit under Current Assets
    # and the profit under Profit & Loss A/c on the Balance Sheet.
    expect(ravi_pl.locator(".final-accounts")).to_contain_text("54,321.00")
    expect(ravi_bs.locator(".final-accounts")).to_contain_text("54,321.00")
    for page in (ravi_pl, ravi_bs):
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        live = page.locator(".final-accounts").inner_text()
        fresh = page.context.new_page()
        fresh.goto(page.url)
        assert fresh.locator(".final-accounts").inner_text() == live  # what a fresh load shows
        fresh.close()
    ravi_pl.screenshot(path=str(DOCS / "profit-loss.png"), full_page=True)
    ravi_bs.screenshot(path=str(DOCS / "balance-sheet.png"), full_page=True)
    for page in (meena, ravi_pl):
        page.context.close()
