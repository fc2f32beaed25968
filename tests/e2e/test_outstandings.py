"""Bills Receivable, live: Ravi has it open; Meena's receipt against one of its bills (saved
through the API) changes the bill's pending amount on Ravi's screen without a reload."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
MEENAS = (
    "from django.contrib.auth.models import User; from companies.auth import token_issue; "
    "from companies.models import Company; "
    "print(Company.objects.get().pk, token_issue(user=User.objects.get(username='meena')))"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: the sale made here must not take a number later modules expect
    (the session's server numbers their first Sales No. 1)."""
    office = seeded_server(tmp_path_factory)
    yield office
    office.stop()


@pytest.fixture(scope="module")
def company_url(server: Server) -> str:
    return server.url + server.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()


def post_voucher(server: Server, cid: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server.url}/c/{cid}/vouchers/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_a_receipt_agst_ref_changes_the_open_bills_receivable(browser, server, company_url):
    cid, token = server.manage("shell", "-v0", "-c", MEENAS).split()
    today = time.strftime("%Y-%m-%d")
    bill = f"OUT-{time.time_ns() % 10**9}"  # the session's server is shared: a name of its own
    post_voucher(
        server,
        cid,
        token,
        {
            "type": "Sales",
            "date": today,
            "entries": [
                {
                    "ledger": "Sharma Enterprises",
                    "debit": "150000",
                    "bills": [{"type": "New Ref", "name": bill, "amount": "150000"}],
                },
                {"ledger": "Sales", "credit": "150000"},
            ],
        },
    )
    ravi = sign_in(browser, server, "ravi")
    ravi.goto(company_url)
    ravi.click("#bills-receivable-link")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    row = ravi.locator("#outstandings tr.bill-row", has_text=bill)
    expect(row.locator("td.pending")).to_have_text("1,50,000.00 Dr")

    post_voucher(
        server,
        cid,
        token,
        {
            "type": "Receipt",
            "date": today,
            "entries": [
                {"ledger": "HDFC Bank", "debit": "40000"},
                {
                    "ledger": "Sharma Enterprises",
                    "credit": "40000",
                    "bills": [{"type": "Agst Ref", "name": bill, "amount": "40000"}],
                },
            ],
        },
    )
    expect(row.locator("td.pending")).to_have_text("1,10,000.00 Dr")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    ravi.screenshot(path=str(DOCS / "bills-receivable.png"), full_page=True)
    ravi.context.close()
