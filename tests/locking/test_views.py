"""Locks over HTTP (200 / 423 / 204) and on the alteration screens."""

from __future__ import annotations

from django.test import Client

from locking.models import EditLock
from tests.conftest import client_for


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_post_takes_the_lock_and_another_gets_423(company, alice, bob, voucher):
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/lock/"
    taken = client_for(bob).post(url, {}, content_type="application/json")
    assert taken.status_code == 200
    assert taken.json()["holder"]["name"] == "bob"
    refused = client_for(alice).post(url, {}, content_type="application/json")
    assert refused.status_code == 423
    assert refused.json()["holder"] == {"id": bob.pk, "name": "bob"}
    assert "since" in refused.json()
    altered = client_for(alice).post(
        f"/c/{company.pk}/vouchers/{voucher.pk}/",
        {"narration": "mine", "version": 1},
        content_type="application/json",
    )
    assert altered.status_code == 423
    assert client_for(bob).delete(url).status_code == 204
    assert not EditLock.objects.exists()


def test_the_alteration_screen_takes_the_lock_or_says_who_has_it(company, alice, bob, voucher):
    edit = f"/c/{company.pk}/vouchers/{voucher.pk}/edit/"
    mine = browser(bob).get(edit).content.decode()
    assert f'data-holding="voucher:{voucher.pk}"' in mine
    assert EditLock.objects.get().holder == bob
    theirs = browser(alice).get(edit).content.decode()
    assert "In use by bob since" in theirs
    assert f'data-waiting-for="voucher:{voucher.pk}"' in theirs
    assert 'id="take-over"' in theirs  # alice owns the company
    assert " inert" in theirs


def test_the_ledger_screen_locks_too(company, alice, bob, ledgers):
    edit = f"/c/{company.pk}/ledgers/{ledgers['rent'].pk}/edit/"
    browser(bob).get(edit)
    assert "In use by bob" in browser(alice).get(edit).content.decode()


def test_an_owner_takes_over_over_http(company, alice, bob, voucher):
    client_for(bob).post(f"/c/{company.pk}/vouchers/{voucher.pk}/lock/")
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/lock/break/"
    assert client_for(bob).post(url).status_code == 403
    assert client_for(alice).post(url).status_code == 200
    assert not EditLock.objects.exists()


def test_lists_show_who_holds_what(company, alice, bob, voucher):
    client_for(bob).post(f"/c/{company.pk}/vouchers/{voucher.pk}/lock/")
    page = browser(alice).get(f"/c/{company.pk}/vouchers/?date=2026-11-26").content.decode()
    assert f'"voucher:{voucher.pk}": {{"id": {bob.pk}, "name": "bob"}}' in page
    assert f'data-resource="voucher:{voucher.pk}"' in page


def test_locks_are_only_for_records_of_this_company(company, alice, dave, voucher):
    from books.services import company_create

    other = company_create(actor=dave, name="Gupta & Sons")
    assert client_for(alice).post(f"/c/{company.pk}/vouchers/999999/lock/").status_code == 404
    assert client_for(dave).post(f"/c/{other.pk}/vouchers/{voucher.pk}/lock/").status_code == 404
    assert not EditLock.objects.exists()


def test_a_refused_save_keeps_the_lock_for_the_re_shown_form(company, bob, voucher):
    client = browser(bob)
    client.get(f"/c/{company.pk}/vouchers/{voucher.pk}/edit/")
    answer = client.post(
        f"/c/{company.pk}/vouchers/{voucher.pk}/",
        {
            "version": "1",
            "entries-0-ledger": "Cash",
            "entries-0-side": "Dr",
            "entries-0-amount": "1",
        },
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert f'data-holding="voucher:{voucher.pk}"' in html
    connection = EditLock.objects.get().connection_id
    assert f'data-connection="{connection}"' in html


def test_viewers_get_no_entry_forms(company, charlie):
    assert browser(charlie).get(f"/c/{company.pk}/vouchers/new/?type=sales").status_code == 403
    assert browser(charlie).get(f"/c/{company.pk}/ledgers/new/").status_code == 403
