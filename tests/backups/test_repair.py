"""NOTES.md C.6 (9): repair rebuilds what is derived, moves unreadable vouchers and orphan
entries to the Exceptions list whole (amounts untouched), lists the rest, logs its moves in the
Edit Log, and a second run finds nothing to do."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from backups.archive import backup_write
from backups.models import DataException
from backups.repair import books_repair
from backups.restore import restore
from backups.verify import INFO, books_verify
from books.reconcile import records_reconcile, totals_reconcile
from books.services import company_create
from companies.models import Company
from core.errors import NotAllowed
from editlog.models import Change
from editlog.selectors import editlog_verify
from ledgers.models import Ledger, LedgerDay
from reports.selectors import trial_balance_get
from tests.backups.conftest import entry_amount_set, entry_remove, ids, totals_move
from tests.conftest import make_ledger
from tests.test_bad_input import books_snapshot
from vouchers.models import Entry, Voucher


def repaired(company: Company, actor: Any, **options: Any) -> Any:
    return books_repair(company=company, actor=actor, backup=options.get("backup"))


def sound(company: Company, *, gaps: list[str] = ()) -> None:
    """Nothing left to find but the numbers gone (`gaps`), the Edit Log intact, and the
    books agreeing with it (the fixture's memberships were made without Changes)."""
    company = Company.objects.get(pk=company.pk)
    findings = books_verify(company=company)
    assert [f.message for f in findings if f.severity == INFO] == list(gaps)
    assert [f for f in findings if f.severity > INFO] == []
    assert editlog_verify(company=company) == []
    assert totals_reconcile(company) == []
    assert [
        d for d in records_reconcile(company) if not d.object_key.startswith("membership")
    ] == []


def test_clean_books_are_left_as_they_are(sharma: dict[str, Any], alice: Any) -> None:
    before = books_snapshot()
    report = repaired(sharma["company"], alice)
    assert not report.changed and report.listed == []
    assert books_snapshot() == before


def test_kept_totals_are_rebuilt_from_the_entries(sharma: dict[str, Any], alice: Any) -> None:
    company, sales, rent = sharma["company"], sharma["sales"], sharma["rent"]
    Ledger.objects.filter(pk=sales.pk).update(total_debit=Decimal("7"), total_credit=Decimal("1"))
    LedgerDay.objects.filter(ledger=rent).update(debit=Decimal("1"))
    LedgerDay.objects.create(ledger=rent, date=dt.date(2026, 12, 1), debit=Decimal("3"))
    LedgerDay.objects.filter(ledger=sharma["party"]).delete()
    logged = Change.objects.count()
    report = repaired(company, alice)
    assert report.quarantined == [] and report.listed == []
    assert len(report.rebuilt) == 4
    sales.refresh_from_db()
    assert (sales.total_debit, sales.total_credit) == (Decimal("0.00"), Decimal("102500.00"))
    days = LedgerDay.objects.filter(ledger__in=[rent, sharma["party"]]).order_by(
        "ledger_id", "date"
    )
    assert [(d.ledger_id, d.date, d.debit) for d in days] == [
        (sharma["party"].pk, dt.date(2026, 11, 26), Decimal("102500.00")),
        (rent.pk, dt.date(2026, 11, 27), Decimal("12000.00")),
    ]
    assert Change.objects.count() == logged  # derived figures: in no snapshot, no Change
    sound(company)
    second = repaired(company, alice)
    assert not second.changed and second.listed == []


def test_entries_dates_are_put_back_to_their_vouchers(sharma: dict[str, Any], alice: Any) -> None:
    payment = sharma["payment"]
    Entry.objects.filter(voucher=payment).update(date=dt.date(2026, 11, 30))
    repaired(sharma["company"], alice)
    assert set(Entry.objects.filter(voucher=payment).values_list("date", flat=True)) == {
        dt.date(2026, 11, 27)
    }
    sound(sharma["company"])


def test_an_unbalanced_voucher_moves_whole_to_the_exceptions(
    sharma: dict[str, Any], alice: Any
) -> None:
    company, voucher = sharma["company"], sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    seq = Company.objects.get(pk=company.pk).last_seq
    report = repaired(company, alice)
    (moved,) = report.quarantined
    assert (moved.object_type, moved.object_id, moved.check_id) == ("voucher", voucher.pk, "V01")
    assert moved.message.startswith("Voucher totals do not match: Dr 1,00,500.00")
    # Kept whole, amounts as they were.
    moved.refresh_from_db()
    assert moved.content["voucher"]["number"] == 1
    assert [e["amount"] for e in moved.content["entries"]] == ["100500.00", "-100000.00"]
    assert moved.company == company and moved.moved_by == alice
    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    assert not Entry.objects.filter(voucher_id=voucher.pk).exists()
    # Logged through the unit of work: the voucher's deletion, the exception's creation.
    logged = Change.objects.filter(company=company, seq__gt=seq).order_by("seq")
    assert [(c.verb, c.object_type, c.object_id) for c in logged] == [
        ("delete", "voucher", voucher.pk),
        ("create", "exception", moved.pk),
    ]
    assert logged[0].before["entries"][0]["debit"] == "100500.00"
    assert logged[1].actor == alice
    # Reports no longer read it: the Trial Balance agrees again.
    balance = trial_balance_get(company=company)
    assert balance.total_debit == balance.total_credit == Decimal("14500.00")
    gap = "Sales FY 2026-27: No. 1 not in the books (deleted)"
    sound(company, gaps=[gap])
    second = repaired(company, alice)
    assert not second.changed and [f.message for f in second.listed] == [gap]
    assert Change.objects.filter(company=company).count() == seq + 2


def test_a_voucher_without_entries_moves_to_the_exceptions(
    sharma: dict[str, Any], alice: Any
) -> None:
    voucher = sharma["second"]
    for entry in voucher.entries.all():
        entry_remove(entry)
    (moved,) = repaired(sharma["company"], alice).quarantined
    assert (moved.check_id, moved.content["entries"]) == ("V02", [])
    sound(sharma["company"], gaps=["Sales FY 2026-27: No. 2 not in the books (deleted)"])


def test_an_orphan_entry_moves_to_the_exceptions(sharma: dict[str, Any], alice: Any) -> None:
    party = sharma["party"]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO vouchers_entry (voucher_id, ledger_id, amount, position, date) "
            "VALUES (999999, %s, 50000, 0, '2026-11-26')",
            [party.pk],
        )
    totals_move(party.pk, dt.date(2026, 11, 26), Decimal("500.00"))
    report = repaired(sharma["company"], alice)
    (moved,) = report.quarantined
    assert (moved.object_type, moved.check_id) == ("entry", "M01")
    moved.refresh_from_db()
    assert moved.content["entry"]["voucher_id"] == 999999
    assert moved.content["entry"]["amount"] == "500.00"
    assert report.rebuilt  # the party's totals, without it
    party.refresh_from_db()
    assert party.total_debit == Decimal("102500.00")
    assert books_verify() == []  # D01 too: nothing dangles
    sound(sharma["company"])


def test_what_a_person_must_decide_is_listed_not_touched(
    sharma: dict[str, Any], alice: Any
) -> None:
    """A date outside the books, a ledger in no group, an opening difference: listed, and
    listed again by the second run, which changes nothing either."""
    company = sharma["company"]
    Voucher.objects.filter(pk=sharma["payment"].pk).update(date=dt.date(2027, 4, 2))
    Entry.objects.filter(voucher=sharma["payment"]).update(date=dt.date(2027, 4, 2))
    LedgerDay.objects.filter(ledger__in=[sharma["rent"], sharma["cash"]]).update(
        date=dt.date(2027, 4, 2)
    )
    Ledger.objects.filter(pk=sharma["rent"].pk).update(group=None)
    Ledger.objects.filter(pk=sharma["bank"].pk).update(opening_balance=Decimal("5000"))
    before = books_snapshot()
    report = repaired(company, alice)
    assert not report.changed
    assert ids(report.listed) == {"V07", "M01", "B03"}
    assert books_snapshot() == before
    assert ids(repaired(company, alice).listed) == {"V07", "M01", "B03"}


def test_a_broken_edit_log_is_listed_and_left_alone(sharma: dict[str, Any], alice: Any) -> None:
    from tests.editlog.forgery import sql_as_owner

    company = sharma["company"]
    sql_as_owner(
        "UPDATE editlog_change SET object_repr = 'x' WHERE company_id = %s AND seq = 2",
        [company.pk],
    )
    report = repaired(company, alice)
    assert [(f.check_id, f.object_key) for f in report.listed] == [("A01", "edit_log:2")]
    assert not report.changed


def test_the_safety_backup_is_taken_before_anything_moves(
    sharma: dict[str, Any], alice: Any
) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    seen = []

    def backup(company: Company) -> str:
        seen.append(Voucher.objects.filter(pk=voucher.pk).exists())
        return "/backups/sharma.tsbk"

    report = repaired(sharma["company"], alice, backup=backup)
    assert seen == [True] and report.backup == "/backups/sharma.tsbk"
    assert len(report.quarantined) == 1


def test_a_failed_safety_backup_repairs_nothing(sharma: dict[str, Any], alice: Any) -> None:
    entry_amount_set(sharma["first"].entries.get(position=0), Decimal("100500.00"))
    before = books_snapshot()

    def backup(company: Company) -> str:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        repaired(sharma["company"], alice, backup=backup)
    assert books_snapshot() == before


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_an_owner_repairs(sharma: dict[str, Any], who: str, request: Any) -> None:
    """Repair runs in the company's unit of work for owners: its write lock, and its role."""
    entry_amount_set(sharma["first"].entries.get(position=0), Decimal("100500.00"))
    before = books_snapshot()
    with pytest.raises(NotAllowed, match="this needs owner"):
        repaired(sharma["company"], request.getfixturevalue(who))
    assert books_snapshot() == before


# -- the command -----------------------------------------------------------------------------


def test_the_command_says_what_it_did_and_a_second_run_nothing(
    sharma: dict[str, Any], capsys: Any
) -> None:
    company, voucher = sharma["company"], sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    Ledger.objects.filter(pk=sharma["rent"].pk).update(total_debit=Decimal("1"))
    call_command("repair_books", "--no-backup", "--company", str(company.pk))
    out = capsys.readouterr().out
    head = f"Sharma Traders (id {company.pk}), as alice"
    assert f"{head}: moved voucher:{voucher.pk} to the Exceptions list (V01: " in out
    assert f"{head}: rebuilt ledger:{sharma['rent'].pk}: Rent's totals recomputed" in out
    assert DataException.objects.count() == 1
    call_command("repair_books", "--no-backup", "--company", str(company.pk))
    assert capsys.readouterr().out.splitlines() == [
        f"{head}: left for you: V08 info voucher_type:{voucher.voucher_type_id}: "
        "Sales FY 2026-27: No. 1 not in the books (deleted)",
        f"{head}: nothing to repair",
    ]


def test_the_command_is_recorded_as_the_owner_named(
    sharma: dict[str, Any], capsys: Any, bob: Any
) -> None:
    with pytest.raises(CommandError, match="bob is not an owner"):
        call_command("repair_books", "--no-backup", "--user", "bob")
    call_command("repair_books", "--no-backup", "--user", "alice")
    assert "as alice: nothing to repair" in capsys.readouterr().out


def test_the_command_takes_a_safety_backup_of_the_books_before_repairing(
    sharma: dict[str, Any], capsys: Any, settings: Any, tmp_path: Any
) -> None:
    """The archive (backups.archive) is written under the company's lock, before anything
    moves: it still holds the voucher the repair then moves out."""
    settings.BACKUPS_DIR = tmp_path
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    call_command("repair_books")
    out = capsys.readouterr().out
    (archive,) = tmp_path.glob("*.tsbk")
    assert f"Sharma Traders (id {sharma['company'].pk}), as alice: safety backup {archive}" in out
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    assert manifest["checks"]["vouchers"] == 3  # before the move
    assert not Voucher.objects.filter(pk=voucher.pk).exists()


def test_a_voucher_posting_into_another_company_is_moved_and_both_come_right(
    sharma: dict[str, Any], alice: Any, dave: Any
) -> None:
    """Sharma's voucher posts a line to Dave's ledger: M01 moves the voucher out of Sharma's
    books; Dave's ledger then keeps totals of an entry that is gone, which Dave's repair
    rebuilds."""
    theirs = company_create(
        actor=dave, name="Dave & Sons", financial_year_start=dt.date(2026, 4, 1)
    )
    their_ledger = make_ledger(theirs, dave, "Dave Secret", "Sundry Debtors")
    entry = sharma["first"].entries.get(position=0)
    totals_move(entry.ledger_id, entry.date, entry.amount, back=True)
    totals_move(their_ledger.pk, entry.date, entry.amount)
    Entry.objects.filter(pk=entry.pk).update(ledger=their_ledger)
    (moved,) = repaired(sharma["company"], alice).quarantined
    assert (moved.object_id, moved.check_id) == (sharma["first"].pk, "M01")
    sound(sharma["company"], gaps=["Sales FY 2026-27: No. 1 not in the books (deleted)"])
    assert ids(books_verify(company=theirs)) == {"B01"}
    assert len(repaired(theirs, dave).rebuilt) == 2  # the ledger's totals and its day
    sound(theirs)


def test_the_exceptions_list_comes_back_with_a_restored_copy(
    sharma: dict[str, Any], alice: Any, tmp_path: Any
) -> None:
    """The Exceptions list is part of the books: a backup carries it and a copy restored from
    it lists the same moved voucher, whole — beside the original's (once per company)."""
    company, voucher = sharma["company"], sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    (moved,) = repaired(company, alice).quarantined
    manifest = backup_write(company=Company.objects.get(pk=company.pk), path=tmp_path / "b.tsbk")
    carried = manifest.member("backups.dataexception")
    assert carried is not None and carried.rows == 1
    copy = restore(archive=manifest.path, mode="copy", actor=alice).company
    (listed,) = DataException.objects.filter(company=copy)
    assert (listed.object_type, listed.object_id, listed.check_id) == (
        "voucher",
        voucher.pk,
        "V01",
    )
    assert listed.pk != moved.pk and listed.moved_by == alice
    assert (listed.message, listed.content, listed.moved_at) == (
        moved.message,
        DataException.objects.get(pk=moved.pk).content,
        moved.moved_at,
    )
    assert DataException.objects.filter(company=company).count() == 1
    # The copy's Edit Log records it, as every restored record.
    assert Change.objects.filter(company=copy, object_type="exception", object_id=listed.pk)
