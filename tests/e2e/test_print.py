"""A report on paper and as a file, in a real browser: Ctrl+P's layout carries the company, the
report and its period and leaves the screen's menus out; Alt+E downloads the Excel file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOW_COMPANY, Server, seeded_server, sign_in
from tests.e2e.test_live import save_sale

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


def test_the_profit_and_loss_prints_with_its_heading_and_exports_with_alt_e(browser, office):
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    save_sale(ravi, company_url, "1,25,000")
    ravi.goto(company_url + "reports/profit-loss/?from=2026-04-01&to=2027-03-31&detailed=1")
    head = ravi.locator(".print-head")
    expect(head).to_be_hidden()  # on screen the page's own head says it
    expect(ravi.locator(".topbar")).to_be_visible()

    ravi.emulate_media(media="print")
    expect(head).to_be_visible()
    expect(head.locator(".print-company")).to_have_text("Sharma Traders")
    expect(head.locator(".print-title")).to_have_text("Profit & Loss A/c")
    expect(head.locator(".print-period")).to_have_text("01-Apr-2026 to 31-Mar-2027")
    for screen_only in (".topbar", ".keys", ".page-head", ".export-links"):
        expect(ravi.locator(screen_only)).to_be_hidden()
    expect(ravi.locator(".final-accounts")).to_contain_text("1,25,000.00")
    colours = ravi.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"], "black on white"
    # The heading is the frame's <thead>: the browser repeats it on every printed page.
    assert (
        ravi.evaluate("getComputedStyle(document.querySelector('.print-head')).display")
        == "table-header-group"
    )
    amount = ravi.locator(".final-side td.num").first
    assert amount.evaluate("e => getComputedStyle(e).textAlign") == "right"
    ravi.screenshot(path=str(DOCS / "print-profit-loss.png"), full_page=True)

    ravi.emulate_media(media="screen")
    with ravi.expect_download() as pressed:
        ravi.keyboard.press("Alt+e")
    download = pressed.value
    assert download.suggested_filename == "Profit & Loss A-c 01-Apr-2026 to 31-Mar-2027.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Sharma Traders" and rows[1][0] == "Profit & Loss A/c"
    sales = next(row for row in rows if row[3] == "Sales Accounts")
    assert sales[5] == 125000, "the page's figure, as a number"
    ravi.context.close()


def test_a_register_prints_with_its_heading_and_its_file_has_the_page_total(browser, office):
    """The Account Books print and export as the final accounts do: the Sales Register."""
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    save_sale(ravi, company_url, "4,321")
    ravi.goto(company_url + "reports/register/?type=Sales&from=2026-04-01&to=2027-03-31")
    total = ravi.locator("table.register tfoot .total-row th").nth(2).inner_text()
    ravi.emulate_media(media="print")
    head = ravi.locator(".print-head")
    expect(head.locator(".print-company")).to_have_text("Sharma Traders")
    expect(head.locator(".print-title")).to_have_text("Sales Register")
    expect(head.locator(".print-period")).to_have_text("01-Apr-2026 to 31-Mar-2027")
    for screen_only in (".topbar", ".page-head", ".export-links", "form"):
        expect(ravi.locator(screen_only).first).to_be_hidden()
    expect(ravi.locator("table.register")).to_be_visible()

    ravi.emulate_media(media="screen")
    with ravi.expect_download() as pressed:
        ravi.keyboard.press("Alt+e")
    download = pressed.value
    assert download.suggested_filename == "Sales Register 01-Apr-2026 to 31-Mar-2027.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Sales Register"
    assert rows[-1][0] == "Grand Total"
    shown = Decimal(total.replace(",", ""))
    assert shown >= Decimal("4321"), "the sale is in the page's Credit total"
    assert Decimal(str(rows[-1][2])).quantize(Decimal("0.01")) == shown, "the file says the same"
    ravi.context.close()


def test_the_schedule_iii_balance_sheet_prints_with_its_heading_and_exports(browser, office):
    """The second layout prints and exports as the first: the Balance Sheet in Schedule III."""
    company_url = office.url + office.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()
    ravi = sign_in(browser, office, "ravi")
    ravi.goto(company_url + "reports/balance-sheet/?as_of=2027-03-31&layout=schedule3")
    shown = ravi.locator(".schedule3-statement .total-row th.num").first.inner_text()
    ravi.screenshot(path=str(DOCS / "schedule3-balance-sheet.png"), full_page=True)
    ravi.emulate_media(media="print")
    head = ravi.locator(".print-head")
    expect(head.locator(".print-company")).to_have_text("Sharma Traders")
    expect(head.locator(".print-title")).to_have_text("Balance Sheet (Schedule III)")
    expect(head.locator(".print-period")).to_have_text("as at 31-Mar-2027")
    for screen_only in (".topbar", ".page-head", ".export-links", "form"):
        expect(ravi.locator(screen_only).first).to_be_hidden()
    expect(ravi.locator(".schedule3-statement")).to_be_visible()

    ravi.emulate_media(media="screen")
    with ravi.expect_download() as pressed:
        ravi.keyboard.press("Alt+e")
    download = pressed.value
    assert download.suggested_filename == "Balance Sheet (Schedule III) as at 31-Mar-2027.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Balance Sheet (Schedule III)"
    total = next(row for row in rows if row[0] == "Total")
    shown_amount = Decimal(shown.replace(",", "").replace("(-)", "-"))
    assert Decimal(str(total[2])).quantize(Decimal("0.01")) == shown_amount, "the page's total"
    ravi.context.close()
