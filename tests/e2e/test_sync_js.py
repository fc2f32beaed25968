"""static/sync.js in a real browser, fed frames the server sends only in trouble (Playwright's
WebSocket routing forwards the real socket and lets the test add a frame): the paused state
while the channel layer is down, and a resync that meets a region holding the user's typing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in

SOCKET = re.compile(r"/ws/c/\d+/")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def open_with_socket(browser: Any, office: Server, path: str) -> tuple[Any, list[Any]]:
    """ravi's page at `path`, its socket passed through a route the test can add frames to."""
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    page = sign_in(browser, office, "ravi")
    routes: list[Any] = []

    def through(route: Any) -> None:
        route.connect_to_server()  # every frame both ways, as without the route
        routes.append(route)

    page.route_web_socket(SOCKET, through)
    page.goto(company_url + path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page, routes


def test_paused_live_updates_are_shown_and_cleared(browser, office):
    page, routes = open_with_socket(browser, office, "")
    status = page.locator("#live-status")
    routes[-1].send(json.dumps({"type": "status", "live": False}))
    expect(status).to_have_attribute("data-state", "paused")
    expect(status).to_contain_text("Live updates paused — catching up every 10 s")
    routes[-1].send(json.dumps({"type": "status", "live": True}))
    expect(status).to_have_attribute("data-state", "live")
    page.context.close()


def test_a_region_being_typed_in_is_refreshed_only_once_the_user_leaves_it(browser, office):
    page, routes = open_with_socket(browser, office, "")
    mark = "el => el.dataset.mark = 'before'"
    page.locator("#dashboard-cash-bank").evaluate(mark)
    activity = page.locator("#dashboard-activity")
    activity.evaluate(mark)
    activity.evaluate("el => el.insertAdjacentHTML('beforeend', '<input id=\"typing\">')")
    page.fill("#typing", "half a narration")  # focused, inside the region

    seq = page.evaluate("window.tallysync.lastSeq()")
    routes[-1].send(json.dumps({"type": "resync", "seq": seq}))
    # The resync re-fetched the other regions...
    expect(page.locator("#dashboard-cash-bank[data-mark]")).to_have_count(0)
    # ...but not the one under the user's hands.
    expect(page.locator("#dashboard-activity[data-mark]")).to_have_count(1)
    expect(page.locator("#typing")).to_have_value("half a narration")

    page.locator("h1").first.click()  # the user moves on: focus leaves the region
    expect(page.locator("#dashboard-activity[data-mark]")).to_have_count(0)
    expect(page.locator("#typing")).to_have_count(0)
    page.context.close()
