"""A voucher is never lost: saved (Ctrl+A) while the server is stopped, it stays on screen with
"Not saved — will save when the server is back", survives a reload in the browser's storage,
and is saved exactly once when the server answers — though two tabs of the same user both try
(the outbox's Idempotency-Key, and one tab at a time) — and the user sees when it went in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, SHOW_COMPANY, Server, seeded_server, sign_in

NARRATION = "Cash from Sharma Enterprises, typed while the server was away"
SAVES = re.compile(r"/c/\d+/vouchers/$")
COUNT_CREATES = (
    "from editlog.models import Change; "
    f"print(Change.objects.filter(verb='create', object_type='voucher', "
    f"after__narration={NARRATION!r}).count())"
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def live(page: Any, url: str) -> Any:
    page.goto(url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def hold_saves_back(route: Any) -> None:
    """The network between this browser and the server, for saves only: gone."""
    if route.request.method == "POST":
        route.abort("connectionrefused")
    else:
        route.continue_()


def test_a_voucher_saved_while_the_server_is_stopped_is_kept_and_saved_once(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    ravi.set_viewport_size({"width": 1366, "height": 768})
    day_book = live(ravi.context.new_page(), company_url + "vouchers/")  # ravi's second tab
    live(ravi, company_url + "vouchers/new/?type=receipt")
    ravi.fill('input[name="entries-0-ledger"]', "Sharma Enterprises")  # Cr: a Receipt's first
    ravi.fill('input[name="entries-0-amount"]', "5,000")
    ravi.fill('input[name="entries-1-ledger"]', "HDFC Bank")
    ravi.fill('input[name="entries-1-amount"]', "5,000")
    ravi.fill("#id_narration", NARRATION)

    office.stop()
    expect(ravi.locator("#live-status")).not_to_have_attribute("data-state", "live")
    ravi.keyboard.press("Control+a")
    pending = ravi.locator("#outbox-pending")
    expect(pending).to_contain_text("Not saved — will save when the server is back")
    expect(ravi.locator("#voucher-form")).to_have_attribute("inert", "")
    expect(ravi.locator('input[name="entries-0-amount"]')).to_have_value("5,000.00")
    expect(ravi.locator("#id_narration")).to_have_value(NARRATION)
    assert ravi.url.endswith("vouchers/new/?type=receipt")  # not the browser's error page
    ravi.screenshot(path=str(ROOT / "docs" / "voucher-not-saved.png"))
    [waiting] = ravi.evaluate("window.tallysyncOutbox.waiting()")
    assert waiting["title"].startswith("Receipt · ") and len(waiting["key"]) == 32

    # The server comes back; its saves are held back a moment, so the reload shows the draft
    # read back from the browser's storage rather than already saved.
    ravi.context.route(SAVES, hold_saves_back)
    office.start()
    ravi.reload()
    expect(ravi.locator('input[name="entries-0-amount"]')).to_have_value("5,000.00")
    expect(ravi.locator('input[name="entries-1-ledger"]')).to_have_value("HDFC Bank")
    expect(ravi.locator("#id_narration")).to_have_value(NARRATION)
    expect(pending).to_contain_text("Not saved — will save when the server is back")
    expect(day_book.locator("#outbox-waiting")).to_contain_text("Waiting to be saved: Receipt")
    assert office.manage("shell", "-v0", "-c", COUNT_CREATES).strip() == "0"

    # Saves get through: both tabs try; it goes in once, and the form's tab says when.
    ravi.context.unroute(SAVES, hold_saves_back)
    expect(ravi.locator(".message")).to_contain_text("saved", timeout=25_000)
    expect(ravi.locator("#outbox-saved")).to_contain_text(
        re.compile(r"Saved at \d\d:\d\d:\d\d, when the server was back: Receipt · .* saved once")
    )
    expect(day_book.locator("table.day-book")).to_contain_text("5,000.00", timeout=10_000)
    expect(day_book.locator("#outbox-waiting")).to_have_count(0)
    assert ravi.evaluate("window.tallysyncOutbox.waiting()") == []
    assert office.manage("shell", "-v0", "-c", COUNT_CREATES).strip() == "1"
    ravi.goto(company_url + "editlog/?type=voucher")
    expect(ravi.locator("main")).to_contain_text("Receipt No. 1")
    assert ravi.locator("main tr", has_text="Receipt No. 1").count() == 1
    ravi.context.close()
