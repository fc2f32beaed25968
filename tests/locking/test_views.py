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
