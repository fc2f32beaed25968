"""The queries each voucher save costs, counted exactly: create, alter, cancel, delete, both as a
service call and as a JSON request (token), whose commit adds no query on its thread.

The counts are exact on purpose. A change that adds a query fails here and has to say why; one
that saves a query fails too, and lowers the number here in the same commit, so the numbers
only go down. Counted under the test's transaction: the service's durable atomic block is a
savepoint here (SAVEPOINT and RELEASE are counted) where a server sends BEGIN and COMMIT.
The ServerConfig is read beforehand (`config_cached`: a process reads it once per 5 s) and the
token has been used in the last minute (its use is noted at most once a minute).
"""

from __future__ import annotations

import pytest

from books.services import company_create
from tests.conftest import FY_START, sale
from vouchers.models import Voucher, VoucherType
from vouchers.selectors import voucher_type_for_key
from vouchers.services import (
    voucher_alter,
    voucher_cancel,
    voucher_create,
    voucher_delete,
    voucher_numbering_alter,
)

# The service call. create: the ledgers (the draft, before the lock; its voucher type is kept per
# process once read, vouchers.selectors._types_of: types never change after the company's
# seeding), savepoint,
# the membership (the company lock is SQLite's write lock; PostgreSQL locks the company row in
# a query of its own first), the number from its counter (one upsert), voucher, entries, the
# ledger totals (one UPDATE for all), day upsert, Change, last_seq/last_hash, release = 11.
# The lines' ledgers are not read again under the lock: the company's Edit Log has not moved
# since the company was read, before the draft (vouchers.services._ledgers_now).
# alter, cancel and delete read the edit lock, re-read the voucher, bump its version, read its
# old entries and delete them, record the Change and let go of the edit lock (read, delete);
# alter posts the new entries as create does, netting the old ones off the totals in the same
# UPDATE and upsert (and one DELETE of day rows left at zero); cancel and delete take them off
# alone; delete deletes the voucher.
# The party (Sundry Debtors) keeps balances bill-by-bill: create reads the bills named like the
# invoice (Tally's default New Ref takes its number, unless the party has that bill already)
# and writes the allocation (2 more); alter, cancel and delete read the old line's bills and
# delete them (2 more); alter then posts its new line's bill as create does (2 more).
# Delete also lets go of the bank statement lines matched to it (banking: one UPDATE) and
# deletes its Tally identity (tallyxml's TallyKey: one DELETE) and its stock lines (inventory's
# StockLine, cascaded: one DELETE).
SERVICE = {"create": 13, "alter": 21, "cancel": 17, "delete": 21}
# A voucher with no bill-wise line (cash paid for an expense) costs none of those.
PLAIN = {"create": 11, "request": 13}
# The JSON request: the token and the membership (2) around the service;
# alter, cancel and delete first read the voucher and its entries (2 more).
# The request's read of the voucher reads its entries' bills (1 more, for its JSON answer).
REQUEST = {"create": 15, "alter": 26, "cancel": 22, "delete": 26}
# After commit, nothing more on the request's thread: the publish is a nudge, and each server
# process's hub reads and renders the Change (sync.hub; it used to cost 3 to 5 queries here).

ALTERED = sale("120000.00", narration="Invoice 17, corrected")


@pytest.fixture
def warm(config_cached, company, api, ledgers, voucher):
    """The state a busy server is in: configuration read, token noted as used, and the company
    as a request reads it (`member_view`), after the last save."""
    assert api.get(f"/c/{company.pk}/").status_code == 200
    company.refresh_from_db()
    return voucher


def test_voucher_create_service(warm, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["create"]):
        voucher_create(company=company, actor=alice, data=sale())


def test_voucher_alter_service(warm, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["alter"]):
        voucher_alter(company=company, voucher=warm, actor=alice, data=ALTERED, version=1)


def test_voucher_cancel_service(warm, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["cancel"]):
        voucher_cancel(company=company, voucher=warm, actor=alice, version=1)


def test_voucher_delete_service(warm, company, alice, django_assert_num_queries):
    with django_assert_num_queries(SERVICE["delete"]):
        voucher_delete(company=company, voucher=warm, actor=alice, version=1)


def _send(api, company, voucher, path: str):
    base = f"/c/{company.pk}/vouchers/"
    if path == "create":
        return api.post(base, sale(), content_type="application/json")
    if path == "alter":
        body = {**ALTERED, "version": 1}
        return api.post(f"{base}{voucher.pk}/", body, content_type="application/json")
    if path == "cancel":
        return api.post(f"{base}{voucher.pk}/cancel/", {"version": 1}, "application/json")
    return api.delete(f"{base}{voucher.pk}/?version=1")


@pytest.mark.parametrize(
    ("path", "status"), [("create", 201), ("alter", 200), ("cancel", 200), ("delete", 204)]
)
def test_voucher_save_over_http(
    warm,
    company,
    api,
    path,
    status,
    save_counted,
):
    with save_counted(request=REQUEST[path]):
        answer = _send(api, company, warm, path)
    assert answer.status_code == status, answer.content
    assert Voucher.objects.count() == (0 if path == "delete" else 1 + (path == "create"))


CASH_OUT = {
    "type": "Payment",
    "date": "2026-11-26",
    "entries": [{"ledger": "Rent", "debit": "1500"}, {"ledger": "Cash", "credit": "1500"}],
}


def test_a_save_that_warns_of_negative_cash_costs_no_more(
    warm, company, alice, api, django_assert_num_queries, save_counted
):
    """The warning is worked out from the ledgers' totals the save reads under its lock and
    the company row it locks: no query of its own."""
    with django_assert_num_queries(PLAIN["create"]):
        paid = voucher_create(company=company, actor=alice, data=CASH_OUT)
    assert paid.change.warnings == ["Cash will be 1,500.00 Cr after this voucher"]
    with save_counted(request=PLAIN["request"]):
        answer = api.post(f"/c/{company.pk}/vouchers/", CASH_OUT, "application/json")
    assert answer.json()["warnings"] == ["Cash will be 3,000.00 Cr after this voucher"]


def test_each_company_has_its_own_voucher_types_kept(
    company, alice, company_creation_open, django_assert_num_queries
):
    """The types kept per process are the company's own: another company's Sales is its own
    row, and the second look at a company's types reads nothing."""
    other = company_create(actor=alice, name="Other Traders", financial_year_start=FY_START)
    ours = voucher_type_for_key(company=company, key="sales")
    theirs = voucher_type_for_key(company=other, key="Sales")
    assert ours == VoucherType.objects.get(company=company, name="Sales")
    assert theirs == VoucherType.objects.get(company=other, name="Sales")
    assert ours != theirs
    with django_assert_num_queries(0):
        assert voucher_type_for_key(company=other, key=theirs.pk) == theirs
        assert voucher_type_for_key(company=company, key=theirs.pk) is None
        assert voucher_type_for_key(company=company, key="credit_note").name == "Credit Note"


def test_a_prefixed_or_manual_series_costs_what_a_plain_one_does(
    warm, company, alice, django_assert_num_queries
):
    """The type's numbering is read by the statement that takes the number (vouchers.numbering:
    subqueries in its RETURNING), so a prefix costs no query; a manual type adds one, the
    look for the typed Voucher No. in the year."""
    sales = VoucherType.objects.get(company=company, name="Sales")
    voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"prefix": "INV/{fy}/", "width": 4}
    )
    company.refresh_from_db()
    with django_assert_num_queries(SERVICE["create"]):
        made = voucher_create(company=company, actor=alice, data=sale())
    assert made.voucher_no == "INV/26-27/0002"
    voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"method": "manual"}, version=1
    )
    company.refresh_from_db()
    with django_assert_num_queries(SERVICE["create"] + 1):
        voucher_create(company=company, actor=alice, data=sale(number="M-1"))
