"""The Bank Reconciliation in a real browser: a bank date typed into a row and saved with Enter
moves the Balance as per Bank, and what is not yet reflected in the bank shrinks. Writes
docs/bank-reconciliation.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"

# November's bank book: two cheques in, one cheque out, a NEFT receipt.
BOOK = """
from companies.models import Company
from django.contrib.auth.models import User
from ledgers.models import Ledger
from vouchers.services import voucher_create
company, meena = Company.objects.get(), User.objects.get(username="meena")
def bank(side, amount, **instrument):
    return {"ledger": "HDFC Bank", side: amount, **instrument}
for kind, day, other, line in [
    ("Receipt", "2026-11-02", "Sharma Enterprises",
     bank("debit", "100000", instrument_type="Cheque", instrument_number="123456")),
    ("Payment", "2026-11-05", "Rent",
     bank("credit", "25000", instrument_type="Cheque", instrument_number="000311")),
    ("Receipt", "2026-11-10", "Sharma Enterprises",
     bank("debit", "45500.50", instrument_type="NEFT")),
    ("Payment", "2026-11-20", "Gupta Suppliers",
     bank("credit", "12000", instrument_type="Cheque", instrument_number="000312")),
]:
    amount = line.get("debit") or line.get("credit")
    side = "credit" if "debit" in line else "debit"
    voucher_create(company=company, actor=meena, data={
        "type": kind, "date": day, "entries": [line, {"ledger": other, side: amount}]})
print(f"/c/{company.pk}/banking/{Ledger.objects.get(name='HDFC Bank').pk}/")
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_bank_date_typed_by_keyboard_moves_the_balance_as_per_bank(browser, office):
    path = office.manage("shell", "-v0", stdin=BOOK).strip().splitlines()[-1]
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(office.url + path + "?from=01-11-2026&to=30-11-2026")
    expect(ravi.locator("h1")).to_contain_text("Bank Reconciliation: HDFC Bank")
    as_per_bank = ravi.locator("[id$='-reconciliation-bank']")
    expect(as_per_bank).to_have_text("2,50,000.00 Dr")
    receipt = ravi.get_by_label("Bank date of Receipt No. 1")
    receipt.focus()
    ravi.keyboard.type("3-11-2026")
    ravi.keyboard.press("Enter")
    expect(ravi.locator(".message")).to_contain_text("Bank dates saved")
    expect(as_per_bank).to_have_text("3,50,000.00 Dr")
    rent = ravi.get_by_label("Bank date of Payment No. 1")
    rent.focus()
    ravi.keyboard.type("8-11-2026")
    ravi.keyboard.press("Enter")
    expect(as_per_bank).to_have_text("3,25,000.00 Dr")
    expect(ravi.locator("[id$='-reconciliation-unreflected-debit']")).to_have_text("45,500.50")
    expect(ravi.locator("[id$='-reconciliation-unreflected-credit']")).to_have_text("12,000.00")
    ravi.screenshot(path=str(DOCS / "bank-reconciliation.png"), full_page=True)
