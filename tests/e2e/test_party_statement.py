"""A party's statement of account in a real browser: reached from its ledger statement, printed
with the company's letterhead, downloaded as a PDF (docs/party-statement.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"

# A letterhead, a sale on 30 days' credit and a part payment by cheque against it.
BOOKS = """
import datetime as dt
from django.contrib.auth.models import User
from books.services import company_alter
from companies.models import Company
from vouchers.services import voucher_create

owner, company = User.objects.get(username="meena"), Company.objects.get()
letterhead = {"name": company.name, "financial_year_start": "2026-04-01",
              "books_beginning": "2026-04-01", "mailing_name": "Sharma Traders Pvt Ltd",
              "address": "12 MG Road\\nPune",
              "pin": "411001", "state": "Maharashtra", "gstin": "27AAPFU0939F1ZV"}
company = company_alter(company=company, actor=owner, data=letterhead, version=company.version)
party = "Sharma Enterprises"
voucher_create(company=company, actor=owner, data={
    "type": "Sales", "date": "2026-10-05", "reference": "INV-101",
    "entries": [{"ledger": party, "debit": "118000", "bills": [
                    {"type": "New Ref", "name": "INV-101", "amount": "118000", "credit_days": 30}]},
                {"ledger": "Sales", "credit": "118000"}]})
voucher_create(company=company, actor=owner, data={
    "type": "Receipt", "date": "2026-11-10", "reference": "CHQ 123456",
    "entries": [{"ledger": "HDFC Bank", "debit": "50000"},
                {"ledger": party, "credit": "50000", "bills": [
                    {"type": "Agst Ref", "name": "INV-101", "amount": "50000"}]}]})
"""
SHOW_PARTY = (
    "from ledgers.models import Ledger; print(Ledger.objects.get(name='Sharma Enterprises').pk)"
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    server.manage("shell", "-v0", stdin=BOOKS)
    yield server
    server.stop()


def test_a_partys_statement_of_account_from_its_ledger_printed_and_as_a_pdf(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    party = office.manage("shell", "-v0", "-c", SHOW_PARTY).strip()
    ravi.goto(company_url + f"reports/ledger/{party}/?from=2026-10-01&to=2026-11-30")
    ravi.click("#party-statement-link")

    expect(ravi.locator("#party-statement-closing")).to_have_text("68,000.00 Dr")
    bills = ravi.locator("#party-statement-bills tbody")
    expect(bills).to_contain_text("INV-101")
    expect(bills).to_contain_text("68,000.00 Dr")
    expect(ravi.locator("#party-statement-lines")).to_contain_text("CHQ 123456")

    ravi.emulate_media(media="print")
    head = ravi.locator(".print-head")
    expect(head).to_contain_text("GSTIN: 27AAPFU0939F1ZV")
    expect(head).to_contain_text("Statement of Account")
    expect(ravi.locator(".page-head")).to_be_hidden()
    ravi.screenshot(path=str(DOCS / "party-statement.png"), full_page=True)
    ravi.emulate_media(media="screen")

    with ravi.expect_download() as clicked:
        ravi.click("#statement-pdf")
    download = clicked.value
    assert download.suggested_filename == "Statement-Sharma Enterprises-2026-11-30.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
