"""Idempotency-Key: a retried save (its answer lost to a dropped connection or a killed server)
gets the first answer, never a second voucher or ledger."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from editlog import idempotency
from editlog.idempotency import RequestKey
from editlog.models import Change
from ledgers.models import Ledger
from tests.conftest import client_for, sale
from vouchers.models import Voucher
from vouchers.services import voucher_create, voucher_delete

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


# The voucher form's outbox (static/outbox.js) posts the page's form with an Idempotency-Key
# per draft, as htmx does (HX-Request): a retry after a lost answer is saved once too.


def page_rows(amount: str, narration: str = "Kept while the server was away") -> dict:
    return {
        "type": "sales",
        "date": "26-11-2026",
        "narration": narration,
        "entries-0-side": "Dr",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-amount": amount,
        "entries-1-side": "Cr",
        "entries-1-ledger": "Sales",
        "entries-1-amount": amount,
    }


@pytest.fixture
def page(alice):
    client = Client()
    client.force_login(alice)
    return client


def page_post(page, url: str, data: dict, key: str, *, htmx: bool = True):
    headers = {"Idempotency-Key": key, **({"HX-Request": "true"} if htmx else {})}
    return page.post(url, data, headers=headers)


def test_a_page_retried_with_its_key_saves_one_voucher_and_says_when(company, page, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    first = page_post(page, url, page_rows("5,000"), "draft-1")
    assert first.status_code == 200  # htmx's client redirect: the browser goes there itself
    assert first["HX-Redirect"].startswith(f"/c/{company.pk}/vouchers/new/?type=sales")
    again = page_post(page, url, page_rows("5,000"), "draft-1")
    voucher = Voucher.objects.get()
    assert again["HX-Redirect"] == f"/c/{company.pk}/vouchers/{voucher.pk}/"
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    change = Change.objects.get(object_type="voucher")
    shown = [str(m) for m in get_messages(again.wsgi_request)]
    at = timezone.localtime(change.at)
    assert shown[-1] == (
        f"Sales No. 1 was saved at {at:%H:%M:%S} on {at:%d-%b-%Y} (Edit Log #{change.seq}); "
        "it is saved once."
    )
    assert Voucher.objects.count() == 1


def test_a_plain_page_post_with_a_key_is_still_a_redirect(company, page, ledgers):
    answer = page_post(page, f"/c/{company.pk}/vouchers/", page_rows("700"), "k", htmx=False)
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"/c/{company.pk}/vouchers/new/?type=sales")


def test_a_refused_page_keeps_its_key_for_the_corrected_save(company, page, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    unbalanced = {**page_rows("5,000"), "entries-1-amount": "4,000"}
    refused = page_post(page, url, unbalanced, "draft-2")
    assert refused.status_code == 422 and "Debit 5,000.00" in refused.content.decode()
    saved = page_post(page, url, page_rows("5,000"), "draft-2")
    assert "HX-Redirect" in saved and "Idempotent-Replayed" not in saved
    assert Voucher.objects.count() == 1


def test_a_page_retry_racing_the_first_save_gets_its_answer(company, page, ledgers, monkeypatch):
    url = f"/c/{company.pk}/vouchers/"
    page_post(page, url, page_rows("900"), "racing-page")
    real = idempotency.change_for_key
    calls = []

    def missed_once(**kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(idempotency, "change_for_key", missed_once)
    again = page_post(page, url, page_rows("900"), "racing-page")
    assert again["Idempotent-Replayed"] == "true"
    assert again["HX-Redirect"] == f"/c/{company.pk}/vouchers/{Voucher.objects.get().pk}/"


def test_a_page_alteration_retried_is_not_a_stale_version(company, page, voucher):
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    data = {**page_rows("750"), "version": "1"}
    first = page_post(page, url, data, "alter-once")
    again = page_post(page, url, data, "alter-once")
    assert first["HX-Redirect"] == again["HX-Redirect"] == url
    assert again["Idempotent-Replayed"] == "true"
    assert Change.objects.filter(object_type="voucher", verb="alter").count() == 1


def test_a_retry_of_a_voucher_deleted_since_goes_to_its_edit_log_entry(company, page, ledgers):
    url = f"/c/{company.pk}/vouchers/"
    page_post(page, url, page_rows("300"), "gone-since")
    created = Change.objects.get(object_type="voucher")
    voucher = Voucher.objects.get()
    voucher_delete(company=company, voucher=voucher, actor=voucher.created_by, version=1)
    again = page_post(page, url, page_rows("300"), "gone-since")
    assert again["HX-Redirect"] == f"/c/{company.pk}/editlog/?before={created.seq + 1}"
    assert not Voucher.objects.exists()
