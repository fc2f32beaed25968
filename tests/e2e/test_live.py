"""Two people, two browsers: one saves, the other's screens change without a reload — also
across a server restart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: the test restarts it."""
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def save_sale(page: Any, company_url: str, amount: str) -> None:
    page.goto(company_url + "vouchers/new/?type=sales")
    page.fill('input[name="entries-0-ledger"]', "Sharma Enterprises")
    page.fill('input[name="entries-0-amount"]', amount)
    page.fill('input[name="entries-1-ledger"]', "Sales")
    page.fill('input[name="entries-1-amount"]', amount)
    page.click("#save-voucher")
    expect(page.locator(".message")).to_contain_text("saved")


def test_a_save_reaches_the_other_screen_live_and_after_a_restart(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi_day_book = sign_in(browser, office, "ravi")
    ravi_ledgers = ravi_day_book.context.new_page()
    ravi_day_book.goto(company_url + "vouchers/")  # today, as the server counts days
    ravi_ledgers.goto(company_url + "ledgers/")
    for page in (ravi_day_book, ravi_ledgers):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    party = ravi_ledgers.locator("tr.ledger-row", has_text="Sharma Enterprises")
    expect(party).to_contain_text("0.00")

    save_sale(meena, company_url, "12,345")
    expect(ravi_day_book.locator("table.day-book tbody")).to_contain_text("12,345.00")
    expect(party).to_contain_text("12,345.00 Dr")
    assert ravi_day_book.evaluate("performance.getEntriesByType('navigation').length") == 1

    office.stop()
    expect(ravi_day_book.locator("#live-status")).not_to_have_attribute("data-state", "live")
    office.start()
    # Meena saves as soon as the server is back, before Ravi's page has reconnected.
    save_sale(meena, company_url, "777")
    expect(ravi_day_book.locator("table.day-book tbody")).to_contain_text("777.00", timeout=20_000)
    expect(ravi_day_book.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(party).to_contain_text("13,122.00 Dr", timeout=20_000)
    for page in (meena, ravi_day_book):
        page.context.close()


def test_a_browser_clock_a_minute_off_is_warned_about(browser, office):
    import time

    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    page = sign_in(browser, office, "ravi")
    page.clock.install(time=time.time() + 60)
    page.goto(company_url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#clock-skew")).to_be_visible()
    expect(page.locator("#clock-skew")).to_contain_text("ahead of the server's")
    page.context.close()


def test_a_periods_day_book_shows_a_save_dated_its_last_day_live(browser, office):
    """A Day Book over several days adds a save dated any of them, not only the first."""
    import datetime as dt

    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url + "vouchers/")
    shown = ravi.locator('input[name="date"]').input_value()  # 03-Dec-2026, as Tally shows it
    today = dt.datetime.strptime(shown, "%d-%b-%Y").date()  # noqa: DTZ007 - a date, no time
    start = today - dt.timedelta(days=3)
    ravi.goto(company_url + f"vouchers/?from={start}&to={today}")
    expect(ravi.locator("h1")).to_contain_text(" to ")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")

    save_sale(meena, company_url, "4,321")
    expect(ravi.locator(f"#day-book-{today}-rows")).to_contain_text("4,321.00")
    expect(ravi.locator(".day-book-empty")).to_be_hidden()
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    for page in (meena, ravi):
        page.context.close()
