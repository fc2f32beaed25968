"""Bill-wise details by keyboard, as in Tally: a sale makes bill INV-1 (New Ref, the voucher's
Ref.), a receipt settles part of it with an Agst Ref picked from the party's pending bills by
↑/↓ and Enter, with the cheque's details on the bank line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in
from tests.e2e.test_voucher_entry import choose_ledger

DOCS = Path(__file__).resolve().parents[2] / "docs"


# An office of its own: the voucher numbers and bills made here are not the other modules'.
@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def company_url(office: Server) -> str:
    return office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()


@pytest.fixture
def ravi(browser: Any, office: Server) -> Iterator[Any]:
    page = sign_in(browser, office, "ravi")
    yield page
    page.context.close()


def pending(page: Any, company_url: str) -> dict[str, str]:
    answer = page.request.get(
        company_url + "vouchers/bills/?ledger=" + quote("Sharma Enterprises"),
        headers={"Accept": "application/json"},
    )
    assert answer.ok
    return {bill["name"]: bill["pending"] for bill in answer.json()["bills"]}


def sell(page: Any, company_url: str, reference: str, amount: str) -> None:
    """A sale to Sharma Enterprises with Ref. `reference`: its Bill-wise Details open after the
    amount with Tally's default (New Ref named by the Ref., the whole amount); Enter accepts."""
    page.goto(company_url + "vouchers/new/?type=sales")
    page.fill("#id_reference", reference)
    page.focus('input[name="entries-0-ledger"]')
    choose_ledger(page, "Sharma Enterprises", "Sharma")
    page.keyboard.type(amount)
    page.keyboard.press("Enter")
    panel = page.locator("#bill-wise")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_have_text("Bill-wise Details for Sharma Enterprises")
    first = panel.locator("#bill-rows tr").first
    expect(first.locator('[data-field="type"]')).to_have_value("New Ref")
    expect(first.locator('[data-field="name"]')).to_have_value(reference)
    page.keyboard.press("Enter")  # on the empty line: the bills add up, so accepted
    expect(panel).to_be_hidden()
    expect(page.locator('select[name="entries-1-side"]')).to_be_focused()
    page.keyboard.press("Enter")
    choose_ledger(page, "Sales", "Sal")
    expect(page.locator("#difference-note")).to_have_text("balanced")
    page.keyboard.press("Control+a")
    expect(page.locator(".message").first).to_contain_text("saved")


def test_a_receipt_settles_a_bill_picked_by_keyboard(ravi, company_url):
    page = ravi
    sell(page, company_url, "INV-1", "10,000")
    sell(page, company_url, "INV-2", "2,500")
    assert pending(page, company_url) == {"INV-1": "10000.00", "INV-2": "2500.00"}

    page.goto(company_url + "vouchers/new/?type=receipt")
    page.wait_for_url(re.compile(r"type=receipt"))
    choose_ledger(page, "Sharma Enterprises", "Sharma")
    page.keyboard.type("4000")
    page.keyboard.press("Enter")
    panel = page.locator("#bill-wise")
    expect(panel).to_be_visible()
    first = panel.locator("#bill-rows tr").first
    expect(first.locator('[data-field="type"]')).to_have_value("Agst Ref")
    expect(first.locator('[data-field="name"]')).to_be_focused()
    choices = panel.locator("#bill-list li")
    expect(choices).to_have_count(2)
    expect(choices.nth(0)).to_contain_text("10,000.00 Dr")
    page.keyboard.press("ArrowDown")
    expect(panel.locator("#bill-list li.active .name")).to_have_text("INV-2")
    page.keyboard.press("ArrowUp")
    expect(panel.locator("#bill-list li.active .name")).to_have_text("INV-1")
    page.screenshot(path=str(DOCS / "bill-wise-details.png"))
    page.keyboard.press("Enter")  # takes INV-1: the amount is what is left of the line
    expect(first.locator('[data-field="name"]')).to_have_value("INV-1")
    expect(first.locator('[data-field="amount"]')).to_have_value("4,000.00")
    expect(first.locator('[data-field="side"]')).to_have_value("Cr")
    page.keyboard.press("Enter")  # amount → Dr/Cr
    page.keyboard.press("Enter")  # → the next line's Type of Ref
    page.keyboard.press("Enter")  # empty, and the bills add up: accepted
    expect(panel).to_be_hidden()
    expect(page.locator("#entry-rows tr").first.locator(".line-bills")).to_contain_text(
        "Agst Ref INV-1 4,000.00 Cr"
    )

    page.keyboard.press("Enter")  # the second line's Dr/Cr (Dr)
    choose_ledger(page, "HDFC Bank", "HDFC")
    expect(page.locator('input[name="entries-1-amount"]')).to_have_value("4,000.00")
    page.keyboard.press("Enter")  # to its Bank Allocations: a cheque on a receipt
    expect(page.locator('select[name="entries-1-instrument_type"]')).to_be_focused()
    expect(page.locator('select[name="entries-1-instrument_type"]')).to_have_value("Cheque")
    page.keyboard.press("Enter")
    page.keyboard.type("004512")
    page.keyboard.press("Control+a")
    expect(page.locator(".message").first).to_contain_text("Receipt")

    assert pending(page, company_url) == {"INV-1": "6000.00", "INV-2": "2500.00"}


RECONCILED = """
import datetime as dt
from django.contrib.auth.models import User
from companies.models import Company
from vouchers.models import BankAllocation
from vouchers.services import voucher_create
company = Company.objects.get()
made = voucher_create(company=company, actor=User.objects.get(username="meena"), data={
    "type": "Payment", "date": dt.date.today().isoformat(),
    "entries": [{"ledger": "Rent", "debit": "1500"},
                {"ledger": "HDFC Bank", "credit": "1500", "instrument_type": "Cheque",
                 "instrument_number": "7001"}]})
BankAllocation.objects.filter(entry__voucher=made).update(bank_date=dt.date.today())
print(made.pk)
"""


def test_altering_a_reconciled_amount_asks_first(ravi, office, company_url):
    voucher_id = office.manage("shell", "-v0", stdin=RECONCILED).strip()
    page = ravi
    page.goto(company_url + f"vouchers/{voucher_id}/edit/")
    expect(page.locator('input[name="entries-1-instrument_number"]')).to_have_value("7001")
    for n in (0, 1):
        page.fill(f'input[name="entries-{n}-amount"]', "1,600")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("Control+a")  # refused, asked, and posted again with the answer
    expect(page.locator(".message").first).to_contain_text("altered")
    assert "reconciled with the bank" in asked[0] and "Alter it anyway?" in asked[0]
    expect(page.locator(".voucher-view")).to_contain_text("Cheque No. 7001")
    expect(page.locator(".voucher-view")).not_to_contain_text("bank date")


def test_ledger_creation_takes_bill_by_bill_and_opening_bills(ravi, company_url):
    page = ravi
    page.goto(company_url + "ledgers/new/")
    expect(page.locator("#id_name")).to_be_focused()  # typing waits for the form's focus
    page.keyboard.type("Verma Traders")
    page.keyboard.press("Enter")
    page.keyboard.type("Sundry Debtors")
    page.keyboard.press("Enter")
    page.keyboard.type("10000")
    for _ in range(5):  # Dr/Cr, GST registration type, GSTIN, State
        page.keyboard.press("Enter")
    expect(page.locator("#id_bill_wise")).to_be_focused()
    expect(page.locator("#id_bill_wise")).to_have_value("true")  # as Tally: a debtor keeps bills
    page.keyboard.press("Enter")
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    rows = page.locator("#opening-bill-rows tr")
    for text in ("OB-1", "1-4-2026", "", "6000"):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # Dr
    for text in ("OB-2", "15-4-2026", "", "4000"):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    expect(rows).to_have_count(3)  # an empty line waits for the next bill
    expect(page.locator("#opening-bills-total")).to_have_text("Bills total 10,000.00 Dr")
    page.keyboard.press("Control+a")
    expect(page.locator(".message").first).to_have_text("Ledger Verma Traders created.")
    bills = page.request.get(
        company_url + "vouchers/bills/?ledger=Verma%20Traders",
        headers={"Accept": "application/json"},
    ).json()
    assert [(b["name"], b["pending"]) for b in bills["bills"]] == [
        ("OB-1", "6000.00"),
        ("OB-2", "4000.00"),
    ]
    assert bills["credit_days"] == 30
