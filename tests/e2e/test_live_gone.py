"""Live to the end: a voucher deleted or cancelled by one user changes every open view of it at
once — the other user's voucher view and alteration screen say who did it and when and lose
their write buttons — and refusals that htmx or the socket receive are shown, never swallowed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in, voucher_to_alter

SOCKET = re.compile(r"/ws/c/\d+/")
DEADLINE_MS = 3000  # a save reaches another screen in well under half a second (the review)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def live(page: Any, url: str) -> Any:
    page.goto(url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def test_a_deleted_voucher_changes_the_other_users_view_and_alteration_screen(browser, office):
    """Meena alters the voucher (she holds it), and deletes it from another tab; Ravi has its
    view open and waits on its alteration screen; Kiran (a viewer) reads it."""
    edit_url = voucher_to_alter(office)
    view_url = edit_url.removesuffix("edit/")
    meena = live(sign_in(browser, office, "meena"), edit_url)
    ravi_edit = live(sign_in(browser, office, "ravi"), edit_url)
    expect(ravi_edit.locator("#lock-notice")).to_contain_text("In use by meena")
    # A locked alteration shows the voucher's totals, not 0.00.
    expect(ravi_edit.locator("#voucher-totals")).to_contain_text("900.00 Dr / 900.00 Cr")
    ravi_view = live(ravi_edit.context.new_page(), view_url)
    kiran = live(sign_in(browser, office, "kiran"), view_url)
    expect(ravi_view.locator("#alter")).to_be_visible()
    expect(ravi_view.locator("#delete-voucher")).to_be_visible()
    expect(kiran.locator("#alter")).to_have_count(0)

    meena_view = live(meena.context.new_page(), view_url)
    meena_view.once("dialog", lambda dialog: dialog.accept())
    meena_view.click("#delete-voucher")
    meena_view.wait_for_url(re.compile(r"/vouchers/\?date="))

    for page in (ravi_view, ravi_edit, kiran, meena):
        expect(page.locator("[data-record-gone]")).to_contain_text(
            re.compile(r"Deleted by meena at \d\d:\d\d"), timeout=DEADLINE_MS
        )
    expect(kiran.locator("[data-record-gone]")).to_contain_text("is no longer in the books")
    expect(ravi_view.locator("#alter")).to_have_count(0)
    expect(ravi_view.locator("#delete-voucher")).to_have_count(0)
    ravi_view.screenshot(path="/tmp/kblive/deleted-view.png")
    for page in (ravi_edit, meena):  # the waiting screen and the holder's: nothing to save
        expect(page.locator("#save-voucher")).to_have_count(0)
        expect(page.locator("#voucher-form")).to_have_attribute("inert", "")
        expect(page.locator("#lock-notice")).to_have_count(0)
    # Meena's typing is not hers to keep any more: Ctrl+A does nothing, leaving asks nothing.
    meena.keyboard.press("Control+a")
    assert meena.evaluate("document.querySelector('form[data-dirty]')") is None
    for page in (ravi_view, ravi_edit, kiran, meena):
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        expect(page.locator("#refusal")).to_have_count(0)  # a 404 of its region is not news
    for page in (meena, ravi_edit, kiran):
        page.context.close()


def test_a_cancelled_voucher_changes_the_other_users_view(browser, office):
    view_url = voucher_to_alter(office).removesuffix("edit/")
    ravi = live(sign_in(browser, office, "ravi"), view_url)
    meena = live(sign_in(browser, office, "meena"), view_url)
    expect(ravi.locator("#alter")).to_be_visible()
    expect(ravi.locator("#delete-voucher")).to_be_visible()
    old_delete = ravi.locator("#delete-voucher").get_attribute("hx-delete")

    meena.once("dialog", lambda dialog: dialog.accept())
    meena.click("#cancel-voucher")
    expect(meena.locator(".message")).to_contain_text("cancelled")

    view = ravi.locator("section.voucher-view")
    expect(view).to_contain_text(
        re.compile(r"Cancelled by meena at \d\d:\d\d"), timeout=DEADLINE_MS
    )
    expect(ravi.locator("#alter")).to_have_count(0)
    expect(ravi.locator("#cancel-voucher")).to_have_count(0)
    expect(view).to_contain_text("No amounts: this voucher is cancelled.")
    # Tally deletes a cancelled voucher: the view that shows it cancelled offers Delete again,
    # for the version that is cancelled, not the one the page first read.
    expect(ravi.locator("#delete-voucher")).not_to_have_attribute("hx-delete", old_delete or "")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    for page in (ravi, meena):
        page.context.close()


def test_the_user_limits_refusals_are_shown(browser, office):
    """Both pages opened while any number of users could; the office then allows one. Ravi's
    next htmx request (a ledger name looked up as he types) is refused with 503: the reason is
    on his screen. A socket refused with 4429 says who holds the seat too."""
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = live(sign_in(browser, office, "meena"), company_url + "vouchers/")
    ravi = sign_in(browser, office, "ravi")
    frames: list[Any] = []

    def through(route: Any) -> None:
        route.connect_to_server()
        frames.append(route)

    ravi.route_web_socket(SOCKET, through)
    live(ravi, company_url + "vouchers/new/?type=sales")
    office.manage(
        "shell",
        "-v0",
        "-c",
        "from config.models import ServerConfig as C; "
        "C.objects.update_or_create(pk=1, defaults={'max_users': 1})",
    )
    refusal = ravi.locator("#refusal")
    # The server reads its configuration at most 5 s old: type until the lookup is refused
    # (a new text each time: the entry script keeps the lists it has read).
    for attempt in range(40):
        ravi.fill('input[name="entries-0-ledger"]', "")
        ravi.type('input[name="entries-0-ledger"]', f"Sha{attempt}")
        if refusal.count():
            break
        ravi.wait_for_timeout(250)
    expect(refusal).to_contain_text(
        re.compile(r"Not done — This server allows 1 user at a time; meena is connected since")
    )
    ravi.screenshot(path="/tmp/kblive/refusal.png")

    # The socket's refusal: the server's words, then the close with 4429.
    detail = "This server allows 1 user at a time; meena is connected since 10:02."
    frames[-1].send(json.dumps({"type": "refused", "detail": detail}))
    frames[-1].close(code=4429, reason="user limit")
    expect(ravi.locator("#sync-notice")).to_have_text(detail)
    expect(ravi.locator("#sync-notice")).to_be_visible()
    office.manage(
        "shell",
        "-v0",
        "-c",
        "from config.models import ServerConfig as C; "
        "C.objects.update_or_create(pk=1, defaults={'max_users': 0})",
    )
    for page in (meena, ravi):
        page.context.close()
