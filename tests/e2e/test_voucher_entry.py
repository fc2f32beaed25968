"""Voucher entry as an accountant does it: keyboard only, Tally's keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

DOCS = Path(__file__).resolve().parents[2] / "docs"


def choose_ledger(page: Any, name: str, typed: str) -> None:
    """Type part of a ledger name, wait for the list to highlight `name`, press Enter (which
    takes the highlighted ledger)."""
    page.keyboard.type(typed)
    expect(page.locator("#ledger-list li.active .name")).to_have_text(name)
    page.keyboard.press("Enter")


def accept_bills(page: Any) -> None:
    """A party that keeps bills: its Bill-wise Details open after the amount with Tally's
    default allocation, and Enter on the empty line accepts it."""
    panel = page.locator("#bill-wise")
    expect(panel).to_be_visible()
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()


def test_f8_sales_voucher_with_the_keyboard_reaches_day_book_and_ledger(ravi, company_url):
    page = ravi
    page.goto(company_url)
    page.keyboard.press("F8")
    page.wait_for_url(re.compile(r"/vouchers/new/\?type=sales"))
    expect(page.locator("#voucher-type-name")).to_have_text("Sales")
    expect(page.locator('input[name="entries-0-ledger"]')).to_be_focused()

    choose_ledger(page, "Sharma Enterprises", "Sharma")
    expect(page.locator('input[name="entries-0-ledger"]')).to_have_value("Sharma Enterprises")
    page.keyboard.type("1,00,000")
    page.keyboard.press("Enter")  # Bill-wise Details: New Ref, the whole amount
    accept_bills(page)  # to the next line's Dr/Cr, already Cr
    expect(page.locator('select[name="entries-1-side"]')).to_be_focused()
    page.keyboard.press("Enter")
    choose_ledger(page, "Sales", "Sal")
    page.keyboard.type("100000")
    expect(page.locator("#difference-note")).to_have_text("balanced")
    expect(page.locator("#total-debit")).to_have_text("1,00,000.00")
    page.keyboard.press("Control+a")

    expect(page.locator(".message")).to_contain_text("Sales No. 1 saved")
    page.goto(company_url + "vouchers/")
    row = page.locator("table.day-book tbody tr").first
    expect(row).to_contain_text("Sharma Enterprises")
    expect(row).to_contain_text("1,00,000.00")
    page.goto(company_url + "ledgers/")
    party = page.locator("tr.ledger-row", has_text="Sharma Enterprises")
    expect(party).to_contain_text("1,00,000.00 Dr")


def test_an_unbalanced_voucher_shows_the_difference_and_is_not_saved(ravi, company_url):
    page = ravi
    page.goto(company_url)
    page.keyboard.press("F8")
    page.wait_for_url(re.compile(r"type=sales"))
    choose_ledger(page, "Sharma Enterprises", "Sharma")
    page.keyboard.type("5000")
    page.keyboard.press("Enter")
    accept_bills(page)
    page.keyboard.press("Enter")
    choose_ledger(page, "Sales", "Sal")
    page.keyboard.type("4500")
    expect(page.locator("#difference-note")).to_have_text("difference 500.00 Dr to balance")
    page.keyboard.press("Control+a")
    expect(page.locator("#voucher-errors")).to_contain_text("Debit 5,000.00 ≠ Credit 4,500.00")
    # Everything typed is still there.
    expect(page.locator('input[name="entries-0-amount"]')).to_have_value("5,000.00")
    expect(page.locator('input[name="entries-1-ledger"]')).to_have_value("Sales")
    page.goto(company_url + "vouchers/")
    expect(page.locator("table.day-book")).not_to_contain_text("5,000.00")


def test_enter_on_the_last_amount_adds_the_balancing_line(ravi, company_url):
    page = ravi
    page.goto(company_url + "vouchers/new/?type=journal")
    choose_ledger(page, "Rent", "Ren")
    page.keyboard.type("3000")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    choose_ledger(page, "Gupta Suppliers", "Gupta")
    expect(page.locator('input[name="entries-1-amount"]')).to_have_value("3,000.00")  # offered
    page.keyboard.type("2000")  # over what was offered
    page.keyboard.press("Enter")
    accept_bills(page)  # last amount, 1,000 short: a third line offers the rest
    expect(page.locator('select[name="entries-2-side"]')).to_have_value("Cr")
    expect(page.locator('input[name="entries-2-amount"]')).to_have_value("1,000.00")
    expect(page.locator('input[name="entries-2-ledger"]')).to_be_focused()


def test_the_balance_fills_the_empty_second_line_not_a_third(ravi, company_url):
    page = ravi
    page.goto(company_url + "vouchers/new/?type=purchase")
    choose_ledger(page, "Rent", "Ren")
    page.keyboard.type("50000")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # line 2 is Cr already
    choose_ledger(page, "Gupta Suppliers", "gupta")
    expect(page.locator('input[name="entries-1-amount"]')).to_have_value("50,000.00")
    page.keyboard.press("Enter")
    accept_bills(page)  # balanced: to the narration
    expect(page.locator("#id_narration")).to_be_focused()
    assert page.locator("#entry-rows tr").count() == 2


def test_a_line_lists_only_the_ledgers_its_voucher_type_allows(ravi, company_url):
    page = ravi
    page.goto(company_url + "vouchers/new/?type=contra")
    page.keyboard.type("a")  # Capital, Sales, Sharma Enterprises … hold an "a" too
    expect(page.locator("#ledger-list li .name")).to_have_text(["Cash", "HDFC Bank"])


def test_escape_asks_before_losing_typed_input(ravi, company_url):
    page = ravi
    page.goto(company_url + "vouchers/new/?type=payment")
    page.keyboard.type("Rent")
    messages: list[str] = []

    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.keyboard.press("Escape")
    expect(page.locator('input[name="entries-0-ledger"]')).to_have_value("Rent")
    assert messages == ["Quit without saving? What you typed will be lost."]
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Escape")
    page.wait_for_url(company_url)


def test_trial_balance_page(ravi, company_url):
    page = ravi
    page.goto(company_url + "reports/trial-balance/")
    expect(page.locator("tfoot")).to_contain_text("Grand Total")
    page.locator("a", has_text="Current Assets").click()
    expect(page.locator("h1")).to_contain_text("Current Assets")
    page.goto(company_url + "reports/trial-balance/")
    page.screenshot(path=str(DOCS / "trial-balance.png"), full_page=True)


def test_viewer_sees_no_write_buttons_and_f8_does_nothing(browser, server, company_url):
    from tests.e2e.conftest import sign_in

    page = sign_in(browser, server, "kiran")
    page.goto(company_url)
    expect(page.locator("text=Sales (F8)")).to_have_count(0)
    page.keyboard.press("F8")
    page.wait_for_timeout(300)  # F8 would navigate at once; give it the chance to be wrong
    assert page.url == company_url
    page.context.close()


MAKE_STOCK = (
    "from django.contrib.auth.models import User; from companies.models import Company; "
    "from ledgers.services import ledger_create; "
    "print(ledger_create(company=Company.objects.get(), actor=User.objects.get(username='meena'),"
    " data={'name': 'Stock of Goods', 'group': 'Stock-in-Hand'}).pk)"
)


def test_enter_moves_on_in_the_closing_stock_form_and_accepts_on_the_last_field(
    ravi, server, company_url
):
    ledger_id = server.manage("shell", "-v0", "-c", MAKE_STOCK).strip()
    page = ravi
    page.goto(f"{company_url}ledgers/{ledger_id}/closing-stock/")
    page.locator("#id_amount").fill("12,500")  # both filled: a plain form would submit now
    date = page.locator("#id_date")
    date.fill("2026-11-30")
    date.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_amount")).to_be_focused()  # moved on, not submitted
    expect(page.locator("table.report tbody")).to_contain_text("No closing values yet.")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.keyboard.press("Enter")  # the last field: to Accept (Tally's "Accept?")
    expect(page.locator("form.form-grid button.primary")).to_be_focused()
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.keyboard.press("Enter")  # accepted
    expect(page.locator("table.report tbody")).to_contain_text("30-Nov-2026")
    expect(page.locator("table.report tbody")).to_contain_text("12,500.00")
