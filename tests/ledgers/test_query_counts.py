"""The queries each ledger save costs, counted exactly: create, alter, delete, both as a service
call and as a JSON request (token), whose commit adds no query on its thread.

The counts are exact on purpose. A change that adds a query fails here and has to say why; one
that saves a query fails too, and lowers the number here in the same commit, so the numbers
only go down. Counted under the test's transaction: the service's durable atomic block is a
savepoint here (SAVEPOINT and RELEASE are counted) where a server sends BEGIN and COMMIT.
The ServerConfig is read beforehand (`config_cached`: a process reads it once per 5 s) and the
token has been used in the last minute (its use is noted at most once a minute).
"""

from __future__ import annotations

import pytest

from ledgers.models import Ledger
from ledgers.services import ledger_alter, ledger_create, ledger_delete
from tests.conftest import make_ledger

NEW = {"name": "Verma Stores", "group": "Sundry Debtors", "opening_debit": "2500.00"}
ALTERED = {"state": "Goa", "gstin": ""}

# The service call. create: group and name taken? (the draft, before the lock), savepoint,
# the membership (the company lock is SQLite's write lock), name taken? again under the lock,
# ledger, Change, last_seq/last_hash, release = 9.
# alter and delete also read the edit lock, re-read the ledger, bump its version and let go
# of the edit lock (read, delete); delete counts the vouchers using it, looks for closing stock
# values (a ledger with some stays) and deletes the ledger with its day rows.
# A ledger under Sundry Debtors keeps balances bill-by-bill (Tally's default): its snapshot
# reads its opening bills (1 each time the Edit Log takes one: create 1, alter 2, delete 1), and
# delete also looks for bills allocated to it (protected) and instruments, and deletes its
# opening bills (3).
# Delete also looks for imported bank statement lines (protected) and deletes the ledger's
# statement format (banking: 2), and deletes its Tally identity (tallyxml: 1).
SERVICE = {"create": 10, "alter": 12, "delete": 21}
# The JSON request: the token and the membership (2) around the service;
# alter and delete first read the ledger (1); create and alter answer with the ledger read
# again (1).
REQUEST = {"create": 13, "alter": 16, "delete": 24}
# After commit, nothing more on the request's thread: the publish is a nudge, and each server
# process's hub reads and renders the Change (sync.hub; it used to cost 3 to 5 queries here).


@pytest.fixture
def party(config_cached, company, alice, api):
    """An unused ledger, on a busy server: configuration read, token noted as used."""
    ledger = make_ledger(company, alice, "Sharma Enterprises", "Sundry Debtors")
    assert api.get(f"/c/{company.pk}/").status_code == 200
    return ledger


def test_ledger_create_service(party, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["create"]):
        ledger_create(company=company, actor=alice, data=NEW)


def test_ledger_alter_service(party, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["alter"]):
        ledger_alter(company=company, ledger=party, actor=alice, data=ALTERED, version=1)


def test_ledger_delete_service(party, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["delete"]):
        ledger_delete(company=company, ledger=party, actor=alice, version=1)


def _send(api, company, ledger, path: str):
    base = f"/c/{company.pk}/ledgers/"
    if path == "create":
        return api.post(base, NEW, content_type="application/json")
    if path == "alter":
        body = {**ALTERED, "version": 1}
        return api.post(f"{base}{ledger.pk}/", body, content_type="application/json")
    return api.delete(f"{base}{ledger.pk}/?version=1")


@pytest.mark.parametrize(("path", "status"), [("create", 201), ("alter", 200), ("delete", 204)])
def test_ledger_save_over_http(
    party,
    company,
    api,
    path,
    status,
    save_counted,
):
    with save_counted(request=REQUEST[path]):
        answer = _send(api, company, party, path)
    assert answer.status_code == status, answer.content
    assert Ledger.objects.filter(name="Verma Stores").exists() is (path == "create")
    assert Ledger.objects.filter(pk=party.pk).exists() is (path != "delete")
