"""On PostgreSQL the Edit Log is append-only in the database itself (editlog migration 0002):
raw SQL cannot alter or delete a Change any more than the ORM can. And whoever gets past the
trigger (the database's owner) still cannot rewrite or cut back the log unnoticed: the chain
is keyed and its head is kept outside the database."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, models, transaction
from django.db.models.deletion import ProtectedError

from companies.models import Company
from editlog.chain import change_content
from editlog.models import AppendOnlyError, Change
from tests.conftest import sale
from tests.editlog.forgery import cut_back, heads_as_committed, rechain_from, sql_as_owner
from vouchers.services import voucher_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


@pytest.fixture
def changes(company, ledgers, alice):
    """A company whose Edit Log has a few Changes (create company, ledgers, one voucher)."""
    voucher_create(company=company, actor=alice, data=sale())
    rows = list(Change.objects.filter(company=company).values_list("seq", "verb"))
    assert len(rows) >= 3
    return rows


def log_rows(company) -> list[tuple[int, str]]:
    return list(Change.objects.filter(company=company).values_list("seq", "verb"))


def test_the_database_is_postgresql():
    """Guard: these tests would prove nothing on SQLite, so they must never run there."""
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_the_trigger_is_installed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'editlog_change'::regclass"
            " AND NOT tgisinternal"
        )
        assert [row[0] for row in cursor.fetchall()] == ["editlog_change_append_only"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE editlog_change SET verb = 'x'",
        "UPDATE editlog_change SET seq = seq + 1000 WHERE seq = 1",
        "DELETE FROM editlog_change",
        "DELETE FROM editlog_change WHERE seq = (SELECT max(seq) FROM editlog_change)",
    ],
)
def test_raw_sql_cannot_alter_or_delete_a_change(company, changes, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert log_rows(company) == changes


def test_orm_update_and_delete_are_refused(company, changes):
    change = Change.objects.filter(company=company).first()
    with pytest.raises(AppendOnlyError):
        Change.objects.filter(company=company).update(verb="x")
    with pytest.raises(AppendOnlyError):
        Change.objects.filter(company=company).delete()
    with pytest.raises(AppendOnlyError):
        Change.objects.bulk_update([change], ["verb"])
    change.verb = "x"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    assert log_rows(company) == changes


def test_bypassing_the_orm_guard_still_hits_the_trigger(company, changes):
    """models.QuerySet.update and _raw_delete skip ChangeQuerySet's refusal: the trigger stays."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        models.QuerySet.update(Change.objects.filter(company=company), verb="x")
    qs = Change.objects.filter(company=company)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        qs._raw_delete(qs.db)
    assert log_rows(company) == changes


def test_a_company_with_an_edit_log_cannot_be_deleted(company, changes):
    with pytest.raises(ProtectedError), transaction.atomic():
        company.delete()
    assert log_rows(company) == changes


def test_inserting_changes_still_works(company, changes, alice):
    """The trigger is BEFORE UPDATE OR DELETE only: the log keeps growing."""
    voucher = voucher_create(company=company, actor=alice, data=sale("5.00"))
    assert voucher.change.seq == len(changes) + 1
    assert log_rows(company) == [*changes, (len(changes) + 1, "create")]


def test_deleting_a_user_who_made_changes_is_refused_cleanly_or_keeps_the_log(
    company, changes, alice
):
    """Either Django refuses the deletion up front (PROTECT: deactivate the user instead), or it
    goes through and every Change stays exactly as written, actor_name included."""
    before = list(Change.objects.filter(company=company).values_list("seq", "actor_id"))
    try:
        with transaction.atomic():
            alice.delete()
    except ProtectedError:
        pass
    after = list(Change.objects.filter(company=company).values_list("seq", "actor_id"))
    assert after == before
    assert set(Change.objects.filter(company=company).values_list("actor_name", flat=True)) == {
        "alice"
    }


def test_an_entry_amount_changed_behind_the_application_fails_the_reconcile(
    company, ledgers, alice
):
    """The trigger guards the Edit Log, not the books: an entry edited in place moves no hash,
    and only the reconcile (the books against their log and their own entries) names it."""
    from books.reconcile import books_reconcile
    from companies.models import Membership
    from editlog.selectors import editlog_verify
    from vouchers.models import Entry

    Membership.objects.filter(company=company).exclude(user=alice).delete()  # fixture's, unlogged
    voucher = voucher_create(company=company, actor=alice, data=sale("700.00"))
    assert books_reconcile(company=company) == []
    entry = Entry.objects.filter(voucher=voucher).order_by("position").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_entry SET amount = 80000 WHERE id = %s", [entry.pk])
    assert editlog_verify(company=company) == []
    found = [str(difference) for difference in books_reconcile(company=company)]
    assert found[0].startswith(f"voucher:{voucher.pk}: entries differ from the Edit Log's")
    assert any("its entries add up to Dr 800.00" in line for line in found), found


def verify_command(*args: str) -> tuple[int, str]:
    """`manage.py verify_editlog` in this process: (exit status, what it printed on stderr)."""
    err = io.StringIO()
    try:
        call_command("verify_editlog", *args, stdout=io.StringIO(), stderr=err)
    except CommandError as exc:
        return 1, f"{err.getvalue()}{exc}"
    return 0, err.getvalue()


@pytest.fixture
def committed(company, ledgers, alice, settings, tmp_path):
    """A dozen Changes on PostgreSQL with their heads in a head file of the test's own."""
    settings.EDITLOG_HEAD_FILE = tmp_path / "editlog_head"
    for amount in ("100.00", "200.00", "300.00", "400.00"):
        voucher_create(company=company, actor=alice, data=sale(amount))
    heads_as_committed()
    assert verify_command("--company", str(company.pk)) == (0, "")
    return company


def test_a_row_rewritten_and_rechained_without_the_key_fails_verify_editlog(committed):
    """The review's forgery on a copy of the database: a row rewritten (past the trigger, as
    its owner can) and every later hash recomputed with the chain's recipe but not its key."""
    company = committed
    sql_as_owner(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = 4",
        [company.pk],
    )
    rechain_from(company, 4, lambda change, prev: unkeyed(change, prev))
    status, err = verify_command("--company", str(company.pk))
    assert status == 1
    assert "first broken seq 4" in err
    assert "Change #4 of Sharma Traders was altered after it was written" in err


def test_the_last_changes_deleted_fail_verify_editlog(committed):
    company = committed
    newest = Company.objects.get(pk=company.pk).last_seq
    cut_back(company, 3)
    status, err = verify_command("--company", str(company.pk))
    assert status == 1
    assert f"Changes #{newest - 2}–#{newest} missing at the end of the Edit Log" in err


def unkeyed(change: Change, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + change_content(change)).encode("ascii")).hexdigest()
