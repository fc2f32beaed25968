"""Idempotency-Key: a retried save (its answer lost to a dropped connection or a killed server)
gets the first answer, never a second voucher or ledger."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from editlog import idempotency
from editlog.idempotency import RequestKey
from editlog.models import Change
from ledgers.models import Ledger
from tests.conftest import client_for, sale
from vouchers.models import Voucher
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db


def post(api, url: str, body: dict, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(url, body, content_type="application/json", headers=headers)


def test_a_retried_voucher_gets_the_first_answer(company, api, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    first = post(api, url, sale("500"), "invoice-7-attempt")
    again = post(api, url, sale("500"), "invoice-7-attempt")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Voucher.objects.count() == 1
    assert Change.objects.filter(object_type="voucher").count() == 1


def test_the_same_key_for_another_request_is_refused(company, api, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    post(api, url, sale("500"), "k-1")
    other = post(api, url, sale("600"), "k-1")
    assert other.status_code == 422
    assert "was used for a different request" in other.json()["detail"]
    assert Voucher.objects.count() == 1


def test_keys_belong_to_their_user(company, api, bob, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    post(api, url, sale("500"), "shared-word")
    bobs = post(client_for(bob), url, sale("500"), "shared-word")
    assert bobs.status_code == 201 and "Idempotent-Replayed" not in bobs
    assert Voucher.objects.count() == 2


def test_without_a_key_each_post_saves(company, api, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    post(api, url, sale("500"), None)
    post(api, url, sale("500"), None)
    assert Voucher.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 101, "tab\there", "ключ"])
def test_a_malformed_key_is_refused_and_nothing_saved(company, api, ledgers, key):
    answer = post(api, f"/c/{company.pk}/vouchers/", sale("500"), key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["errors"]
    assert not Voucher.objects.exists()


def test_an_alteration_retried_is_not_a_stale_version(company, api, voucher):
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    body = {**sale("750"), "version": voucher.version}
    first = post(api, url, body, "alter-1")
    again = post(api, url, body, "alter-1")  # without the key: 409, the version moved on
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Voucher.objects.get().version == voucher.version + 1


def test_a_retried_ledger_gets_the_first_ledger(company, api):
    url = f"/c/{company.pk}/ledgers/"
    body = {"name": "Gupta Stores", "group": "Sundry Debtors", "opening_debit": "100"}
    first = post(api, url, body, "new-ledger-gupta")
    again = post(api, url, body, "new-ledger-gupta")  # without the key: "already exists", 400
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and again.json()["seq"] == first.json()["seq"]
    assert Ledger.objects.filter(name="Gupta Stores").count() == 1


def test_the_database_refuses_a_second_save_under_one_key(company, alice, ledgers):
    """The backstop for two retries racing past the check: the key is unique per user."""
    key = RequestKey(key="race", fingerprint="f" * 64)
    voucher_create(company=company, actor=alice, data=sale("1"), request_key=key)
    with pytest.raises(IntegrityError):
        voucher_create(company=company, actor=alice, data=sale("1"), request_key=key)


@pytest.mark.parametrize("what", ["voucher alter", "ledger create"])
def test_a_retry_racing_the_first_save_gets_its_answer(company, api, voucher, monkeypatch, what):
    """The retry's lookup ran before the first save committed; the save then refuses it (the
    version moved on, the name is taken) and the retry answers from the first save instead."""
    if what == "voucher alter":
        url, body = f"/c/{company.pk}/vouchers/{voucher.pk}/", {**sale("750"), "version": 1}
    else:
        url, body = f"/c/{company.pk}/ledgers/", {"name": "Gupta Stores", "group": "Sundry Debtors"}
    first = post(api, url, body, "racing")
    real = idempotency.change_for_key
    calls = []

    def missed_once(**kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(idempotency, "change_for_key", missed_once)
    again = post(api, url, body, "racing")
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
