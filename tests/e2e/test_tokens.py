"""API tokens in a real browser, on the server as served: Meena finds her scripts' tokens from
the link beside Sign out, revokes one, and the script's live socket is closed at once with the
reason (4401, "This API token is not valid.")."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from companies.models import ApiToken
from tests.e2e.conftest import ROOT, Server, sign_in

ISSUE = (
    "from django.contrib.auth.models import User; from companies.auth import token_issue; "
    "print(token_issue(user=User.objects.get(username='meena')))"
)
AGE = (
    "import datetime as dt; from companies.models import ApiToken; "
    "issued = dt.datetime(2025, 1, 6, tzinfo=dt.UTC); "
    "ApiToken.objects.filter(key_hash='{}').update(created_at=issued)"
)


def script_socket(server: Server, company_url: str, key: str) -> Any:
    """A script's live socket: no Origin, the token in its Authorization header."""
    path = company_url.removeprefix(server.url).replace("/c/", "/ws/c/", 1)
    url = server.url.replace("http://", "ws://", 1) + path
    return connect(url, additional_headers={"Authorization": f"Token {key}"}, open_timeout=10)


def test_revoking_a_token_closes_its_script_socket_at_once(
    browser: Any, server: Server, company_url: str
) -> None:
    old, used, revoked = (server.manage("shell", "-v0", "-c", ISSUE).strip() for _ in range(3))
    server.manage("shell", "-v0", "-c", AGE.format(ApiToken.hash_key(old)))  # long expired
    request = urllib.request.Request(company_url, headers={"Authorization": f"Token {used}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noted as its last use
        assert answer.status == 200
    with script_socket(server, company_url, revoked) as socket:
        opened = time.monotonic()
        socket.send(json.dumps({"type": "ping"}))
        while json.loads(socket.recv(timeout=10))["type"] != "pong":
            pass  # joined: the live feed is open

        meena = sign_in(browser, server, "meena")
        meena.click("#api-tokens-link")
        expect(meena.locator("h1")).to_contain_text("API tokens")
        row = meena.locator("#api-tokens tbody tr", has_text=ApiToken.hash_key(revoked)[:8])
        expect(row).to_have_attribute("data-state", "live")
        for key, state in [(old, "expired"), (used, "live")]:
            other = meena.locator("#api-tokens tbody tr", has_text=ApiToken.hash_key(key)[:8])
            expect(other).to_have_attribute("data-state", state)
        meena.screenshot(path=str(ROOT / "docs" / "api-tokens.png"), full_page=True)

        meena.once("dialog", lambda dialog: dialog.accept())  # "Revoke token …? A script …"
        row.get_by_role("button", name="Revoke").click()
        expect(meena.locator(".message")).to_contain_text(
            "revoked: scripts using it are signed out"
        )
        expect(row).to_have_count(0)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=5)  # frames on their way may come first
        # At once: a socket's own recheck falls 20-30 s after it connected.
        assert time.monotonic() - opened < 20
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4401,
        "This API token is not valid.",
    )
    meena.context.close()
