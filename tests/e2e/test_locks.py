"""Record in use, in real browsers: B waits while A alters; the form opens for B by itself when
A leaves — whether A closes the tab or A's computer hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CHROMIUM,
    PASSWORD,
    Server,
    seeded_server,
    sign_in,
    voucher_to_alter,
)

LOCK_TIMEOUT, SWEEP = 5, 1


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(
        tmp_path_factory, config={"lock_timeout": LOCK_TIMEOUT}, LOCK_SWEEP_INTERVAL=str(SWEEP)
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def voucher_url(office: Server) -> str:
    return voucher_to_alter(office)


def test_b_waits_and_the_form_opens_when_a_closes_the_tab(browser, office, voucher_url):
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(voucher_url)
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    meena = sign_in(browser, office, "meena")
    meena.goto(voucher_url)
    expect(meena.locator("#lock-notice")).to_contain_text("In use by ravi since")
    expect(meena.locator("#voucher-form")).to_have_attribute("inert", "")
    day_book = meena.context.new_page()
    day_book.goto(voucher_url.split("vouchers/")[0] + "vouchers/")
    expect(day_book.locator(".lock-badge").first).to_have_text("🔒 ravi")

    ravi.close()
    started = time.monotonic()
    expect(meena.locator("#lock-notice")).to_have_count(0, timeout=5000)
    expect(meena.locator("#voucher-form")).not_to_have_attribute("inert", "")
    assert time.monotonic() - started < 5
    expect(day_book.locator(".lock-badge").first).to_have_text("🔒 meena")  # hers now
    meena.locator('input[name="entries-0-amount"]').fill("950")
    meena.locator('input[name="entries-1-amount"]').fill("950")
    meena.keyboard.press("Control+a")
    expect(meena.locator(".message")).to_contain_text("altered")
    meena.context.close()
    ravi.context.close()


def _chromium_pids(profile: Path) -> list[int]:
    found = subprocess.run(["pgrep", "-f", str(profile)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_hung_browsers_lock_expires_and_the_form_opens(browser, office, voucher_url, tmp_path):
    """A's computer freezes (SIGSTOP: its socket stays open, its pings stop); B's form opens
    within the lock timeout plus one sweep."""
    profile = tmp_path / "hung-profile"
    hung = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    page = hung.new_page()
    page.goto(office.url + "/login/")
    page.fill("#id_username", "ravi")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(office.url + "/")
    page.goto(voucher_url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    meena = sign_in(browser, office, "meena")
    meena.goto(voucher_url)
    expect(meena.locator("#lock-notice")).to_contain_text("In use by ravi")
    pids = _chromium_pids(profile)
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        limit = (LOCK_TIMEOUT + SWEEP + 2) * 1000
        expect(meena.locator("#lock-notice")).to_have_count(0, timeout=limit)
        waited = time.monotonic() - started
        assert waited >= LOCK_TIMEOUT - 2  # it really was the lease that ran out
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
    meena.context.close()
