"""Backups in a real browser, on the server as served: Meena (the owner) backs Sharma Traders
up from the Backups page, watches the progress bar give way to the listed archive, restores it
as a copy, and sees on the Gateway how old each company's last backup is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, SHOW_COMPANY, Server, seeded_server, sign_in


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: the restored copy is a second company, which the
    session's shared server (whose tests read "the" company) must not see."""
    own = seeded_server(tmp_path_factory)
    yield own
    own.stop()


@pytest.fixture(scope="module")
def company_url(server: Server) -> str:
    return server.url + server.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()


def test_back_up_now_and_restore_as_a_copy(browser: Any, server: Server, company_url: str) -> None:
    meena = sign_in(browser, server, "meena")
    meena.set_viewport_size({"width": 1366, "height": 768})
    meena.goto(company_url)
    meena.click("#backups-link")
    expect(meena.locator("h1")).to_contain_text("Backups")
    meena.click("#backup-now button[type=submit]")
    # The job's page: its progress bar, then (polled) the list with the new archive.
    expect(meena.locator(".message.success")).to_contain_text("Backed up:", timeout=30_000)
    rows = meena.locator("#backup-list tbody tr[data-archive]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sharma Traders")
    expect(rows.first).to_contain_text("Manual")
    expect(meena.locator("#backup-age")).to_contain_text("Last good backup")
    meena.screenshot(path=str(ROOT / "docs" / "backups.png"))

    archive = rows.first.get_attribute("data-archive")
    meena.select_option("#id_archive", archive)
    meena.check("input[name=mode][value=copy]")
    meena.fill("#id_name", "Sharma Traders (restored)")
    meena.click("#restore button[type=submit]")
    expect(meena.locator(".company-name")).to_have_text("Sharma Traders (restored)", timeout=30_000)
    expect(meena.locator(".message.success")).to_contain_text("Restored Sharma Traders (restored)")
    assert re.search(r"/c/\d+/$", meena.url) and meena.url != company_url

    meena.goto(server.url + "/")
    original = company_url.rstrip("/").rsplit("/", 1)[1]
    expect(meena.locator(f"#backup-age-{original}")).to_contain_text("backed up 0")
    expect(meena.locator(".company-list")).to_contain_text("no backup yet")  # the copy
    meena.context.close()
