"""The office in a real browser, keyboard only: the owner makes a second user on the Users page
and that user signs in; the owner alters the company (a refusal first, then the save). The
server is this module's own: altering the company would change what other modules see."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, SHOW_COMPANY, Server, seeded_server

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def keyboard_sign_in(browser: Any, office: Server, username: str, password: str) -> Any:
    """A new browser (its own cookies) at 1366×768, signed in by typing alone."""
    context = browser.new_context(viewport=SCREEN, locale="en-IN", timezone_id="Asia/Kolkata")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(office.url + "/login/")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(office.url + "/")
    return page


def test_the_owner_makes_a_user_on_the_users_page_who_then_signs_in(browser, office):
    meena = keyboard_sign_in(browser, office, "meena", PASSWORD)
    meena.goto(office.url + "/users/")
    assert meena.evaluate("document.activeElement.id") == "id_username"
    for text in ("asha", "asha-pass-2026", "asha-pass-2026"):
        meena.keyboard.type(text)
        meena.keyboard.press("Enter")  # Enter moves on, as in Tally
    assert meena.evaluate("document.activeElement.id") == "id_company"
    meena.keyboard.press("Enter")
    assert meena.evaluate("document.activeElement.id") == "id_role"
    meena.keyboard.type("Accountant")  # a focused list takes the typed name
    assert meena.input_value("#id_role") == "accountant"
    meena.keyboard.press("Control+a")  # accept
    meena.wait_for_selector("#messages >> text=User asha created")
    row = meena.locator("#users tr[data-user=asha]")
    assert "Sharma Traders Accountant" in " ".join(row.inner_text().split())
    meena.screenshot(path=str(DOCS / "users.png"))

    asha = keyboard_sign_in(browser, office, "asha", "asha-pass-2026")
    assert "Sharma Traders" in asha.inner_text(".company-list")
    assert "Accountant" in asha.inner_text(".company-list")
    meena.context.close()
    asha.context.close()


def test_the_owner_alters_the_company_by_keyboard(browser, office):
    cid = re.search(r"/c/(\d+)/", office.manage("shell", "-v0", "-c", SHOW_COMPANY))[1]
    meena = keyboard_sign_in(browser, office, "meena", PASSWORD)
    meena.goto(f"{office.url}/c/{cid}/alter/")
    assert meena.evaluate("document.activeElement.id") == "id_name"
    meena.keyboard.press("Enter")
    meena.keyboard.type("Sharma Traders Pvt Ltd")
    meena.keyboard.press("Enter")
    meena.keyboard.type("12 MG Road")
    meena.keyboard.press("Enter")  # a new line in the address
    meena.keyboard.type("Pune")
    meena.keyboard.press("Tab")
    for text in ("Maharashtra", "4110", "AAPFU0939F", "27AAPFU0939F1ZV"):
        meena.keyboard.type(text)
        meena.keyboard.press("Enter")
    assert meena.evaluate("document.activeElement.id") == "id_fy"
    meena.keyboard.press("Control+a")
    meena.wait_for_selector("text=A PIN code has six digits, like 400001.")
    assert meena.input_value("#id_mailing_name") == "Sharma Traders Pvt Ltd"  # kept as typed
    meena.screenshot(path=str(DOCS / "company-alteration.png"))
    assert meena.evaluate("document.activeElement.id") == "id_pin"  # the field to put right
    meena.keyboard.press("End")
    meena.keyboard.type("01")
    meena.keyboard.press("Control+a")
    meena.wait_for_url(f"{office.url}/c/{cid}/")
    meena.wait_for_selector("#messages >> text=Sharma Traders altered.")
    meena.context.close()

    script = (
        "import json; from companies.models import Company as C; c = C.objects.get(); "
        "print(json.dumps([c.mailing_name, c.address, c.pin, c.pan, c.gstin, c.version, "
        "str(c.financial_year_start)]))"
    )
    saved = json.loads(office.manage("shell", "-v0", "-c", script))
    assert saved == [
        "Sharma Traders Pvt Ltd",
        "12 MG Road\nPune",
        "411001",
        "AAPFU0939F",
        "27AAPFU0939F1ZV",
        2,
        "2026-04-01",
    ]


def test_set_up_by_keyboard_with_a_typed_year(browser, tmp_path_factory):
    """A fresh server: /setup/ asks what Company Creation asks, and 01-04-2026 is 1 April."""
    fresh = Server(tmp_path_factory.mktemp("setup"))
    fresh.manage("migrate", "--noinput", "-v0")
    fresh.start()
    try:
        context = browser.new_context(viewport=SCREEN, locale="en-IN")
        page = context.new_page()
        page.goto(fresh.url + "/setup/")
        code = (fresh.workdir / "setup_code").read_text().strip()
        typed = [code, "Sharma Traders", "Sharma Traders Pvt Ltd"]
        for text in typed:
            page.keyboard.type(text)
            page.keyboard.press("Enter")
        page.keyboard.type("12 MG Road")  # the address: Enter is a new line there
        page.keyboard.press("Tab")
        for text in ("Maharashtra", "411001"):
            page.keyboard.type(text)
            page.keyboard.press("Enter")
        page.keyboard.press("End")  # the year's field holds this year's 1 April: replace it
        page.keyboard.press("Shift+Home")
        page.keyboard.type("01-04-2026")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # books begin with the year
        page.keyboard.type("ravi")
        page.keyboard.press("Enter")
        page.keyboard.type("ravi-pass-2026")
        page.keyboard.press("Enter")  # the last field moves to Accept (Tally's "Accept?")
        page.keyboard.press("Enter")  # and Enter accepts
        page.wait_for_url(re.compile(r".*/c/\d+/$"))
        context.close()
    finally:
        fresh.stop()
    script = (
        "import json; from companies.models import Company as C; c = C.objects.get(); "
        "print(json.dumps([c.mailing_name, c.pin, str(c.financial_year_start), "
        "str(c.books_beginning)]))"
    )
    saved = json.loads(fresh.manage("shell", "-v0", "-c", script))
    assert saved == ["Sharma Traders Pvt Ltd", "411001", "2026-04-01", "2026-04-01"]
