"""A database that is locked by another writer or not there at all: the save fails within
5 s with "Not saved: the database is not available — your entry is kept" (503, never a 500),
nothing is written, and the same save succeeds once the database is back."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client

from core.http import server_error
from tests.conftest import sale
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db(transaction=True)
NOT_AVAILABLE = "Not saved: the database is not available — your entry is kept"


class Holder:
    """Another program holding SQLite's write lock (as a backup tool or a second writer can)."""

    def __init__(self, path: str) -> None:
        self.other: sqlite3.Connection | None = sqlite3.connect(path, timeout=1)
        self.other.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.other is not None:
            self.other.rollback()
            self.other.close()
            self.other = None


@pytest.fixture
def another_writer():
    """Takes SQLite's write lock when called (after the test has signed in), until released."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite write lock")
    holders: list[Holder] = []
    yield lambda: holders.append(Holder(connection.settings_dict["NAME"])) or holders[-1]
    for holder in holders:
        holder.release()


def test_a_script_is_told_within_5_s_and_its_retry_saves(company, api, ledgers, another_writer):
    api.raise_request_exception = False  # the answer is what a script gets, not the exception
    url = f"/c/{company.pk}/vouchers/"
    assert api.get(url).status_code == 200  # signed in: the token's use is noted
    holder = another_writer()
    started = time.monotonic()
    answer = api.post(url, sale("321"), content_type="application/json")
    took = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.json() == {"detail": NOT_AVAILABLE}
    assert took < 5
    holder.release()
    assert not Voucher.objects.exists()
    assert api.post(url, sale("321"), content_type="application/json").status_code == 201
    assert Voucher.objects.count() == 1


def test_a_token_not_used_lately_still_hears_within_5_s(company, api, ledgers, another_writer):
    """The token's last use is noted after the answer: with the write lock held, noting it
    first would have waited 4 s on top of the save's own 4 s."""
    api.raise_request_exception = False
    another_writer()
    started = time.monotonic()
    answer = api.post(f"/c/{company.pk}/vouchers/", sale("321"), content_type="application/json")
    assert answer.status_code == 503
    assert time.monotonic() - started < 5


def test_a_page_keeps_the_typed_voucher(company, alice, ledgers, another_writer):
    client = Client()
    client.force_login(alice)
    another_writer()
    form = {
        "type": "Sales",
        "date": "26-11-2026",
        "narration": "Typed before the lock",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-side": "Dr",
        "entries-0-amount": "4,321.00",
        "entries-1-ledger": "Sales",
        "entries-1-side": "Cr",
        "entries-1-amount": "4,321.00",
    }
    answer = client.post(f"/c/{company.pk}/vouchers/", form)
    page = answer.content.decode()
    assert answer.status_code == 503
    assert f"{NOT_AVAILABLE}." in page
    assert "Typed before the lock" in page and "4,321.00" in page


def test_any_page_is_a_503_that_says_so_when_the_database_is_gone(
    company, alice, ledgers, monkeypatch
):
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    def gone(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", gone)
    page = client.get(f"/c/{company.pk}/vouchers/")
    assert page.status_code == 503
    assert "The database is not available just now" in page.content.decode()
    script = client.post(f"/c/{company.pk}/vouchers/", sale("5"), content_type="application/json")
    assert script.status_code == 503 and script.json() == {"detail": NOT_AVAILABLE}


def test_other_errors_stay_500s(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        answer = server_error(rf.get("/"))
    assert answer.status_code == 500


def test_an_alteration_keeps_its_typing_too(company, alice, voucher, another_writer):
    client = Client()
    client.force_login(alice)
    form = {
        "version": voucher.version,
        "type": "Sales",
        "date": "26-11-2026",
        "narration": "Altered while the database was busy",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-side": "Dr",
        "entries-0-amount": "777.00",
        "entries-1-ledger": "Sales",
        "entries-1-side": "Cr",
        "entries-1-amount": "777.00",
    }
    another_writer()
    answer = client.post(f"/c/{company.pk}/vouchers/{voucher.pk}/", form)
    page = answer.content.decode()
    assert answer.status_code == 503
    assert f"{NOT_AVAILABLE}." in page and "Altered while the database was busy" in page
