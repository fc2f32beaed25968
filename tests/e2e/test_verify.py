"""Verify Company Data and the Exceptions list in a real browser: Verify now runs as a job the
page follows to its report; a voucher altered in the database file shows under V01 and B01
with its link, and after `repair_books` it is in the Exceptions list, kept whole, and the page
is clean but for its number's gap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
DAMAGE = """
import datetime as dt
from decimal import Decimal
from companies.models import Company
from django.contrib.auth.models import User
from vouchers.models import Entry
from vouchers.services import voucher_create
company, meena = Company.objects.get(), User.objects.get(username="meena")
party = {"ledger": "Sharma Enterprises", "debit": "1,00,000"}
lines = [party, {"ledger": "Sales", "credit": "1,00,000"}]
sale = {"type": "Sales", "date": "2026-11-26", "entries": lines}
voucher_create(company=company, actor=meena, data=sale)
voucher = voucher_create(company=company, actor=meena, data={**sale, "date": "2026-11-27"})
Entry.objects.filter(voucher=voucher, position=0).update(amount=Decimal("100500"))
print(voucher.pk)
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_a_damaged_voucher_is_found_then_moved_to_the_exceptions(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    voucher = office.manage("shell", "-v0", "-c", DAMAGE).strip()
    meena = sign_in(browser, office, "meena")
    meena.set_viewport_size({"width": 1366, "height": 768})
    meena.goto(company_url + "backups/verify/")
    expect(meena.locator("h1")).to_have_text("Verify Company Data")
    expect(meena.locator("#verify-summary")).to_contain_text("have not been verified")
    meena.click("#verify-now button[type=submit]")
    # the job's progress region, polled, gives way to the report (or the report is there)
    expect(meena.locator("#verify-summary")).to_contain_text("Verified 0", timeout=30_000)
    v01 = meena.locator("#check-V01")
    expect(v01).to_contain_text("Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00")
    expect(meena.locator("#check-B01")).to_contain_text("Sharma Enterprises's totals are")
    expect(meena.locator("#check-M01")).to_contain_text("OK")
    meena.screenshot(path=str(DOCS / "verify.png"), full_page=True)
    v01.get_by_role("link", name=f"voucher:{voucher}").click()
    expect(meena).to_have_url(f"{company_url}vouchers/{voucher}/")

    office.manage("repair_books", "--no-backup")
    meena.goto(company_url + "backups/exceptions/")
    row = meena.locator("#exceptions tbody tr").first
    expect(row).to_contain_text(f"voucher:{voucher}")
    expect(row).to_contain_text("V01")
    row.get_by_text("Show").click()
    expect(row.locator("pre")).to_contain_text('"amount": "100500.00"')
    meena.screenshot(path=str(DOCS / "exceptions.png"), full_page=True)
    meena.goto(company_url + "backups/verify/")
    meena.click("#verify-now button[type=submit]")
    expect(meena.locator("#verify-summary")).to_contain_text("1 finding", timeout=30_000)
    expect(meena.locator("#check-V01")).to_contain_text("OK")
    expect(meena.locator("#check-V08")).to_contain_text("No. 2 not in the books (deleted)")
    ravi = sign_in(browser, office, "ravi")
    assert ravi.goto(company_url + "backups/verify/").status == 403
