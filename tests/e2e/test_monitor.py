"""The Server Monitor in a real browser: it lists another browser's session and that session's
counters move when a broadcast reaches it; the Sync status panel; the user limit set in the
admin site turns the next user away with the name of who holds the seat."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, ROOT, SHOW_COMPANY, Server, seeded_server, sign_in

STAFF = (
    "from django.contrib.auth.models import User; "
    f"User.objects.create_user('asha', password='{PASSWORD}', is_staff=True, is_superuser=True)"
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # A 15 s lock timeout makes pages ping every 5 s, so counters reach the monitor sooner.
    server = seeded_server(tmp_path_factory, config={"lock_timeout": 15})
    server.manage("shell", "-v0", "-c", STAFF)
    yield server
    server.stop()


def test_the_monitor_follows_another_browser_and_the_limit_turns_users_away(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    asha = sign_in(browser, office, "asha")
    ravi = sign_in(browser, office, "ravi")
    meena = sign_in(browser, office, "meena")
    ravi.goto(company_url + "vouchers/")
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")

    asha.goto(office.url + "/monitor/")
    ravi_row = asha.locator("#clients tr[data-user=ravi]")
    expect(ravi_row).to_be_visible(timeout=10_000)  # the page polls every 2 s
    expect(ravi_row).to_contain_text("Sharma Traders")
    expect(ravi_row).to_contain_text("127.0.0.1")
    expect(ravi_row).to_contain_text("Chrom")
    counters = ravi_row.locator("td.counters")
    expect(counters).to_have_text(re.compile(r"[1-9]\d* / [1-9]\d*"), timeout=15_000)
    before = counters.inner_text()

    meena.goto(company_url + "vouchers/new/?type=sales")
    meena.fill('input[name="entries-0-ledger"]', "Sharma Enterprises")
    meena.fill('input[name="entries-0-amount"]', "4,500")
    meena.fill('input[name="entries-1-ledger"]', "Sales")
    meena.fill('input[name="entries-1-amount"]', "4,500")
    meena.click("#save-voucher")
    expect(ravi.locator("table.day-book tbody")).to_contain_text("4,500.00")
    # Ravi's next ping carries his counters to the registry; the monitor's next poll shows them.
    expect(counters).not_to_have_text(before, timeout=20_000)
    sent_after = int(counters.inner_text().split("/")[1])
    assert sent_after > int(before.split("/")[1])
    expect(asha.locator("#events")).to_contain_text("Connected")
    expect(asha.locator("#rates")).to_contain_text("Messages out")
    asha.screenshot(path=str(ROOT / "docs" / "server-monitor.png"), full_page=True)

    # Ravi's Live indicator opens the Sync status panel.
    ravi.click("#live-status")
    panel = ravi.locator("#sync-panel")
    expect(panel).to_be_visible()
    expect(panel.locator('[data-field="state"]')).to_have_text("Live")
    seq = str(ravi.evaluate("window.tallysync.lastSeq()"))
    expect(panel.locator('[data-field="seq"]')).to_have_text(seq)
    expect(panel.locator('[data-field="server-seq"]')).to_have_text(seq, timeout=10_000)
    expect(panel.locator('[data-field="lag"]')).to_have_text("up to date")
    expect(panel.locator('[data-field="round-trip"]')).to_have_text(re.compile(r"\d+ ms"))

    # Single-user mode, set in the admin site: Meena leaves; Kiran is told who holds the seat.
    meena.context.close()
    expect(asha.locator("#clients tr[data-user=meena]")).to_have_count(0, timeout=10_000)
    asha.goto(office.url + "/admin/config/serverconfig/")
    asha.fill("#id_max_users", "1")
    asha.click("input[name=_save]")
    expect(asha.locator(".messagelist")).to_contain_text("changed successfully")
    kiran = sign_in(browser, office, "kiran")
    answer = kiran.goto(company_url)
    assert answer is not None and answer.status == 503
    expect(kiran.locator(".error")).to_have_text(
        re.compile(r"This server allows 1 user at a time; ravi is connected since \d\d:\d\d\.")
    )
    expect(ravi.locator("#live-status")).to_have_attribute("data-state", "live")
    asha.goto(office.url + "/monitor/?kind=connect")
    expect(asha.locator("#seats")).to_contain_text("1 connected of 1 allowed")
    for page in (asha, ravi, kiran):
        page.context.close()
