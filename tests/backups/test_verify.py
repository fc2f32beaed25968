"""NOTES.md C.6 (9) and (10): each defect seeded behind the application's back is reported by
exactly its check, and the verifier writes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from backups import verify
from backups.folder import archive_write
from backups.sqlite_copy import integrity_check
from backups.verify import ERROR, INFO, Found, Severity, books_verify, checks, has_errors
from books.services import company_create
from companies.models import Company
from editlog.chain import chain_key, change_hash
from ledgers.models import Group, Ledger, LedgerDay
from tests.backups.conftest import (
    entry_amount_set,
    entry_remove,
    found,
    ids,
    totals_move,
    voucher_redate,
)
from tests.conftest import make_ledger, sale
from tests.editlog.forgery import cut_back, heads_as_committed, rechain_from, sql_as_owner
from tests.test_bad_input import books_snapshot
from vouchers.models import Entry, Voucher, VoucherCounter
from vouchers.services import voucher_create, voucher_delete

CHECKS = {"V01", "V02", "V07", "V08", "M01", "M02", "B01", "B03", "B05", "B06", "D01", "A01"}


def test_the_registry_holds_the_checks_of_the_apps_there_are() -> None:
    """V03–V06, B02 and B04 belong to inventory and cost centres: they register when those
    apps exist."""
    assert {c.id for c in checks()} == CHECKS
    assert all(c.title and isinstance(c.severity, Severity) for c in checks())


def test_clean_books_report_nothing(sharma: dict[str, Any]) -> None:
    assert found(sharma["company"]) == []
    assert books_verify() == []  # every company, and the database file


def test_a_check_registered_later_runs_with_the_others(
    sharma: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "_checks", dict(verify._checks))
    verify.check("X99", ERROR, "Every voucher is numbered")(
        lambda company: [Found("company", company.pk, "seen")]
    )
    findings = found(sharma["company"])
    assert [(f.check_id, f.object_key, f.message) for f in findings] == [
        ("X99", f"company:{sharma['company'].pk}", "seen")
    ]


def test_the_verifier_writes_nothing(sharma: dict[str, Any]) -> None:
    """Read-only: every statement it sends is a SELECT (or a PRAGMA that reads), and the
    books are as they were — even with defects there to find."""
    entry_amount_set(sharma["first"].entries.first(), Decimal("100500.00"))
    before = books_snapshot()
    with CaptureQueriesContext(connection) as queries:
        findings = books_verify()
    assert ids(findings) == {"V01"}
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert set(statements) <= {"SELECT", "PRAGMA"}, statements
    assert books_snapshot() == before


# -- V ---------------------------------------------------------------------------------------


def test_v01_a_voucher_whose_totals_do_not_match(sharma: dict[str, Any]) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    findings = found(sharma["company"])
    assert ids(findings) == {"V01"}
    (finding,) = findings
    assert finding.object_key == f"voucher:{voucher.pk}"
    assert finding.message == (
        "Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00 (difference 500.00 Dr)"
    )
    assert finding.severity == ERROR


def test_b05_alone_finds_the_same_voucher_in_the_trial_balance(sharma: dict[str, Any]) -> None:
    """B05 rolls up: with V01 run it says nothing more; alone it sees the difference."""
    entry_amount_set(sharma["first"].entries.get(position=0), Decimal("100500.00"))
    (finding,) = found(sharma["company"], ids=["B05"])
    assert finding.check_id == "B05" and finding.severity == Severity.CRITICAL
    assert "Dr 1,15,000.00, Cr 1,14,500.00" in finding.message


def test_v02_a_voucher_with_one_entry(sharma: dict[str, Any]) -> None:
    voucher = sharma["second"]
    entry_remove(voucher.entries.get(position=1))
    findings = found(sharma["company"])
    assert [(f.check_id, f.object_key) for f in findings] == [("V02", f"voucher:{voucher.pk}")]
    assert "has one entry" in findings[0].message


def test_v02_a_voucher_with_no_entries(sharma: dict[str, Any]) -> None:
    voucher = sharma["second"]
    for entry in voucher.entries.all():
        entry_remove(entry)
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.message) == ("V02", "Sales No. 2 No entries in voucher")


def test_v07_a_voucher_dated_before_the_books_begin(sharma: dict[str, Any]) -> None:
    voucher = sharma["payment"]
    voucher_redate(voucher, dt.date(2026, 3, 31))
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.object_key) == ("V07", f"voucher:{voucher.pk}")
    assert "dated 31-Mar-2026, before the books begin on 01-Apr-2026" in finding.message


def test_v07_a_voucher_dated_outside_its_financial_year(sharma: dict[str, Any]) -> None:
    voucher = sharma["payment"]
    voucher_redate(voucher, dt.date(2027, 4, 2))
    (finding,) = found(sharma["company"])
    assert finding.check_id == "V07"
    assert finding.message == "Payment No. 1 is dated 02-Apr-2027 but numbered in FY 2026-27"


def test_v08_a_number_the_counter_would_give_again(sharma: dict[str, Any]) -> None:
    VoucherCounter.objects.filter(company=sharma["company"], voucher_type__name="Sales").update(
        last_number=1
    )
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.severity) == ("V08", ERROR)
    assert finding.object_key == f"voucher:{sharma['second'].pk}"
    assert "would be given No. 2 again" in finding.message


def test_v08_a_deleted_voucher_leaves_a_gap_which_is_only_information(
    sharma: dict[str, Any], alice: Any
) -> None:
    company = sharma["company"]
    third = voucher_create(company=company, actor=alice, data=sale("10"))
    voucher_delete(company=company, voucher=sharma["second"], actor=alice, version=1)
    voucher_delete(company=company, voucher=third, actor=alice, version=1)
    voucher_create(company=company, actor=alice, data=sale("20"))
    findings = found(company)
    assert [(f.check_id, f.severity) for f in findings] == [("V08", INFO)]
    assert findings[0].message == "Sales FY 2026-27: No. 2–3 not in the books (deleted)"
    assert not has_errors(findings)


def _voucher_numbers_unguarded() -> None:
    """The unique constraint on voucher numbers gone from the database (a file written
    without it, or a constraint dropped by hand), for this test's transaction only: SQLite
    keeps it in the table's definition, so the table is rebuilt without it."""
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute("ALTER TABLE vouchers_voucher DROP CONSTRAINT voucher_number_unique")
            return
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'vouchers_voucher'")
        (sql,) = cursor.fetchone()
        unguarded = re.sub(r', CONSTRAINT "voucher_number_unique" UNIQUE \([^)]*\)', "", sql)
        assert unguarded != sql
        cursor.execute(unguarded.replace('"vouchers_voucher"', '"vouchers_voucher_unguarded"'))
        cursor.execute("INSERT INTO vouchers_voucher_unguarded SELECT * FROM vouchers_voucher")
        cursor.execute("DROP TABLE vouchers_voucher")  # the entries' keys are deferred
        cursor.execute("ALTER TABLE vouchers_voucher_unguarded RENAME TO vouchers_voucher")


def test_v08_a_number_used_twice(sharma: dict[str, Any]) -> None:
    """Sales No. 2 renumbered 1 in the database: the duplicate is an error, and No. 2, given
    by the counter and now in no voucher, a gap."""
    _voucher_numbers_unguarded()
    second = sharma["second"]
    Voucher.objects.filter(pk=second.pk).update(number=1)
    findings = found(sharma["company"])
    assert [(f.check_id, f.severity, f.object_key) for f in findings] == [
        ("V08", ERROR, f"voucher:{second.pk}"),
        ("V08", INFO, f"voucher_type:{second.voucher_type_id}"),
    ]
    assert findings[0].message == "Sales FY 2026-27: No. 1 is used by 2 vouchers"
    assert findings[1].message == "Sales FY 2026-27: No. 2 not in the books (deleted)"


def test_v08_counts_ranges() -> None:
    assert verify._ranges([1, 3, 4, 5, 9, 11, 12]) == "1, 3–5, 9, 11–12"


# -- M ---------------------------------------------------------------------------------------


def test_m01_an_entry_whose_voucher_is_gone(sharma: dict[str, Any]) -> None:
    party = sharma["party"]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO vouchers_entry (voucher_id, ledger_id, amount, position, date) "
            "VALUES (999999, %s, 50000, 0, '2026-11-26')",
            [party.pk],
        )
    totals_move(party.pk, dt.date(2026, 11, 26), Decimal("500.00"))
    orphan = Entry.objects.get(voucher_id=999999)
    findings = books_verify()  # D01 sees the dangling row too: M01 names it, with its company
    assert [(f.check_id, f.object_key) for f in findings] == [("M01", f"entry:{orphan.pk}")]
    assert findings[0].message == "entry of 500.00 Dr is of voucher #999999, which is gone"
    assert found(sharma["company"], ids=["D01"])[0].object_key == f"entry:{orphan.pk}"


def test_m01_a_line_posted_to_another_companys_ledger(sharma: dict[str, Any], dave: Any) -> None:
    theirs = company_create(
        actor=dave, name="Dave & Sons", financial_year_start=dt.date(2026, 4, 1)
    )
    their_ledger = make_ledger(theirs, dave, "Dave Secret", "Sundry Debtors")
    entry = sharma["first"].entries.get(position=0)
    totals_move(entry.ledger_id, entry.date, entry.amount, back=True)
    totals_move(their_ledger.pk, entry.date, entry.amount)
    Entry.objects.filter(pk=entry.pk).update(ledger=their_ledger)
    findings = found(sharma["company"])
    assert [(f.check_id, f.object_key) for f in findings] == [
        ("M01", f"voucher:{sharma['first'].pk}")
    ]
    assert findings[0].message == "line 1 posts to Dave Secret of another company (Dave & Sons)"


def test_m01_a_ledger_in_no_group(sharma: dict[str, Any]) -> None:
    Ledger.objects.filter(pk=sharma["rent"].pk).update(group=None)
    ledger = sharma["rent"]
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.object_key) == ("M01", f"ledger:{ledger.pk}")
    assert finding.message == "Rent is in no group"


def test_m01_a_ledger_whose_group_is_gone(sharma: dict[str, Any]) -> None:
    Ledger.objects.filter(pk=sharma["rent"].pk).update(group_id=999999)
    findings = books_verify()
    assert [(f.check_id, f.message) for f in findings] == [("M01", "Rent's group #999999 is gone")]


def test_m02_groups_that_are_their_own_parents(sharma: dict[str, Any], alice: Any) -> None:
    company = sharma["company"]
    debtors = Group.objects.get(company=company, name="Sundry Debtors")
    branch = Group.objects.create(
        company=company, name="Branch Debtors", parent=debtors, nature=debtors.nature
    )
    Group.objects.filter(pk=debtors.pk).update(parent=branch)
    (finding,) = found(company)
    assert (finding.check_id, finding.object_key) == ("M02", f"group:{debtors.pk}")
    assert "Sundry Debtors → Branch Debtors → Sundry Debtors" in finding.message


# -- B ---------------------------------------------------------------------------------------


def test_b01_a_ledgers_kept_totals_differ_from_its_entries(sharma: dict[str, Any]) -> None:
    Ledger.objects.filter(pk=sharma["sales"].pk).update(total_credit=Decimal("1.00"))
    findings = found(sharma["company"])  # B05 too sees it: B01 names the ledger
    assert [(f.check_id, f.object_key) for f in findings] == [
        ("B01", f"ledger:{sharma['sales'].pk}")
    ]
    assert findings[0].message == (
        "Sales's totals are Dr 0.00 / Cr 1.00, its entries add up to Dr 0.00 / Cr 1,02,500.00"
    )


def test_b01_a_day_total_differs(sharma: dict[str, Any]) -> None:
    LedgerDay.objects.filter(ledger=sharma["rent"]).update(debit=Decimal("1"))
    (finding,) = found(sharma["company"])
    assert finding.check_id == "B01"
    assert finding.message == (
        "the day total of 27-Nov-2026 is Dr 1.00 / Cr 0.00, its entries' Dr 12,000.00 / Cr 0.00"
    )


def test_b01_entries_carrying_another_date_than_their_voucher(sharma: dict[str, Any]) -> None:
    Voucher.objects.filter(pk=sharma["payment"].pk).update(date=dt.date(2026, 11, 28))
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.object_key) == ("B01", f"voucher:{sharma['payment'].pk}")
    assert finding.message == "entries carry a date other than its 28-Nov-2026"


def test_b03_a_difference_in_opening_balances(sharma: dict[str, Any]) -> None:
    Ledger.objects.filter(pk=sharma["bank"].pk).update(opening_balance=Decimal("5000"))
    (finding,) = found(sharma["company"])
    assert (finding.check_id, finding.severity) == ("B03", Severity.WARNING)
    assert "differ by 5,000.00 Dr" in finding.message
    assert not has_errors([finding])


# -- D and A ---------------------------------------------------------------------------------


def test_d01_a_row_pointing_at_nothing(sharma: dict[str, Any]) -> None:
    """A day total of a ledger that is gone belongs to no company: only D01 sees it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledgers_ledgerday (ledger_id, date, debit, credit) "
            "VALUES (999999, '2026-11-26', 100, 0)"
        )
    findings = books_verify()
    assert [(f.check_id, f.object_type, f.company_id) for f in findings] == [
        ("D01", "ledgerday", None)
    ]
    assert "refers to a row of ledgers_ledger that does not exist" in findings[0].message
    assert found(sharma["company"], database=False) == []


def _index_damaged(path: Path, *, index: str, key: bytes, into: bytes) -> None:
    """Overwrite `key` with `into` (as long) in the root page of `index` in the SQLite file at
    `path`: the index then names a row the table does not hold — a torn or bit-flipped page."""
    with contextlib.closing(sqlite3.connect(path)) as database:
        (page_size,) = database.execute("PRAGMA page_size").fetchone()
        (root,) = database.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", [index]
        ).fetchone()
    assert len(into) == len(key)
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        page = file.read(page_size)
        assert page[0] == 0x0A and key in page  # a leaf page of an index, holding the key
        file.seek((root - 1) * page_size)
        file.write(page.replace(key, into, 1))


@contextlib.contextmanager
def _database_at(path: Path) -> Iterator[None]:
    """The server's database connection opened on the file at `path` for a while (the
    test's own, with its transaction, is put back after)."""
    here = connections[DEFAULT_DB_ALIAS]
    there = type(here)({**here.settings_dict, "NAME": str(path)}, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = there
    try:
        yield
    finally:
        there.close()
        connections[DEFAULT_DB_ALIAS] = here


def test_d01_a_database_file_whose_integrity_check_fails(
    sharma: dict[str, Any], tmp_path: Path
) -> None:
    """A real damaged file: a copy of this test's database (its schema and rows, as SQL:
    the backup API waits forever on the test's open transaction) with a key in an index page
    overwritten, then verified as the server's database."""
    if connection.vendor != "sqlite":
        pytest.skip("PRAGMA integrity_check is SQLite's (PostgreSQL: unvalidated constraints)")
    damaged = tmp_path / "damaged.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(damaged)) as target:
        target.executescript("\n".join(connection.connection.iterdump()))
    assert integrity_check(damaged) == ["ok"]
    _index_damaged(damaged, index="ledger_name_unique", key=b"hdfc bank", into=b"hdfc bonk")
    assert integrity_check(damaged) != ["ok"]
    with _database_at(damaged):
        findings = books_verify(ids=["D01"])
        everything = books_verify()
    assert findings, "D01 found nothing in a damaged file"
    assert {(f.check_id, f.severity, f.object_type) for f in findings} == {
        ("D01", Severity.CRITICAL, "database")
    }
    assert any(
        f.message.startswith("integrity_check: ") and "ledger_name_unique" in f.message
        for f in findings
    ), [f.message for f in findings]
    assert ids(everything) == {"D01"}  # the books themselves are sound
    assert found(sharma["company"]) == []  # and the test's own database was never touched


def test_a01_a_past_change_edited_in_the_database_fails_at_its_seq(sharma: dict[str, Any]) -> None:
    company = sharma["company"]
    sql_as_owner(
        "UPDATE editlog_change SET object_repr = 'Sales No. 9' WHERE company_id = %s AND seq = 3",
        [company.pk],
    )
    (finding,) = found(company)
    assert (finding.check_id, finding.object_key) == ("A01", "edit_log:3")
    assert "Change #3 of Sharma Traders was altered" in finding.message


def test_a01_the_last_change_deleted_is_found_against_the_head(sharma: dict[str, Any]) -> None:
    company = sharma["company"]
    heads_as_committed()
    last = cut_back(company, 1)
    (finding,) = found(Company.objects.get(pk=company.pk))
    assert (finding.check_id, finding.object_key) == ("A01", f"edit_log:{last + 1}")
    assert "missing at the end of the Edit Log" in finding.message


# -- the command -----------------------------------------------------------------------------


def test_the_command_prints_nothing_wrong_for_clean_books(sharma: dict[str, Any], capsys) -> None:
    call_command("verify_books")
    assert capsys.readouterr().out.strip().endswith("No findings")


def test_the_command_prints_each_finding_and_fails_on_errors(
    sharma: dict[str, Any], capsys
) -> None:
    company = sharma["company"]
    entry_amount_set(sharma["first"].entries.get(position=0), Decimal("100500.00"))
    Ledger.objects.filter(pk=sharma["bank"].pk).update(opening_balance=Decimal("5000"))
    with pytest.raises(CommandError, match="1 error in the books"):
        call_command("verify_books", "--company", str(company.pk))
    out = capsys.readouterr().out
    assert f"Sharma Traders (id {company.pk}): V01 error voucher:{sharma['first'].pk}: " in out
    assert f"Sharma Traders (id {company.pk}): B03 warning company:{company.pk}: " in out
    assert "2 findings in the books" in out


def test_the_command_runs_only_the_checks_named(sharma: dict[str, Any], capsys) -> None:
    Ledger.objects.filter(pk=sharma["bank"].pk).update(opening_balance=Decimal("5000"))
    call_command("verify_books", "--check", "v01", "--check", "B01")
    assert capsys.readouterr().out.strip() == "No findings"
    with pytest.raises(CommandError, match="No check X01: choose from V01, V02"):
        call_command("verify_books", "--check", "X01")


def test_the_command_refuses_an_unknown_company(db: Any) -> None:
    with pytest.raises(CommandError, match="No company with id 424242"):
        call_command("verify_books", "--company", "424242")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_which_check_and_company_are_running(
    sharma: dict[str, Any], capsys: Any
) -> None:
    terminal = Terminal()
    call_command("verify_books", stderr=terminal)
    shown = terminal.getvalue()
    runs = len(checks())  # one company: each check once
    assert (
        f"\r\033[KVerifying check 1 of {runs}: V01 Voucher totals do not match (Σ Dr = Σ Cr) — "
        "Sharma Traders" in shown
    )
    assert f"Verifying check {runs - 1} of {runs}: D01 Database integrity and foreign keys" in shown
    call_command("verify_books")  # piped (a cron job's log): the findings only
    assert capsys.readouterr().err == ""


def test_each_step_is_told_to_the_progress_callback(sharma: dict[str, Any], dave: Any) -> None:
    company_create(actor=dave, name="Dave & Sons", financial_year_start=dt.date(2026, 4, 1))
    told: list[tuple[int, int, str]] = []
    books_verify(ids=["V01", "D01"], progress=lambda *step: told.append(step))
    assert told == [
        (0, 3, "check 1 of 3: V01 Voucher totals do not match (Σ Dr = Σ Cr) — Sharma Traders"),
        (1, 3, "check 2 of 3: V01 Voucher totals do not match (Σ Dr = Σ Cr) — Dave & Sons"),
        (2, 3, "check 3 of 3: D01 Database integrity and foreign keys"),
        (3, 3, "done"),
    ]


def test_a_check_reading_rows_tells_how_many_it_has_read(
    sharma: dict[str, Any], monkeypatch: Any
) -> None:
    """V07 reads the vouchers one by one: the progress hears of the rows within the check."""
    monkeypatch.setattr(verify, "ROWS_STEP", 1)
    monkeypatch.setattr(verify, "ROWS_EVERY", 0)
    told: list[tuple[int, int, str]] = []
    books_verify(company=sharma["company"], ids=["V01", "V07"], progress=lambda *s: told.append(s))
    stage = "check 2 of 2: V07 Voucher date outside the books or its financial year"
    assert (1, 2, stage) in told
    assert [s for s in told if s[2].startswith(stage + " (")] == [
        (1, 2, f"{stage} ({n} rows read)") for n in (1, 2, 3)
    ]
    assert told[-1] == (2, 2, "done")


@pytest.mark.parametrize("passphrase", [None, "pw"])
def test_a01_a_log_cut_back_behind_its_newest_backup_is_found_without_the_head_file(
    sharma: dict[str, Any], settings: Any, tmp_path: Any, passphrase: str | None
) -> None:
    """NOTES.md C.6 (10): the head file lost (this test's has no lines), the newest backup's
    Edit Log head still shows the log was cut back after it — read from the summary the
    backup folder keeps beside each archive, so an encrypted one tells it too."""
    settings.BACKUPS_DIR = tmp_path
    company = sharma["company"]
    archive_write(company=company, folder=tmp_path, kind="manual", passphrase=passphrase)
    assert found(company) == []
    last = cut_back(company, 1)
    (finding,) = found(Company.objects.get(pk=company.pk))
    assert (finding.check_id, finding.object_key) == ("A01", f"edit_log:{last + 1}")
    assert finding.message.startswith(
        f"Sharma Traders: Change #{last + 1} is missing, but the backup"
    )
    assert "holds the Edit Log up to it: the log was cut back" in finding.message


def test_a01_a_change_rewritten_and_rechained_with_the_key_is_found_by_the_backup(
    sharma: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    """Whoever holds the key can rewrite a Change and re-chain the log so that the walk
    passes; the newest backup's head (and the head file, lost here) still differs."""
    settings.BACKUPS_DIR = tmp_path
    company = sharma["company"]
    archive_write(company=company, folder=tmp_path, kind="manual")
    last = Company.objects.get(pk=company.pk).last_seq
    sql_as_owner(
        "UPDATE editlog_change SET object_repr = 'Sales No. 9' WHERE company_id = %s AND seq = %s",
        [company.pk, last],
    )
    rechain_from(
        company, last, lambda change, prev: change_hash(change, prev_hash=prev, key=chain_key())
    )
    (finding,) = found(Company.objects.get(pk=company.pk))
    assert (finding.check_id, finding.object_key) == ("A01", f"edit_log:{last}")
    assert "is not the one the backup" in finding.message
    assert finding.message.endswith("(its hash differs): the log was rewritten since")
