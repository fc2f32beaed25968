"""Tally at the keyboard (issue 17), keyboard only: a Journal picked from the narrowing ledger
list, a missing ledger created with Alt+C mid-voucher, the balance filling line 2; the Day Book's
row cursor opening a voucher, Alt+X cancelling it, Alt+D deleting one; Enter in Ledger Creation;
the dense Day Book."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in
from tests.e2e.test_voucher_entry import accept_bills

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREEN = {"width": 1366, "height": 768}
# The seed's Rent becomes Office Rent (through the service, so the Edit Log has it): "rent" then
# matches one ledger, which is not at the start of its name.
RENAME = (
    "from django.contrib.auth.models import User; from companies.models import Company; "
    "from ledgers.models import Ledger; from ledgers.services import ledger_alter; "
    "ledger_alter(company=Company.objects.get(), ledger=Ledger.objects.get(name='Rent'), "
    "actor=User.objects.get(username='meena'), data={'name': 'Office Rent'}, version=1)"
)
MANY_SALES = (
    "import datetime as dt; from django.contrib.auth.models import User; "
    "from companies.models import Company; from vouchers.services import voucher_create; "
    "[voucher_create(company=Company.objects.get(), actor=User.objects.get(username='meena'), "
    "data={'type': 'Sales', 'date': '2026-11-20', 'narration': f'Counter sale {i}', "
    "'entries': [{'ledger': 'Sharma Enterprises', 'debit': str(1000 * i)}, "
    "{'ledger': 'Sales', 'credit': str(1000 * i)}]}) for i in range(1, 31)]"
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    server.manage("shell", "-v0", "-c", RENAME)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def company_url(office: Server) -> str:
    return office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()


@pytest.fixture
def ravi(browser: Any, office: Server) -> Iterator[Any]:
    page = sign_in(browser, office, "ravi")
    page.set_viewport_size(SCREEN)
    yield page
    page.context.close()


def test_a_journal_typed_with_rent_alt_c_and_the_balance_filling_line_2(ravi, company_url):
    page = ravi
    page.goto(company_url)
    page.keyboard.press("F7")
    page.wait_for_url(re.compile(r"type=journal"))
    first = page.locator('input[name="entries-0-ledger"]')
    expect(first).to_be_focused()
    page.keyboard.press("Shift+Tab")  # the line's Dr/Cr
    page.keyboard.press("Shift+Tab")  # the reference (bill) number
    expect(page.locator("#id_reference")).to_be_focused()
    page.keyboard.type("Bill M-221")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(first).to_be_focused()

    page.keyboard.type("rent")
    expect(page.locator("#ledger-list li.active")).to_contain_text("Office Rent")
    page.keyboard.press("Enter")  # takes the one match, though "rent" is not its start
    expect(first).to_have_value("Office Rent")
    expect(page.locator(".ledger-balance").first).to_have_text("0.00")
    expect(page.locator('input[name="entries-0-amount"]')).to_be_focused()
    page.keyboard.type("118000")
    page.keyboard.press("Enter")  # to line 2's Dr/Cr, already Cr
    expect(page.locator('input[name="entries-0-amount"]')).to_have_value("1,18,000.00")
    expect(page.locator('select[name="entries-1-side"]')).to_have_value("Cr")
    page.keyboard.press("Enter")

    page.keyboard.type("Mehta Transport")  # no such ledger yet
    expect(page.locator("#ledger-list")).to_contain_text("Alt+C creates one")
    page.keyboard.press("Enter")  # nothing to take: the field keeps the name
    expect(page.locator('input[name="entries-1-ledger"]')).to_be_focused()
    page.keyboard.press("Alt+c")
    dialog = page.locator("#ledger-create")
    expect(dialog).to_be_visible()
    expect(dialog.locator('input[name="name"]')).to_have_value("Mehta Transport")
    expect(dialog.locator('input[name="group"]')).to_be_focused()
    page.keyboard.type("Sundry Cred")
    page.keyboard.press("Enter")  # the group list completes it and moves on: no save
    expect(dialog.locator('input[name="group"]')).to_have_value("Sundry Creditors")
    expect(dialog.locator('input[name="opening_amount"]')).to_be_focused()
    page.keyboard.type("25000")
    page.keyboard.press("Enter")
    expect(dialog.locator('input[name="opening_amount"]')).to_have_value("25,000.00")
    expect(dialog.locator('select[name="opening_side"]')).to_be_focused()
    page.keyboard.press("c")  # Cr
    page.keyboard.press("Control+a")
    expect(dialog).to_be_hidden()

    second = page.locator('input[name="entries-1-ledger"]')
    expect(second).to_have_value("Mehta Transport")
    expect(page.locator(".ledger-balance").nth(1)).to_have_text("25,000.00 Cr")
    amount = page.locator('input[name="entries-1-amount"]')
    expect(amount).to_be_focused()
    expect(amount).to_have_value("1,18,000.00")  # the balance, on line 2 (no third line)
    expect(page.locator("#difference-note")).to_have_text("balanced")
    page.keyboard.press("Enter")
    accept_bills(page)  # a new Sundry Creditor keeps bills: On Account on a Journal
    expect(page.locator("#id_narration")).to_be_focused()
    assert page.locator("#entry-rows tr").count() == 2
    page.keyboard.type("Transport for November")
    page.screenshot(path=str(DOCS / "voucher-entry.png"))
    page.keyboard.press("Control+a")
    expect(page.locator(".message")).to_contain_text("Journal No. 1 saved")

    page.goto(company_url + "vouchers/?date=" + _today(page))
    page.keyboard.press("ArrowDown")
    row = page.locator("table.day-book tr.row-cursor")
    expect(row).to_contain_text("Office Rent")
    page.keyboard.press("Enter")  # Tally opens the voucher in alteration
    expect(page.locator("h1")).to_contain_text("Alteration: Journal")
    expect(page.locator("#id_reference")).to_have_value("Bill M-221")
    page.keyboard.press("Escape")  # nothing typed: back to the voucher, no question
    expect(page.locator(".voucher-view")).to_contain_text("Ref. Bill M-221")
    page.keyboard.press("Enter")  # Enter on a voucher: its alteration
    expect(page.locator("h1")).to_contain_text("Alteration: Journal")
    page.keyboard.press("Escape")
    expect(page.locator(".voucher-view #alter")).to_be_visible()

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("Alt+x")
    expect(page.locator(".voucher-view .badge")).to_have_text("Cancelled")
    assert asked == ["Cancel Journal No. 1? It keeps its number, and its amounts leave the books."]


def _today(page: Any) -> str:
    return page.evaluate("new Date().toLocaleDateString('en-CA')")  # yyyy-mm-dd


def test_the_day_book_row_cursor_cancels_and_deletes(ravi, office, company_url):
    page = ravi
    page.goto(company_url + "vouchers/?date=2026-11-20")
    if page.locator("table.day-book tr[id^=voucher-]").count() == 0:
        office.manage("shell", "-v0", "-c", MANY_SALES)
        page.reload()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    cursor = page.locator("table.day-book tr.row-cursor")
    expect(cursor).to_contain_text("2,000.00")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Alt+x")
    expect(page.locator(".message")).to_have_text("Sales No. 2 cancelled.")
    expect(page.locator("table.day-book tr", has_text="(cancelled)")).to_have_count(1)

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("table.day-book tr.row-cursor")).to_contain_text("3,000.00")
    page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and not done
    page.keyboard.press("Alt+d")
    expect(page.locator("table.day-book tr[id^=voucher-]")).to_have_count(30)
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Alt+d")
    expect(page.locator(".message")).to_have_text("Sales No. 3 deleted.")
    expect(page.locator("table.day-book tr[id^=voucher-]")).to_have_count(29)


# Meena alters a voucher from her own screen, through the JSON API, as any client would.
ALTER = """async ([url, version]) => {
  const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  const answer = await fetch(url, {method: "PATCH", headers: {"Content-Type": "application/json",
    Accept: "application/json", "X-CSRFToken": token},
    body: JSON.stringify({narration: "Altered by Meena", version: version})});
  return answer.status;
}"""


def test_alt_x_on_a_row_altered_elsewhere_acts_on_the_version_the_row_shows(
    ravi, browser, office, company_url
):
    """The row's version comes with its live patch: Meena's alteration reaches Ravi's Day Book,
    and his Alt+X cancels what he now sees; a row still showing the older version is refused
    (409), never cancelled unseen."""
    page = ravi
    page.goto(company_url + "vouchers/?date=2026-11-20")
    if page.locator("table.day-book tr[id^=voucher-]").count() == 0:
        office.manage("shell", "-v0", "-c", MANY_SALES)
        page.reload()
    row = page.locator("table.day-book tr", has_text="4,000.00").first
    before = int(row.get_attribute("data-version"))
    meena = sign_in(browser, office, "meena")
    meena.goto(company_url)
    url = company_url + "vouchers/" + row.get_attribute("id").removeprefix("voucher-") + "/"
    assert meena.evaluate(ALTER, [url, before]) == 200
    meena.context.close()
    expect(row).to_contain_text("Altered by Meena")
    expect(row).to_have_attribute("data-version", str(before + 1))

    row.evaluate("(tr, v) => { tr.dataset.version = v; }", str(before))  # a screen left behind
    cursor = page.locator("table.day-book tr.row-cursor")
    for _ in range(10):  # down the day's rows to Sales No. 4
        page.keyboard.press("ArrowDown")
        if "Altered by Meena" in cursor.inner_text():
            break
    expect(cursor).to_contain_text("Altered by Meena")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Alt+x")
    expect(page.locator(".message")).to_contain_text("This record was altered by meena")
    expect(row).not_to_contain_text("(cancelled)")


def _rows_in_view(page: Any) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('table.day-book tr[id^="voucher-"]')]
            .filter(r => { const b = r.getBoundingClientRect();
                           return b.top >= 0 && b.bottom <= window.innerHeight - 30; }).length"""
    )


def test_dense_rows_fit_twenty_and_more_day_book_rows_on_a_1366_screen(ravi, office, company_url):
    page = ravi
    page.goto(company_url + "vouchers/?date=2026-11-20")
    if page.locator("table.day-book tr[id^=voucher-]").count() == 0:
        office.manage("shell", "-v0", "-c", MANY_SALES)
        page.reload()
    roomy = _rows_in_view(page)
    page.keyboard.press("Alt+z")
    expect(page.locator("#dense-toggle")).to_have_text("Dense rows: on")
    dense = _rows_in_view(page)
    print(f"Day Book rows in view at 1366x768: {roomy} roomy, {dense} dense")
    assert dense >= 20 > roomy
    page.screenshot(path=str(DOCS / "day-book-dense.png"))
    page.reload()  # kept in the browser
    expect(page.locator("html.dense")).to_have_count(1)
    page.keyboard.press("Alt+z")
    expect(page.locator("html.dense")).to_have_count(0)


def test_enter_in_ledger_creation_moves_on_and_only_ctrl_a_saves(ravi, company_url):
    page = ravi
    page.goto(company_url + "ledgers/new/")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("Sharma Transport")
    page.keyboard.press("Enter")
    page.keyboard.type("Sundry Creditors")
    page.keyboard.press("Enter")  # the review's D4: this saved the ledger
    expect(page.locator("#id_opening_amount")).to_be_focused()
    page.keyboard.type("50000")
    for _ in range(4):  # Dr/Cr, GST registration type, GSTIN, State
        page.keyboard.press("Enter")
    expect(page.locator("#id_state")).to_be_focused()
    page.keyboard.press("Enter")  # a creditor keeps bills by default
    expect(page.locator("#id_bill_wise")).to_be_focused()
    expect(page.locator("#id_bill_wise")).to_have_value("true")
    for _ in range(6):  # credit period, and an opening bill's name, dates, amount, Dr/Cr
        page.keyboard.press("Enter")
    expect(page.locator("#opening-bill-rows select").first).to_be_focused()
    page.keyboard.press("Enter")  # the last field: to Accept, not a save
    expect(page.locator("form.form-grid button.primary")).to_be_focused()
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    expect(page.locator("#id_opening_amount")).to_have_value("50,000.00")
    page.keyboard.press("Control+a")
    expect(page.locator(".message")).to_have_text("Ledger Sharma Transport created.")
    expect(page.locator("h1")).to_have_text("Ledger Creation")
    expect(page.locator("#id_name")).to_have_value("")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("x")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("Escape")
    page.wait_for_url(company_url + "ledgers/")
    assert asked == ["Quit without saving? What you typed will be lost."]


def test_the_trial_balance_and_ledger_list_drill_down_by_keyboard(ravi, company_url):
    page = ravi
    page.goto(company_url + "reports/trial-balance/")
    page.keyboard.press("ArrowDown")
    first = page.locator("table.report tr.row-cursor")
    group = first.locator("a").first.inner_text()
    page.keyboard.press("Enter")  # a group's breakup
    expect(page.locator("h1")).to_contain_text(group)
    page.goto(company_url + "ledgers/")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    name = page.locator("table.report tr.row-cursor a").first.inner_text()
    page.keyboard.press("Enter")  # the first row's ledger: its vouchers
    expect(page.locator("h1")).to_contain_text(name)
