"""Dates at the keyboard in a real browser: the voucher's date typed `15-11` and shown as
15-Nov-2026, F2 to it; the Day Book's period by F2 / Alt+F2 and paged by whole months; a date
outside the financial year asked about before saving; and static/dates.js reading every date
of the table as core.dates does."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from core.dates import parse_tally_date, year_start_of
from tests.core.test_dates_js import CONTEXTS, TABLE, python_reads

DOCS = Path(__file__).resolve().parents[2] / "docs"
FY_FIRST = dt.date(2026, 4, 1)  # the seeded company's year begins 1 April


def on_server(typed: str) -> dt.date:
    """What the server reads `typed` as today (the seeded company's current year)."""
    today = dt.date.today()  # noqa: DTZ011 - the server runs on this machine, in its zone
    return parse_tally_date(typed, today=today, year_start=year_start_of(today, FY_FIRST))


def test_the_browser_reads_every_date_as_the_server_does(ravi, company_url):
    page = ravi
    page.goto(company_url)
    cases = [[text, today, start] for today, start in CONTEXTS for text in TABLE]
    answers = page.evaluate(
        "cases => cases.map(([t, today, start]) => window.TallyDates.parse(t, today, start))",
        cases,
    )
    assert [python_reads(*case) for case in cases] == answers


def test_a_voucher_date_typed_15_11_shows_as_15_nov(ravi, company_url):
    page = ravi
    page.goto(company_url)
    page.keyboard.press("F7")  # Journal
    page.wait_for_url(re.compile(r"/vouchers/new/\?type=journal"))
    date = page.locator("#id_date")
    expect(date).not_to_be_focused()
    page.keyboard.press("F2")
    expect(date).to_be_focused()
    page.keyboard.type("15-11")
    page.keyboard.press("Tab")
    expect(date).to_have_value(f"{on_server('15-11'):%d-%b-%Y}")
    page.keyboard.press("F2")
    page.keyboard.type("31-02")
    page.keyboard.press("Tab")
    expect(page.locator(".date-hint")).to_have_text(
        "'31-02' is not a date. Enter a date as 15, 15-11, 15-11-2026, 15-Nov-2026, 15.11.26, "
        "15/11/2026 or 15112026."
    )
    page.keyboard.press("F2")
    page.keyboard.type("01042026")
    page.keyboard.press("Tab")
    expect(date).to_have_value("01-Apr-2026")
    expect(page.locator(".date-hint")).to_have_count(0)


def test_a_date_outside_the_year_is_asked_about_before_saving(ravi, company_url):
    page = ravi
    page.goto(company_url + "vouchers/new/?type=journal")
    outside = on_server("15-11") + dt.timedelta(days=366)  # next year's
    page.fill("#id_date", f"{outside:%d-%m-%Y}")
    page.fill('input[name="entries-0-ledger"]', "Rent")
    page.fill('input[name="entries-0-amount"]', "700")
    page.fill('input[name="entries-1-ledger"]', "Capital")
    page.fill('input[name="entries-1-amount"]', "700")
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.keyboard.press("Control+a")
    expect(page.locator("#id_date")).to_be_focused()
    assert asked and "is outside the current financial year" in asked[0]
    assert asked[0].endswith("Save it on this date?")
    assert "/vouchers/new/" in page.url  # not saved, the typing still there
    expect(page.locator('input[name="entries-0-amount"]')).to_have_value("700.00")

    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Control+a")
    expect(page.locator(".message").first).to_contain_text(f"saved ({outside:%d-%b-%Y})")
    expect(page.locator(".message").last).to_contain_text("is outside the current financial year")


def test_f2_and_alt_f2_change_the_day_books_period(ravi, company_url):
    page = ravi
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(company_url + "vouchers/")
    heading = page.locator("h1")
    page.keyboard.press("F2")
    box = page.locator("#period-box")
    expect(box).to_be_visible()
    expect(box.locator("input")).to_have_count(1)
    expect(box.locator('input[name="date"]')).to_be_focused()
    page.keyboard.type("15-11")
    page.keyboard.press("Enter")
    expect(heading).to_contain_text(f"{on_server('15-11'):%d-%b-%Y}")

    page.keyboard.press("Alt+F2")
    expect(box.locator("input")).to_have_count(2)
    expect(box.locator('input[name="from"]')).to_be_focused()
    page.keyboard.type("1-11")
    page.keyboard.press("Enter")
    expect(box.locator('input[name="from"]')).to_have_value(f"{on_server('1-11'):%d-%b-%Y}")
    expect(box.locator('input[name="to"]')).to_be_focused()
    page.keyboard.type("30-11")
    page.screenshot(path=str(DOCS / "day-book-period-box.png"))
    page.keyboard.press("Enter")
    november = on_server("1-11")
    expect(heading).to_contain_text(f"{november:%d-%b-%Y} to 30-{november:%b-%Y}")

    page.keyboard.press("PageDown")  # a whole month pages to the next whole month
    expect(heading).to_contain_text(f"01-Dec-{november.year} to 31-Dec-{november.year}")
    page.keyboard.press("PageUp")
    expect(heading).to_contain_text(f"01-Nov-{november.year} to 30-Nov-{november.year}")
    page.keyboard.press("PageUp")
    expect(heading).to_contain_text(f"01-Oct-{november.year} to 31-Oct-{november.year}")

    page.keyboard.press("F2")
    page.keyboard.press("Escape")  # closes the box, and stays on the Day Book
    expect(box).to_have_count(0)
    assert "/vouchers/" in page.url


def test_f2_and_alt_f2_on_the_trial_balance(ravi, company_url):
    page = ravi
    page.goto(company_url + "reports/trial-balance/")
    heading = page.locator("h1")
    page.keyboard.press("F2")
    box = page.locator("#period-box")
    expect(box.locator("h2")).to_have_text("Change date")
    expect(box.locator('input[name="as_of"]')).to_be_focused()
    page.keyboard.type("30-11")
    page.keyboard.press("Enter")
    expect(heading).to_contain_text(f"to {on_server('30-11'):%d-%b-%Y}")

    page.keyboard.press("Alt+F2")  # From–To: the period view (opening, transactions, closing)
    expect(box.locator("h2")).to_have_text("Change period")
    page.keyboard.type("1-10")
    page.keyboard.press("Enter")
    page.keyboard.type("31-10")
    page.keyboard.press("Enter")
    october = on_server("1-10")
    expect(heading).to_contain_text(f"{october:%d-%b-%Y} to 31-{october:%b-%Y}")
    assert "from=" in page.url and "as_of" not in page.url
