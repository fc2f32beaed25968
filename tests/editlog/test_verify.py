"""editlog_verify and `manage.py verify_editlog`: an intact log verifies; a row altered, deleted
or added behind the application's back is found and named by its seq."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from books.services import company_create
from companies.models import Company
from editlog.chain import chain_key, change_hash, key_id
from editlog.head import Head, heads_read
from editlog.models import Change
from editlog.selectors import editlog_verify
from editlog.write import company_write
from tests.conftest import sale
from tests.editlog.forgery import cut_back, heads_as_committed, rechain_from
from vouchers.services import voucher_create


@pytest.fixture
def books(company, ledgers, voucher, alice):
    """Sharma Traders with a dozen Changes, and Gupta & Sons with one; their heads in the head
    file."""
    voucher_create(company=company, actor=alice, data=sale("500.00"))
    other = company_create(actor=alice, name="Gupta & Sons")
    heads_as_committed()
    return company, other


def last_seq(company: Company) -> int:
    return Company.objects.get(pk=company.pk).last_seq


def messages(company: Company) -> list[str]:
    return [str(problem) for problem in editlog_verify(company=company)]


@pytest.fixture
def run(monkeypatch):
    """The command as a shell runs it: (exit status, stdout, stderr)."""
    # run_from_argv closes every connection when done, the test's own on PostgreSQL too.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                execute_from_command_line(["manage.py", "verify_editlog", *args])
            except SystemExit as exc:
                status = exc.code
        return status, out.getvalue(), err.getvalue()

    return run


def test_an_intact_log_verifies(books, run):
    company, other = books
    assert editlog_verify(company=company) == []
    assert editlog_verify(company=other) == []
    status, out, err = run()
    total = last_seq(company) + last_seq(other)
    assert (status, err) == (0, "")
    assert out.strip() == f"Edit Log of 2 companies verified: {total} changes"


def test_one_company_can_be_verified_alone(books):
    company, _ = books
    out = io.StringIO()
    call_command("verify_editlog", company=company.pk, stdout=out)
    assert out.getvalue().strip() == (
        f"Edit Log of 1 company verified: {last_seq(company)} changes"
    )
    with pytest.raises(CommandError, match="No company with id 999999"):
        call_command("verify_editlog", company=999999)


def test_verbose_output_shows_each_chain_head(books):
    company, _ = books
    head = Change.objects.get(company=company, seq=last_seq(company))
    out = io.StringIO()
    call_command("verify_editlog", company=company.pk, verbosity=2, stdout=out)
    assert f"Sharma Traders (id {company.pk}): {head.seq} changes, #{head.seq} {head.hash}" in (
        out.getvalue()
    )


def test_an_altered_row_is_found_and_named(books, raw_sql, run):
    company, other = books
    raw_sql(
        "UPDATE editlog_change SET after = %s WHERE company_id = %s AND seq = 3",
        ['{"name": "Sharma Enterprises", "opening_balance": "999999.00"}', company.pk],
    )
    assert messages(company) == [
        "Change #3 of Sharma Traders was altered after it was written (hash mismatch)"
    ]
    assert editlog_verify(company=other) == []
    status, out, err = run()
    assert status == 1
    assert "first broken seq 3" in err
    assert "Change #3 of Sharma Traders was altered after it was written (hash mismatch)" in err
    assert "Gupta" not in err
    assert "verified" not in out


@pytest.mark.parametrize(
    ("column", "value"), [("actor_name", "mallory"), ("verb", "delete"), ("object_id", 999999)]
)
def test_any_column_altered_is_found(books, raw_sql, column, value):
    company, _ = books
    seq = last_seq(company) - 1
    raw_sql(
        f"UPDATE editlog_change SET {column} = %s WHERE company_id = %s AND seq = %s",
        [value, company.pk, seq],
    )
    problems = editlog_verify(company=company)
    assert [p.seq for p in problems] == [seq]
    assert "hash mismatch" in problems[0].message


def test_an_altered_time_is_found(books, raw_sql):
    company, _ = books
    change = Change.objects.get(company=company, seq=2)
    raw_sql(
        "UPDATE editlog_change SET at = %s WHERE id = %s",
        [change.at - dt.timedelta(days=1), change.pk],
    )
    assert [p.seq for p in editlog_verify(company=company)] == [2]


def test_two_rows_swapped_are_found(books, raw_sql):
    """No gap, every hash a real one: the seqs are in the hashes."""
    company, _ = books
    for old, new in ((3, 1000), (4, 3), (1000, 4)):
        raw_sql(
            "UPDATE editlog_change SET seq = %s WHERE company_id = %s AND seq = %s",
            [new, company.pk, old],
        )
    assert [p.seq for p in editlog_verify(company=company)] == [3, 4]


def test_a_row_rewritten_with_a_fresh_hash_is_found_by_the_next_link(books, raw_sql):
    """An intruder who holds the key and rehashes the row still leaves the next row chained to
    the old hash. (Rehashing every row up to the newest is caught by the head file.)"""
    company, _ = books
    seq = 4
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = %s",
        [company.pk, seq],
    )
    forged = Change.objects.get(company=company, seq=seq)
    raw_sql(
        "UPDATE editlog_change SET hash = %s WHERE id = %s",
        [change_hash(forged, prev_hash=forged.prev_hash, key=chain_key()), forged.pk],
    )
    assert messages(company) == [
        f"Change #{seq} of Sharma Traders was rewritten after it was written (its hash was"
        f" recomputed, but Change #{seq + 1} is chained to the original)"
    ]


def test_a_first_row_rechained_and_rehashed_is_found(books, raw_sql):
    company, _ = books
    first = Change.objects.get(company=company, seq=1)
    first.prev_hash = "f" * 64
    raw_sql(
        "UPDATE editlog_change SET prev_hash = %s, hash = %s WHERE id = %s",
        [first.prev_hash, change_hash(first, prev_hash=first.prev_hash, key=chain_key()), first.pk],
    )
    assert messages(company) == [
        "Change #1 of Sharma Traders was altered after it was written (hash mismatch)"
    ]


def test_a_row_whose_link_was_altered_is_found(books, raw_sql):
    company, _ = books
    raw_sql(
        "UPDATE editlog_change SET prev_hash = %s WHERE company_id = %s AND seq = 6",
        ["f" * 64, company.pk],
    )
    assert [p.seq for p in editlog_verify(company=company)] == [6]


def test_a_deleted_row_is_a_gap(books, raw_sql, run):
    company, _ = books
    raw_sql("DELETE FROM editlog_change WHERE company_id = %s AND seq = 5", [company.pk])
    assert messages(company) == [
        "Sharma Traders: seq 5 missing (a Change was deleted after being written)"
    ]
    status, _, err = run("--company", str(company.pk))
    assert status == 1
    assert "first broken seq 5" in err
    assert "seq 5 missing" in err


def test_the_row_after_a_gap_is_still_checked(books, raw_sql):
    company, _ = books
    raw_sql("DELETE FROM editlog_change WHERE company_id = %s AND seq = 5", [company.pk])
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = 6",
        [company.pk],
    )
    assert [p.seq for p in editlog_verify(company=company)] == [5, 6]


def test_deleted_newest_rows_are_a_gap_up_to_the_last_seq(books, raw_sql):
    company, _ = books
    newest = last_seq(company)
    raw_sql("DELETE FROM editlog_change WHERE company_id = %s AND seq >= %s", [company.pk, 7])
    assert messages(company) == [
        f"Sharma Traders: seqs 7–{newest} missing (Changes were deleted after being written)"
    ]


def test_a_deleted_first_row_is_a_gap(books, raw_sql):
    company, _ = books
    raw_sql("DELETE FROM editlog_change WHERE company_id = %s AND seq = 1", [company.pk])
    assert [p.seq for p in editlog_verify(company=company)] == [1]


def test_a_row_added_behind_the_application_is_found(books, raw_sql):
    company, _ = books
    newest = last_seq(company)
    raw_sql(
        "INSERT INTO editlog_change (company_id, seq, at, actor_name, verb, object_type,"
        " object_id, object_repr, prev_hash, hash) VALUES (%s, %s, '2026-11-26 10:00:00',"
        " 'mallory', 'delete', 'voucher', 1, 'Sales No. 1', %s, %s)",
        [company.pk, newest + 1, "0" * 64, "0" * 64],
    )
    assert messages(company) == [
        f"Sharma Traders: Change #{newest + 1} is beyond the last seq {newest}"
    ]


def test_saves_after_a_gap_go_on_and_only_the_gap_is_reported(books, raw_sql, alice):
    """A save chains on from Company.last_hash without reading the log, so a Change deleted
    behind the application's back stops nothing; the next Change still names its hash."""
    company, _ = books
    newest = last_seq(company)
    deleted_hash = Change.objects.get(company=company, seq=newest).hash
    raw_sql("DELETE FROM editlog_change WHERE company_id = %s AND seq = %s", [company.pk, newest])
    voucher = voucher_create(company=company, actor=alice, data=sale("7.00"))
    assert voucher.change.prev_hash == deleted_hash
    voucher_create(company=company, actor=alice, data=sale("8.00"))
    assert messages(company) == [
        f"Sharma Traders: seq {newest} missing (a Change was deleted after being written)"
    ]


def test_an_empty_log_verifies(db, alice):
    company = Company.objects.create(
        name="Empty", financial_year_start="2026-04-01", books_beginning="2026-04-01"
    )
    assert editlog_verify(company=company) == []


def test_a_log_rewritten_and_rechained_without_the_key_is_found(books, raw_sql, run):
    """The review's forgery: a row rewritten and every later hash recomputed with
    editlog.chain's recipe, but without the key (SHA-256 or a key of one's own)."""
    company, other = books
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = 4",
        [company.pk],
    )
    rechain_from(company, 4, lambda c, prev: change_hash(c, prev_hash=prev, key=b"guess"))
    problems = editlog_verify(company=company)
    assert [p.seq for p in problems] == list(range(4, last_seq(company) + 1))
    assert problems[0].message == (
        "Change #4 of Sharma Traders was altered after it was written (hash mismatch)"
    )
    status, _, err = run()
    assert status == 1
    assert f"Sharma Traders (id {company.pk}): first broken seq 4" in err


def test_a_log_rewritten_and_rechained_with_the_key_is_found_by_the_head(books, raw_sql, run):
    """Even the key's holder cannot rewrite the log unnoticed once its head is outside."""
    company, _ = books
    newest = last_seq(company)
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = 4",
        [company.pk],
    )
    rechain_from(company, 4, lambda c, prev: change_hash(c, prev_hash=prev, key=chain_key()))
    assert editlog_verify(company=company) == []  # the chain alone is whole again
    status, _, err = run()
    assert status == 1
    assert f"Change #{newest} of Sharma Traders is not the one committed" in err


def test_a_log_cut_back_at_its_end_is_found_by_the_head(books, raw_sql, run):
    """The review's truncation: the last three Changes deleted and last_seq lowered."""
    company, other = books
    newest = last_seq(company)
    assert cut_back(company, 3) == newest - 3
    assert editlog_verify(company=company) == []  # what is left is a valid chain
    status, _, err = run()
    assert status == 1
    assert f"Sharma Traders (id {company.pk}): first broken seq {newest - 2}" in err
    assert (
        f"Sharma Traders: Changes #{newest - 2}–#{newest} missing at the end of the Edit Log "
        f"(the head file saw #{newest} committed; the log was cut back to #{newest - 3})"
    ) in err
    assert "Gupta" not in err


def test_without_the_head_file_a_cut_back_end_is_not_promised(books, raw_sql, run, settings):
    company, other = books
    settings.EDITLOG_HEAD_FILE = settings.EDITLOG_HEAD_FILE.with_name("elsewhere")
    status, out, _ = run()
    assert status == 0
    assert out.splitlines()[1] == (
        f"2 of them not in the head file {settings.EDITLOG_HEAD_FILE}: a log cut back at its "
        "end would not show there."
    )


def test_a_committed_save_adds_its_head_to_the_file(
    company, ledgers, alice, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        voucher = voucher_create(company=company, actor=alice, data=sale("500.00"))
    line = settings.EDITLOG_HEAD_FILE.read_text().splitlines()[-1]
    _, chain_id, seq, hash_, key = line.split()
    assert (chain_id, int(seq), hash_, key) == (
        company.chain_id,
        voucher.change.seq,
        voucher.change.hash,
        key_id(chain_key()),
    )
    assert oct(settings.EDITLOG_HEAD_FILE.stat().st_mode & 0o777) == "0o600"


def test_a_save_rolled_back_adds_no_head(
    company, ledgers, alice, settings, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        company_write(company=company, actor=alice) as work,
    ):
        work.record("create", ledgers["cash"], before=None)
        raise RuntimeError("the save fails after its Change was written")
    assert not settings.EDITLOG_HEAD_FILE.exists()


def test_the_head_file_gives_each_chains_furthest_head(tmp_path):
    path = tmp_path / "editlog_head"
    path.write_text(
        "2026-12-03T10:00:00+00:00 aaa 7 h7\n"
        "2026-12-03T10:00:01+00:00 aaa 9 h9\n"
        "2026-12-03T10:00:01+00:00 aaa 8 h8\n"  # another process's commit, written later
        "torn line\n"
        "2026-12-03T10:00:02+00:00 bbb 1 b1\n"
        "2026-12-03T10:00:03+00:00 ccc 5 c5 k1\n"
        "2026-12-03T10:00:04+00:00 ccc 5 c5-again k2\n"  # the books restored, seq 5 taken again
    )
    assert heads_read(path) == {
        "aaa": Head(9, "h9"),
        "bbb": Head(1, "b1"),
        "ccc": Head(5, "c5-again", "k2"),
    }


def test_a_head_file_that_cannot_be_written_is_logged_not_a_failed_save(
    company, ledgers, alice, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EDITLOG_HEAD_FILE = settings.EDITLOG_HEAD_FILE.parent / "no-such-folder" / "head"
    with django_capture_on_commit_callbacks(execute=True):
        voucher = voucher_create(company=company, actor=alice, data=sale("500.00"))
    assert voucher.pk
    assert f"Could not add Edit Log head #{voucher.change.seq}" in caplog.text


def test_a_cut_back_hidden_by_a_new_chain_id_is_found(books, raw_sql, run):
    """The chain id is the database's own: changed, the company's head is not found under it,
    but the head file's chain then belongs to no company — which is damage too."""
    company, _ = books
    old = Company.objects.get(pk=company.pk).chain_id
    cut_back(company, 3)
    Company.objects.filter(pk=company.pk).update(chain_id="f" * 32)
    status, _, err = run()
    assert status == 1
    assert f"Chain {old} (the head file saw Change #" in err
    assert "belongs to no company in this database" in err


def test_a_replaced_key_is_named(books, run, settings):
    """A key lost and made anew (a restore without the keys' backup): every hash reads as
    altered, and the head file's key id says why."""
    company, _ = books
    settings.EDITLOG_KEY = "a key made anew"
    status, _, err = run("--company", str(company.pk))
    assert status == 1
    assert "was written under another Edit Log key" in err
    assert "Put var/editlog_key back from the keys' backup" in err


def test_nothing_is_chained_under_a_key_other_than_the_head_files(
    company, ledgers, alice, settings, head_file
):
    """A key lost and made anew would chain new Changes onto hashes made under the old one,
    and the log could never verify again: the save is refused, naming what to put back."""
    head_file.write_text(
        f"2026-12-03T10:00:00+00:00 {company.chain_id} 8 {'a' * 64} 0123456789ab\n"
    )
    before = Change.objects.count()
    with pytest.raises(ImproperlyConfigured, match="put var/editlog_key back"):
        voucher_create(company=company, actor=alice, data=sale("5.00"))
    assert Change.objects.count() == before
