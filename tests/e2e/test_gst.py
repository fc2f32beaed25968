"""GST details in a real browser: a GSTIN typed on Ledger Creation fills the party's state, a
bad one is refused with its rule; an invoice series set by the owner shows on the entry screen
and on another user's open Voucher Types list."""

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


def test_a_typed_gstin_fills_the_state_and_a_bad_one_is_refused(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url + "ledgers/new/")
    ravi.fill("#id_name", "Rao Electronics")
    ravi.fill("#id_group", "Sundry Debtors")
    ravi.locator("#id_gstin").press_sequentially("29AABCR1718E1ZL")
    expect(ravi.locator("#id_state")).to_have_value("Karnataka")
    ravi.locator("#id_gstin").fill("29AABCR1718E1ZM")
    ravi.locator("form.form-grid button[type=submit]").click()
    expect(ravi.locator("#id_gstin ~ .field-error")).to_contain_text("check character is wrong")
    ravi.locator("#id_gstin").fill("29AABCR1718E1ZL")
    ravi.locator("form.form-grid button[type=submit]").click()
    expect(ravi.locator(".message")).to_contain_text("Rao Electronics")
    ravi.context.close()


def test_the_owners_invoice_series_shows_on_the_entry_screen(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")  # has Voucher Types open while Meena sets a series
    ravi.goto(company_url + "vouchers/types/")
    expect(ravi.locator("#voucher-types-list")).not_to_contain_text("INV/{fy}/")
    meena = sign_in(browser, office, "meena")
    meena.goto(company_url + "vouchers/types/")
    meena.get_by_role("link", name="Sales", exact=True).click()
    meena.fill("#id_prefix", "INV/{fy}/")
    meena.fill("#id_width", "4")
    meena.locator("form.form-grid button[type=submit]").click()
    expect(meena.locator("#voucher-types")).to_contain_text("INV/{fy}/")
    expect(ravi.locator("#voucher-types-list")).to_contain_text("INV/{fy}/")  # no reload
    ravi.context.close()
    meena.goto(company_url + "vouchers/new/?type=sales")
    expect(meena.locator(".voucher-head h1")).to_contain_text("No. INV/")
    meena.context.close()


def test_a_manual_series_asks_for_the_voucher_no_first(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    meena.goto(company_url + "vouchers/types/")
    meena.get_by_role("link", name="Sales", exact=True).click()
    meena.select_option("#id_method", "manual")
    meena.locator("form.form-grid button[type=submit]").click()
    expect(meena.locator("#voucher-types")).to_contain_text("Manual")
    meena.goto(company_url + "vouchers/new/?type=sales")
    expect(meena.locator("#id_number")).to_be_focused()
    meena.keyboard.type("M-7")
    meena.fill('input[name="entries-0-ledger"]', "Cash")
    meena.fill('input[name="entries-0-amount"]', "1,000")
    meena.fill('input[name="entries-1-ledger"]', "Sales")
    meena.fill('input[name="entries-1-amount"]', "1,000")
    meena.click("#save-voucher")
    expect(meena.locator(".message")).to_contain_text("saved")
    meena.goto(company_url + "vouchers/new/?type=sales")
    meena.keyboard.type("m-7")
    meena.fill('input[name="entries-0-ledger"]', "Cash")
    meena.fill('input[name="entries-0-amount"]', "500")
    meena.fill('input[name="entries-1-ledger"]', "Sales")
    meena.fill('input[name="entries-1-amount"]', "500")
    meena.click("#save-voucher")
    expect(meena.locator("#voucher-form")).to_contain_text("Sales No. M-7 already exists in")
    meena.context.close()
