"""`verify_editlog --reconcile` (books.reconcile): the books as their Edit Log says they are,
and each ledger's totals as its entries add up — an entry's amount edited in the database file
moves no hash, but it is found and named here."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from books.reconcile import books_reconcile
from books.services import member_set
from companies.models import Membership
from ledgers.services import ledger_alter
from tests.conftest import sale
from vouchers.models import Entry
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete


@pytest.fixture
def busy_books(ledgers, voucher, alice, dave):
    """A company whose records went through every kind of save (its members added by the
    owner: the `company` fixture adds two directly, which reconcile would rightly name)."""
    company = voucher.company
    Membership.objects.filter(company=company).exclude(user=alice).delete()
    member_set(company=company, actor=alice, username="bob", role="accountant")
    second = voucher_create(company=company, actor=alice, data=sale("250.00"))
    voucher_alter(company=company, voucher=voucher, actor=alice, data=sale("900.00"), version=1)
    third = voucher_create(company=company, actor=alice, data=sale("10.00"))
    voucher_cancel(company=company, voucher=third, actor=alice, version=1)
    voucher_delete(company=company, voucher=second, actor=alice, version=1)
    ledger_alter(
        company=company, ledger=ledgers["rent"], actor=alice, data={"state": "Goa"}, version=1
    )
    member_set(company=company, actor=alice, username="dave", role="viewer")
    return company


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_books_saved_through_the_application_reconcile(busy_books):
    assert books_reconcile(company=busy_books) == []


def test_an_entry_amount_changed_in_the_database_is_named(busy_books, voucher, ledgers):
    entry = Entry.objects.get(voucher=voucher, ledger=ledgers["party"])
    raw("UPDATE vouchers_entry SET amount = amount + 100 WHERE id = %s", [entry.pk])
    found = [str(d) for d in books_reconcile(company=busy_books)]
    assert f"voucher:{voucher.pk}: entries differ from the Edit Log's" in found[0]
    assert any(
        d.startswith(f"ledger:{ledgers['party'].pk}: Sharma Enterprises's totals are Dr 900.00")
        and "its entries add up to Dr 901.00" in d
        for d in found
    ), found


def test_a_voucher_deleted_or_added_behind_the_application_is_named(busy_books, voucher):
    entries = "SELECT id FROM vouchers_entry WHERE voucher_id = %s"
    raw(f"DELETE FROM vouchers_billallocation WHERE entry_id IN ({entries})", [voucher.pk])
    raw("DELETE FROM vouchers_entry WHERE voucher_id = %s", [voucher.pk])
    raw("DELETE FROM vouchers_voucher WHERE id = %s", [voucher.pk])
    found = [str(d) for d in books_reconcile(company=busy_books)]
    assert f"voucher:{voucher.pk}: is in the Edit Log (#" in found[0]
    assert found[0].endswith("but not in the books")


def test_the_command_exits_1_naming_the_difference(busy_books, voucher):
    call_command("verify_editlog", "--reconcile", company=busy_books.pk)  # intact: no error
    raw("UPDATE vouchers_voucher SET narration = 'changed' WHERE id = %s", [voucher.pk])
    call_command("verify_editlog", company=busy_books.pk)  # the chain alone sees nothing
    with pytest.raises(CommandError, match="books or Edit Log of 1 company is damaged"):
        call_command("verify_editlog", "--reconcile", company=busy_books.pk)
