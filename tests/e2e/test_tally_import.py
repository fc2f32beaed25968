"""Tally XML through the Tally pages in a real browser: Meena (the owner) uploads the shared
xan845 masters and vouchers into an empty company, watches the progress finish and Tally's
counters appear (the opening difference shown, nothing refused), opens the Trial Balance with
the imported ledgers, then exports the year 2022-23 as Tally XML from the Export page."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, Server, seeded_server, sign_in

SAMPLES = ROOT / "tests" / "tallyxml" / "samples"
EMPTY_COMPANY = """
import datetime as dt
from django.contrib.auth.models import User
from books.services import company_create
company = company_create(
    actor=User.objects.get(username="meena"), name="Xan Engineering",
    financial_year_start=dt.date(2022, 4, 1),
)
print(f"/c/{company.pk}/")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: the imported company is a second one, which the
    session's shared server (whose tests read "the" company) must not see."""
    own = seeded_server(tmp_path_factory)
    yield own
    own.stop()


def test_import_the_shared_sample_and_see_the_trial_balance(browser: Any, server: Server) -> None:
    company_url = server.url + server.manage("shell", "-v0", "-c", EMPTY_COMPANY).strip()
    meena = sign_in(browser, server, "meena")
    meena.set_viewport_size({"width": 1366, "height": 900})
    meena.goto(company_url)
    meena.click("#tally-import-link")
    expect(meena.locator("h1")).to_contain_text("Import of Data")
    meena.set_input_files(
        "#id_files", [str(SAMPLES / "xan845_masters.xml"), str(SAMPLES / "xan845_vouchers.xml")]
    )
    meena.click("#tally-import button[type=submit]")
    # The job's page polls its progress until the report replaces it.
    progress = meena.locator("#tally-import-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=60_000)
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    counters = meena.locator("#tally-import-counters")
    # 14 ledgers new to the company (Cash and the 28 groups it had), 11 vouchers
    expect(counters.locator("[data-counter=created]")).to_have_text("25")
    expect(counters.locator("[data-counter=errors]")).to_have_text("0")
    expect(meena.locator("#tally-import-lines")).to_contain_text(
        "Difference in opening balances: 4,55,261.00 Cr"
    )
    meena.screenshot(path=str(ROOT / "docs" / "tally-import.png"), full_page=True)

    meena.click("#tally-import-trial-balance")
    expect(meena.locator("h1")).to_contain_text("Trial Balance")
    books = meena.locator("main table.report")
    # the debtors, the bank and the input taxes brought over from 2022-23, by their group
    expect(books).to_contain_text("Current Assets")
    expect(books).to_contain_text("6,87,995.00")
    expect(books).to_contain_text("Difference in opening balances")
    expect(books).to_contain_text("4,55,261.00")

    meena.click("#tally-export-link")
    expect(meena.locator("h1")).to_contain_text("Export of Data")
    meena.fill("#id_from", "1-4-2022")
    meena.fill("#id_to", "31-3-2023")
    meena.screenshot(path=str(ROOT / "docs" / "tally-export.png"))
    with meena.expect_download() as downloading:
        meena.click("#tally-export button[type=submit]")
    download = downloading.value
    assert download.suggested_filename == "Xan Engineering-20220401-20230331.xml"
    data = Path(download.path()).read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data.decode("utf-16")
    assert text.count("<VOUCHER ") == 11 and "Anant Defence Systems Pvt.Ltd." in text
    meena.context.close()
