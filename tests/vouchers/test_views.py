"""/c/<cid>/vouchers/ over HTTP: Day Book, create, get, alter, cancel, delete."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from locking.services import lock_acquire
from tests.conftest import balance, client_for, sale
from vouchers.models import Voucher
from vouchers.services import voucher_create


def test_create_answers_the_voucher_with_its_number_version_and_seq(company, api, ledgers):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(number=42), content_type="application/json"
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["number"], body["version"], body["type"]) == (1, 1, "Sales")
    assert body["seq"] == company.last_seq + 7  # six ledgers were created after the company
    assert body["entries"][1] == {
        "ledger_id": ledgers["sales"].pk,
        "ledger": "Sales",
        "credit": "100000.00",
    }


def test_create_from_a_form_body(company, api, ledgers):
    form = {
        "type": "Sales",
        "date": "26-Nov-2026",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-debit": "1,00,000.00",
        "entries-1-ledger": "Sales",
        "entries-1-credit": "100000",
        "entries-2-ledger": "",
        "entries-2-debit": "",
    }
    answer = api.post(f"/c/{company.pk}/vouchers/", form)
    assert answer.status_code == 201, answer.json()
    assert balance(ledgers["party"]) == Decimal("100000.00")


def test_alter_cancel_and_delete_over_http(company, api, ledgers, voucher):
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    altered = api.post(url, {"narration": "Bill 17", "version": 1}, content_type="application/json")
    assert altered.json()["version"] == 2
    stale = api.post(url, {"narration": "again", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert (stale.json()["current_version"], stale.json()["altered_by"]) == (2, "alice")
    cancelled = api.post(f"{url}cancel/", {"version": 2}, content_type="application/json")
    assert cancelled.json()["cancelled"] is True
    assert api.delete(f"{url}?version=3").status_code == 204
    assert not Voucher.objects.exists()


def test_a_viewer_reads_but_cannot_write(company, charlie, voucher):
    client = client_for(charlie)
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": 1}, content_type="application/json").status_code == 403
    assert client.delete(f"{url}?version=1").status_code == 403
    assert Voucher.objects.filter(pk=voucher.pk).exists()


def test_another_companys_voucher_is_404(company, voucher, dave):
    from books.services import company_create

    other = company_create(actor=dave, name="Gupta & Sons")
    client = client_for(dave)
    assert client.get(f"/c/{company.pk}/vouchers/{voucher.pk}/").status_code == 404
    assert client.get(f"/c/{other.pk}/vouchers/{voucher.pk}/").status_code == 404
    deleted = client.delete(f"/c/{other.pk}/vouchers/{voucher.pk}/?version=1")
    assert deleted.status_code == 404
    assert Voucher.objects.filter(pk=voucher.pk).exists()


@pytest.mark.parametrize("count", [2, 20])
def test_the_day_book_reads_in_a_fixed_number_of_queries(
    config_cached, company, alice, api, ledgers, count
):
    for _ in range(count):
        voucher_create(company=company, actor=alice, data=sale())
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(f"/c/{company.pk}/vouchers/?date=2026-11-26")
    assert len(answer.json()["vouchers"]) == count
    assert len(queries) <= 6  # token, membership, vouchers, entries with ledgers


def test_the_day_book_refuses_a_bad_range(company, api):
    answer = api.get(f"/c/{company.pk}/vouchers/?from=2026-11-26&to=2026-01-01")
    assert answer.status_code == 400
    assert "to" in answer.json()["errors"]


def test_a_periods_day_book_has_each_day_and_moves_by_its_length(company, alice, ledgers):
    client = Client()  # a browser: the page, not JSON
    client.force_login(alice)
    url = f"/c/{company.pk}/vouchers/?from=2026-11-24&to=2026-11-26"
    empty = client.get(url).content.decode()
    assert 'Day Book <span class="muted">24-Nov-2026 to 26-Nov-2026</span>' in empty
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        assert f'id="day-book-{day}-rows"' in empty
    assert "No vouchers in this period." in empty
    assert "No vouchers on this day." not in empty
    assert empty.count("No vouchers") == 1  # once for the period, not per quiet day
    assert "?from=2026-11-21&amp;to=2026-11-23" in empty  # the three days before
    assert "?from=2026-11-27&amp;to=2026-11-29" in empty

    voucher = voucher_create(company=company, actor=alice, data=sale("2,500"))  # 26-Nov
    page = client.get(url).content.decode()
    rows = page.index('id="day-book-2026-11-26-rows"')
    assert page.index(f'id="voucher-{voucher.pk}"') > rows > page.index('id="day-book-2026-11-25')


def test_an_alteration_with_every_line_cleared_is_refused_and_keeps_the_voucher(
    company, alice, ledgers, voucher
):
    """Emptying every row on the alteration screen is a voucher without lines, not "keep the
    lines it had"."""
    browser = Client()
    browser.force_login(alice)
    form = {
        "type": "sales",
        "date": "26-Nov-2026",
        "version": "1",
        "entries-0-side": "Dr",
        "entries-0-ledger": "",
        "entries-0-amount": "",
        "entries-1-side": "Cr",
        "entries-1-ledger": "",
        "entries-1-amount": "",
    }
    answer = browser.post(f"/c/{company.pk}/vouchers/{voucher.pk}/", form)
    assert answer.status_code == 422
    assert "A voucher needs at least two lines." in answer.content.decode()
    voucher.refresh_from_db()
    assert (voucher.version, voucher.entries.count()) == (1, 2)


def test_a_locked_alteration_shows_the_vouchers_totals(company, alice, bob, ledgers, voucher):
    """Someone else holds the voucher: the form is read-only, and the entry script (which
    adds up what is typed) leaves it alone, so its totals come from the server."""
    lock_acquire(company=company, resource=f"voucher:{voucher.pk}", actor=alice)
    client = Client()
    client.force_login(bob)
    html = client.get(f"/c/{company.pk}/vouchers/{voucher.pk}/edit/").content.decode()
    assert "In use by alice" in html and " inert" in html
    assert '<span id="total-debit">1,00,000.00</span> Dr' in html
    assert '<span id="total-credit">1,00,000.00</span> Cr' in html


def test_a_new_voucher_shows_zero_totals_and_a_refused_one_what_was_typed(company, alice, ledgers):
    client = Client()
    client.force_login(alice)
    blank = client.get(f"/c/{company.pk}/vouchers/new/?type=sales").content.decode()
    assert '<span id="total-debit">0.00</span>' in blank
    typed = {
        "type": "sales",
        "date": "26-11-2026",
        "entries-0-side": "Dr",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-amount": "1,18,000",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Sales",
        "entries-1-amount": "abc",
    }
    refused = client.post(f"/c/{company.pk}/vouchers/", typed).content.decode()
    assert '<span id="total-debit">1,18,000.00</span>' in refused
    assert '<span id="total-credit">0.00</span>' in refused
