"""The brief's server stays a choice: under daphne (`serve --server daphne`) a save reaches the
other screen live, and a record in use is refused to the second user and opens for them when
the first closes the tab — the same behaviour the other browser tests check under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in, voucher_to_alter
from tests.e2e.test_live import save_sale


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory, server="daphne")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def voucher_url(office: Server) -> str:
    return voucher_to_alter(office)


def test_the_server_is_daphne(office):
    log = (office.workdir / "server.log").read_text()
    assert f"Starting server at tcp:port={office.port}:interface=127.0.0.1" in log, log  # daphne's
    assert "Uvicorn" not in log


def test_a_save_reaches_the_other_screen_live_under_daphne(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    meena = sign_in(browser, office, "meena")
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url + "ledgers/")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    party = ravi.locator("tr.ledger-row", has_text="Sharma Enterprises")
    save_sale(meena, company_url, "4,321")
    expect(party).to_contain_text("4,321.00 Dr")
    assert ravi.evaluate("performance.getEntriesByType('navigation').length") == 1
    for page in (meena, ravi):
        page.context.close()


def test_a_record_in_use_opens_for_the_second_user_when_the_first_leaves(
    browser, office, voucher_url
):
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(voucher_url)
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    meena = sign_in(browser, office, "meena")
    meena.goto(voucher_url)
    expect(meena.locator("#lock-notice")).to_contain_text("In use by ravi since")
    expect(meena.locator("#voucher-form")).to_have_attribute("inert", "")
    ravi.close()
    expect(meena.locator("#lock-notice")).to_have_count(0, timeout=5000)
    expect(meena.locator("#voucher-form")).not_to_have_attribute("inert", "")
    meena.context.close()
    ravi.context.close()
