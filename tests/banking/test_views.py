"""The Bank Reconciliation and statement pages and their JSON, and their live refresh: a
voucher's Change on a bank line names the open BRS, whose region partial equals a fresh GET."""

import datetime as dt
import json
import re

import pytest
from django.test import Client

from banking.models import StatementLine
from core.templatetags.tally import dom_id
from tests.banking.conftest import FORMATS, SAMPLES
from tests.banking.test_reconciliation import _bank_dates
from tests.conftest import client_for
from tests.sync.html import by_id, squash
from tests.sync.test_books_live import last_refresh
from vouchers.models import Voucher
from vouchers.services import voucher_alter

NOVEMBER = "?from=2026-11-01&to=2026-11-30"


@pytest.fixture
def browser(bob):
    client = Client()
    client.force_login(bob)
    return client


def _url(company, bank, tail=""):
    return f"/c/{company.pk}/banking/{bank.pk}/{tail}"


def test_json_shows_the_entries_and_the_three_balances(company, bob, bank, book):
    answer = client_for(bob).get(
        _url(company, bank) + NOVEMBER, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["balance_as_per_books"] == "608500.50"
    assert body["not_reflected_in_bank"] == {"debit": "145500.50", "credit": "37000.00"}
    assert body["balance_as_per_bank"] == "500000.00"
    rent = next(e for e in body["entries"] if e["entry_id"] == book["rent"].pk)
    assert rent["particulars"] == "Rent"
    assert (rent["instrument_type"], rent["instrument_number"]) == ("Cheque", "000311")
    assert (rent["credit"], rent["bank_date"], rent["version"]) == ("25000.00", None, 1)


def test_json_post_sets_a_bank_date_and_the_bank_balance_follows(company, bob, bank, book):
    receipt = book["receipt"]
    api = client_for(bob)
    body = {"dates": {str(receipt.pk): "03-11-2026"}, "versions": {str(receipt.voucher_id): 1}}
    answer = api.post(_url(company, bank) + NOVEMBER, body, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["balance_as_per_bank"] == "600000.00"
    stale = api.post(_url(company, bank), body, content_type="application/json")
    assert stale.status_code == 409


def test_json_refusal_names_the_field(company, bob, bank, book):
    receipt = book["receipt"]
    body = {"dates": {str(receipt.pk): "01-10-2026"}, "versions": {str(receipt.voucher_id): 1}}
    answer = client_for(bob).post(_url(company, bank), body, content_type="application/json")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [f"dates.{receipt.pk}"]


def test_a_ledger_that_is_not_a_bank_is_refused(company, bob, book):
    rent = book["rent"].voucher.entries.exclude(ledger_id=book["rent"].ledger_id).get().ledger
    answer = client_for(bob).get(_url(company, rent), headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "is not a bank ledger" in answer.json()["errors"]["ledger"][0]


def test_the_page_saves_a_typed_bank_date_and_shows_the_bank_balance(
    company, bob, bank, book, browser
):
    page = browser.get(_url(company, bank) + NOVEMBER)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Balance as per Company Books" in html
    assert f'name="bank_date-{book["receipt"].pk}"' in html
    receipt = book["receipt"]
    form = {
        f"bank_date-{receipt.pk}": "3-11-2026",
        f"was-{receipt.pk}": "",
        f"version-{receipt.voucher_id}": "1",
    }
    saved = browser.post(_url(company, bank) + NOVEMBER, form)
    assert saved.status_code == 302
    assert _bank_dates(book)["receipt"] == dt.date(2026, 11, 3)
    html = browser.get(_url(company, bank) + NOVEMBER).content.decode()
    region = by_id(html, dom_id("ledger", bank.pk, "reconciliation", "bank"))
    assert "6,00,000.00" in region.inner


def test_the_page_shows_a_refusal_beside_the_typing(company, bob, bank, book, browser):
    receipt = book["receipt"]
    form = {
        f"bank_date-{receipt.pk}": "1-10-2026",
        f"was-{receipt.pk}": "",
        f"version-{receipt.voucher_id}": "1",
    }
    page = browser.post(_url(company, bank) + NOVEMBER, form)
    assert page.status_code == 422
    html = page.content.decode()
    assert "is before the date of Receipt No. 1" in html
    assert 'value="1-10-2026"' in html


def _region(client, url, region_id, *, htmx=False):
    headers = {"HX-Request": "true", "HX-Target": region_id} if htmx else {}
    html = client.get(url, headers=headers).content.decode()
    assert ("<html" in html) is not htmx
    found = by_id(html, region_id)
    assert found is not None
    # The CSRF token is masked afresh on each render.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", squash(found.outer))


def test_a_change_of_a_voucher_on_the_bank_refreshes_the_open_brs(
    company, alice, bank, book, browser
):
    region_id = dom_id("ledger", bank.pk, "reconciliation")
    url = _url(company, bank) + NOVEMBER
    before = _region(browser, url, region_id)
    voucher = Voucher.objects.get(pk=book["neft"].voucher_id)
    voucher_alter(
        company=company,
        voucher=voucher,
        actor=alice,
        data={"narration": "NEFT from Sharma"},
        version=1,
    )
    assert region_id in last_refresh(company)
    refreshed = _region(browser, url, region_id, htmx=True)
    assert refreshed == _region(browser, url, region_id)
    assert refreshed != before  # the voucher's new version


def test_statement_import_and_accept_through_the_pages(company, bob, bank, book, browser):
    saved = browser.post(_url(company, bank, "statement/format/"), FORMATS["sbi"])
    assert saved.status_code == 302
    with (SAMPLES / "sbi.csv").open("rb") as file:
        imported = browser.post(_url(company, bank, "statement/"), {"file": file})
    assert imported.status_code == 302
    html = browser.get(_url(company, bank, "statement/")).content.decode()
    lines = {line.amount: line for line in StatementLine.objects.all()}
    rent_line = next(line for line in lines.values() if line.reference == "000311")
    assert f'name="accept-{rent_line.pk}" value="{book["rent"].pk}"' in html
    accepted = browser.post(
        _url(company, bank, "statement/accept/"),
        {f"accept-{rent_line.pk}": str(book["rent"].pk), f"version-{book['rent'].voucher_id}": "1"},
    )
    assert accepted.status_code == 302
    assert _bank_dates(book)["rent"] == dt.date(2026, 11, 8)
    assert StatementLine.objects.get(pk=rent_line.pk).matched


def test_statement_json_lists_lines_and_proposals(company, bob, bank, book):
    api = client_for(bob)
    api.post(
        _url(company, bank, "statement/format/"), FORMATS["icici"], content_type="application/json"
    )
    text = (SAMPLES / "icici.csv").read_text()
    answer = api.post(
        _url(company, bank, "statement/"), {"csv": text}, content_type="application/json"
    )
    assert (answer.status_code, answer.json()) == (201, {"imported": 4, "already_imported": 0})
    body = api.get(_url(company, bank, "statement/"), headers={"Accept": "application/json"}).json()
    assert body["format"]["amount_column"] == 6
    assert len(body["lines"]) == 4
    assert {p["entry_id"] for p in body["proposals"]} == {
        book[n].pk for n in ("receipt", "rent", "neft")
    }
    matches = {str(p["line_id"]): p["entry_id"] for p in body["proposals"]}
    versions = {str(p["voucher_id"]): p["version"] for p in body["proposals"]}
    answer = api.post(
        _url(company, bank, "statement/accept/"),
        json.dumps({"matches": matches, "versions": versions}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert len(answer.json()["matched"]) == 3


def test_a_viewer_may_read_but_not_write(company, charlie, bank, book):
    viewer = client_for(charlie)
    assert (
        viewer.get(_url(company, bank), headers={"Accept": "application/json"}).status_code == 200
    )
    receipt = book["receipt"]
    body = {"dates": {str(receipt.pk): "03-11-2026"}, "versions": {str(receipt.voucher_id): 1}}
    assert (
        viewer.post(_url(company, bank), body, content_type="application/json").status_code == 403
    )


def test_a_plain_receipt_into_the_bank_refreshes_the_open_brs(company, alice, bank, book):
    """No instrument on the line: the bank is known by its group, from the kept balances."""
    receipt = {
        "type": "Receipt",
        "date": "2026-11-27",
        "entries": [
            {"ledger": "HDFC Bank", "debit": "500"},
            {"ledger": "Sharma Enterprises", "credit": "500"},
        ],
    }
    client_for(alice).post(f"/c/{company.pk}/vouchers/", receipt, content_type="application/json")
    assert dom_id("ledger", bank.pk, "reconciliation") in last_refresh(company)
