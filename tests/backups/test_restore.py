"""backups.restore: as a copy every report is the same; as new every Change is the same and
the chain verifies; replace keeps the Edit Log, takes a safety backup, rolls back whole; a
damaged, wrongly decrypted, newer or foreign archive is refused before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backups import restore as restore_module
from backups.archive import backup_write
from backups.restore import restore, tables_deleting
from books.reconcile import books_reconcile
from companies.models import Company, Membership
from core.errors import Invalid, NotAllowed
from core.records import LiveState
from editlog.head import head_append
from editlog.models import Change
from ledgers.models import ClosingStock, Ledger, LedgerDay
from reports.export import balance_sheet_table, profit_and_loss_table
from reports.selectors import balance_sheet_get, profit_and_loss_get, trial_balance_get
from reports.statements import ledger_statement_get
from sync.fragments import change_patch
from sync.protocol import change_frame
from sync.replay import frames_after
from tests.backups.conftest import rezip
from tests.conftest import sale
from vouchers.models import Voucher, VoucherCounter
from vouchers.selectors import voucher_number_next
from vouchers.services import voucher_alter, voucher_create

YEARS = [(dt.date(2026, 4, 1), dt.date(2027, 3, 31)), (dt.date(2027, 4, 1), dt.date(2028, 3, 31))]


def reports(company: Company) -> dict[str, Any]:
    """Every report of the company, by names and amounts (ids differ in a copy)."""
    seen: dict[str, Any] = {}
    for start, end in YEARS:
        tb = trial_balance_get(company=company, as_of=end)
        seen[f"tb {end}"] = sorted((r.ledger.name, r.balance) for r in tb.rows)
        pl = profit_and_loss_table(
            company=company,
            report=profit_and_loss_get(company=company, date_from=start, date_to=end),
            detailed=True,
        )
        bs = balance_sheet_table(
            company=company, report=balance_sheet_get(company=company, as_of=end), detailed=True
        )
        seen[f"pl {end}"] = [(r.cells, r.style) for r in pl.rows]
        seen[f"bs {end}"] = [(r.cells, r.style) for r in bs.rows]
        for ledger in Ledger.objects.filter(company=company).order_by("name"):
            page = ledger_statement_get(
                ledger=ledger, date_from=start, date_to=end, company=company, limit=1000
            )
            seen[f"{ledger.name} {end}"] = (
                page.opening,
                page.closing,
                [(x.date, x.voucher_type, x.number, x.amount, x.particulars, x.balance)
                 for x in page.lines],
            )  # fmt: skip
    seen["days"] = sorted(
        (d.ledger.name, d.date, d.debit, d.credit)
        for d in LedgerDay.objects.filter(ledger__company=company).select_related("ledger")
    )
    seen["stock"] = [
        (c.ledger.name, c.date, c.amount) for c in ClosingStock.objects.filter(company=company)
    ]
    seen["counters"] = sorted(
        (c.voucher_type.name, c.financial_year, c.last_number)
        for c in VoucherCounter.objects.filter(company=company).select_related("voucher_type")
    )
    return seen


def chain(company: Company) -> list[tuple]:
    return list(
        Change.objects.filter(company=company)
        .order_by("seq")
        .values_list("seq", "actor_id", "object_type", "object_id", "before", "after", "hash")
    )


def verified() -> str:
    out = StringIO()
    call_command("verify_editlog", stdout=out, stderr=out)
    return out.getvalue()


def unreconciled(company: Company) -> list[str]:
    """Where the books differ from their log (the fixture's members were added without
    Changes: tests/conftest.py), so the same before a restore and after it."""
    return sorted(map(str, books_reconcile(company=company)))


def heads_noted(company: Company) -> None:
    """The head file saw the company's saves (the test's transaction runs no on-commit)."""
    head_append(chain_id=company.chain_id, seq=company.last_seq, hash=company.last_hash)


def wipe(company: Company) -> None:
    """The company gone from the database (a lost disk), Edit Log and all: raw deletes (on
    PostgreSQL past the Edit Log's append-only trigger, for this test's transaction only)."""
    trigger = "ALTER TABLE editlog_change {} TRIGGER editlog_change_append_only"
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:  # the foreign keys' checks pending from the saves, before the ALTER
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(trigger.format("DISABLE"))
        Change.objects.filter(company=company)._raw_delete(connection.alias)
        if postgresql:
            cursor.execute(trigger.format("ENABLE"))
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables_deleting():
            rows = table.model._base_manager.filter(**{table.company: company.pk})
            rows._raw_delete(rows.db)


@pytest.fixture
def archive(books: Company, tmp_path: Path) -> Path:
    heads_noted(books)
    return backup_write(company=books, path=tmp_path / "sharma.tsbk").path


# -- copy ---------------------------------------------------------------------------------------


def test_restored_as_a_copy_every_report_is_the_same(
    books: Company, archive: Path, alice: User
) -> None:
    restored = restore(archive=archive, mode="copy", name="Sharma Traders 2026", actor=alice)
    copy = restored.company
    assert copy.pk != books.pk and copy.chain_id != books.chain_id
    assert copy.name == "Sharma Traders 2026"
    assert reports(copy) == reports(books)
    assert Voucher.objects.filter(company=copy).count() == 5
    sales = next(
        v.voucher_type for v in Voucher.objects.filter(company=copy, voucher_type__name="Sales")
    )
    assert sales.company_id == copy.pk
    assert voucher_number_next(voucher_type=sales, financial_year=2026) == 4
    # The copy's Edit Log starts afresh with its restore, naming the archive and its head;
    # after it, each restored record is recorded as created (test_a_copy_reconciles...).
    changes = list(Change.objects.filter(company=copy).order_by("seq"))
    assert [(c.seq, c.verb, c.object_type) for c in changes[:1]] == [(1, "create", "company")]
    assert {c.verb for c in changes[1:]} == {"create"}
    named = changes[0].after["restored_from"]
    assert named["file"] == "sharma.tsbk"
    assert named["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert named["head"] == {"seq": books.last_seq, "hash": books.last_hash}
    assert named["mode"] == "copy"
    # Members came across by name; the original is untouched and both chains verify.
    roles = dict(Membership.objects.filter(company=copy).values_list("user__username", "role"))
    assert roles == {"alice": "owner", "bob": "accountant", "charlie": "viewer"}
    assert chain(Company.objects.get(pk=books.pk))[-1][-1] == books.last_hash
    assert "verified" in verified()


def test_the_copy_takes_new_saves_with_the_next_numbers(archive: Path, alice: User) -> None:
    copy = restore(archive=archive, mode="copy", actor=alice).company
    assert copy.name == "Sharma Traders (copy)"
    voucher = voucher_create(company=copy, actor=alice, data=sale("5"))
    assert voucher.number == 4  # 1, 2 (cancelled), 3 (deleted) were given in the original
    assert Ledger.objects.get(company=copy, name="Sales").total_credit == Decimal("100255.50")


def test_a_copy_reconciles_with_its_edit_log_and_a_row_changed_behind_it_is_named(
    books: Company, archive: Path, alice: User
) -> None:
    copy = restore(archive=archive, mode="copy", actor=alice).company
    vouchers = list(Voucher.objects.filter(company=copy).order_by("pk"))
    logged = set(
        Change.objects.filter(company=copy, seq__gt=1).values_list("object_type", "object_id")
    )
    assert {("voucher", v.pk) for v in vouchers} <= logged
    assert unreconciled(copy) == []
    call_command("verify_editlog", "--reconcile", company=copy.pk)  # no CommandError
    kept = next(v for v in vouchers if not v.is_cancelled)
    voucher_alter(company=copy, voucher=kept, actor=alice, data=sale("77.00"), version=kept.version)
    assert unreconciled(copy) == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_voucher SET narration = 'x' WHERE id = %s", [kept.pk])
    assert unreconciled(copy) == [
        f"voucher:{kept.pk}: narration differ from the Edit Log's "
        f"#{Change.objects.filter(company=copy).latest('seq').seq} (alter)"
    ]
    with pytest.raises(CommandError, match="damaged"):
        call_command("verify_editlog", "--reconcile", company=copy.pk)


def test_a_member_this_server_does_not_have_is_skipped_and_listed(
    archive: Path, alice: User, tmp_path: Path
) -> None:
    renamed = tmp_path / "renamed.tsbk"

    def charlie_unknown(name: str, data: bytes) -> bytes:
        return data.replace(b'"charlie"', b'"zed"') if name == "users.jsonl" else data

    _rewritten(archive, renamed, charlie_unknown)
    restored = restore(archive=renamed, mode="copy", actor=alice)
    assert restored.members_skipped == ["zed (viewer)"]
    assert not Membership.objects.filter(company=restored.company, user__username="charlie")


# -- new ------------------------------------------------------------------------------------


def test_restored_as_new_every_change_is_the_same_and_the_chain_verifies(
    books: Company, archive: Path, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    before_reports, before_chain = reports(books), chain(books)
    differences = unreconciled(books)
    members = Membership.objects.filter(company=books, role__in=["accountant", "viewer"])
    assert differences == sorted(
        f"membership:{m.pk}: is in the books but not in the Edit Log" for m in members
    )
    wipe(books)
    with django_capture_on_commit_callbacks(execute=True):
        restored = restore(archive=archive, mode="new", actor=alice)
    company = restored.company
    assert (company.pk, company.chain_id) == (books.pk, books.chain_id)
    assert reports(company) == before_reports
    after = chain(company)
    assert after[:-1] == before_chain
    assert after[-1][0] == books.last_seq + 1
    assert restored.change.after["restored_from"]["mode"] == "new"
    assert "verified" in verified()
    # The books agree with their log as before: the records with their Changes, the totals
    # and day rows (rebuilt from the entries) with the entries.
    assert unreconciled(company) == differences


def test_an_actor_this_server_lacks_comes_back_as_an_inactive_user(
    books: Company, archive: Path, alice: User
) -> None:
    bob_id = User.objects.get(username="bob").pk
    wipe(books)
    Membership.objects.filter(user_id=bob_id).delete()
    User.objects.filter(pk=bob_id).delete()
    restored = restore(archive=archive, mode="new", actor=alice)
    assert restored.users_created == ["bob"]
    bob = User.objects.get(pk=bob_id)
    assert bob.username == "bob" and not bob.is_active and not bob.has_usable_password()
    assert "verified" in verified()


def test_new_is_refused_while_the_company_is_here(archive: Path, alice: User) -> None:
    with pytest.raises(Invalid) as refused:
        restore(archive=archive, mode="new", actor=alice)
    assert "is on this server already" in str(refused.value)


def test_new_is_refused_under_another_edit_log_key(
    books: Company, archive: Path, alice: User, settings: Any
) -> None:
    wipe(books)
    settings.EDITLOG_KEY = "another server's key"
    with pytest.raises(Invalid) as refused:
        restore(archive=archive, mode="new", actor=alice)
    assert "chained under another key" in str(refused.value)
    assert not Company.objects.filter(pk=books.pk).exists()


# -- replace ----------------------------------------------------------------------------------


def test_replace_puts_the_books_back_keeps_the_edit_log_and_a_safety_backup(
    books: Company,
    archive: Path,
    alice: User,
    bob: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    before, differences = reports(books), unreconciled(books)
    later = voucher_create(company=books, actor=bob, data=sale("777"))
    books.refresh_from_db()
    heads_noted(books)
    grown = chain(books)
    safety = tmp_path / "safety"
    safety.mkdir()
    with django_capture_on_commit_callbacks(execute=True):
        restored = restore(
            archive=archive,
            mode="replace",
            company=books,
            actor=alice,
            confirm="Sharma Traders",
            safety_dir=safety,
        )
    company = restored.company
    assert company.pk == books.pk and not Voucher.objects.filter(pk=later.pk).exists()
    assert reports(company) == before
    log = chain(company)
    assert log[:-1] == grown  # nothing cut back: the log only grew
    assert log[-1][0] == books.last_seq + 1 and restored.change.verb == "alter"
    assert restored.safety is not None and restored.safety.parent == safety
    assert "verified" in verified()
    # The books agree with the log as the archive left them: the voucher saved since is in
    # the log, and the replace took it out of the books.
    assert unreconciled(company) == differences
    # Open screens of the company are told to fetch everything again.
    frame = json.loads(change_frame(restored.change, change_patch(restored.change)))
    assert frame == {"type": "resync", "seq": restored.change.seq}
    # …as the hub reads the feed from the Edit Log, with the figures it kept dropped.
    state = LiveState()
    state.kept["balances"] = "of the books before"
    frames = frames_after(company_id=company.pk, after=log[-2][0], state=state)
    assert [json.loads(text)["type"] for _, text in frames] == ["resync"]
    assert state.kept == {}


def test_replace_rolls_back_whole_on_a_failure_midway(
    books: Company,
    archive: Path,
    alice: User,
    bob: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    voucher_create(company=books, actor=bob, data=sale("777"))
    books.refresh_from_db()
    before, log = reports(books), chain(books)

    def failing(self: Any, table: Any, rows: Any) -> None:
        if table.label == "vouchers.entry":
            raise RuntimeError("the disk went away")
        loader(self, table, rows)

    loader = restore_module._Plan._table_load
    monkeypatch.setattr(restore_module._Plan, "_table_load", failing)
    with pytest.raises(RuntimeError):
        restore(
            archive=archive,
            mode="replace",
            company=books,
            actor=alice,
            confirm="Sharma Traders",
            safety_dir=tmp_path,
        )
    assert reports(books) == before and chain(books) == log
    assert len(list(tmp_path.glob("sharma-traders-*.tsbk"))) == 1  # the safety backup stays


def test_replace_is_for_owners_who_type_the_name(
    books: Company, archive: Path, bob: User, alice: User, tmp_path: Path
) -> None:
    with pytest.raises(NotAllowed):
        restore(archive=archive, mode="replace", company=books, actor=bob, confirm=books.name)
    with pytest.raises(Invalid) as unconfirmed:
        restore(archive=archive, mode="replace", company=books, actor=alice, confirm="sharma")
    assert "Type the company's name, Sharma Traders" in str(unconfirmed.value)
    assert chain(books)[-1][-1] == books.last_hash


def test_replace_with_another_company_s_backup_is_refused(
    archive: Path, alice: User, company_creation_open: None
) -> None:
    from books.services import company_create

    other = company_create(actor=alice, name="Gupta & Sons")
    with pytest.raises(Invalid) as refused:
        restore(archive=archive, mode="replace", company=other, actor=alice, confirm=other.name)
    assert "not of Gupta & Sons" in str(refused.value)


# -- refused before a write -------------------------------------------------------------------


def _rewritten(source: Path, out: Path, change: Any) -> None:
    """`source` with its members changed by `change`, the manifest's hashes made to match
    (an older or newer archive, not a damaged one)."""
    members: dict[str, bytes] = {}

    def keep(name: str, data: bytes) -> bytes:
        members[name] = change(name, data)
        return members[name]

    rezip(source, out.with_suffix(".tmp"), change=keep)
    manifest = json.loads(members["manifest.json"])
    for member in manifest["files"]:
        data = members[member["path"]]
        member.update(
            sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), rows=data.count(b"\n")
        )
    text = json.dumps(manifest).encode()
    rezip(out.with_suffix(".tmp"), out, change=lambda n, d: text if n == "manifest.json" else d)


def _nothing_written(count: int) -> None:
    assert Company.objects.count() == count


def test_a_flipped_byte_in_a_member_is_refused_naming_it(
    archive: Path, alice: User, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.tsbk"

    def flip(name: str, data: bytes) -> bytes:
        return data.replace(b'"100000.00"', b'"100001.00"', 1) if "entry" in name else data

    rezip(archive, damaged, change=flip)
    count = Company.objects.count()
    with pytest.raises(Invalid) as refused:
        restore(archive=damaged, mode="copy", actor=alice)
    assert re.search(
        r"data/\d{3}_vouchers\.entry\.jsonl is not as it was written", str(refused.value)
    )
    _nothing_written(count)


def test_rows_whose_figures_disagree_with_the_manifest_are_refused(
    archive: Path, alice: User, tmp_path: Path
) -> None:
    altered = tmp_path / "altered.tsbk"

    def edit(name: str, data: bytes) -> bytes:  # hashes made to match: only the figures tell
        return data.replace(b'"100000.00"', b'"100001.00"', 1) if "entry" in name else data

    _rewritten(archive, altered, edit)
    with pytest.raises(Invalid) as refused:
        restore(archive=altered, mode="copy", actor=alice)
    assert "control figure 'years'" in str(refused.value)


def test_a_wrong_passphrase_or_a_cut_short_age_file_is_refused(
    books: Company, alice: User, tmp_path: Path
) -> None:
    sealed = backup_write(
        company=books, path=tmp_path / "sealed.tsbk.age", passphrase="open sesame"
    ).path
    count = Company.objects.count()
    with pytest.raises(Invalid) as wrong:
        restore(archive=sealed, mode="copy", actor=alice, passphrase="open sesam")
    assert "the passphrase is wrong" in str(wrong.value)
    with pytest.raises(Invalid) as missing:
        restore(archive=sealed, mode="copy", actor=alice)
    assert "encrypted with a passphrase" in str(missing.value)
    identity = pyrage.x25519.Identity.generate()
    keyed = backup_write(
        company=books, path=tmp_path / "keyed.tsbk.age", recipients=[str(identity.to_public())]
    ).path
    short = tmp_path / "short.tsbk.age"
    short.write_bytes(keyed.read_bytes()[:-100])
    with pytest.raises(Invalid) as cut:
        restore(archive=short, mode="copy", actor=alice, identities=[str(identity)])
    assert "damaged or cut short" in str(cut.value)
    _nothing_written(count)
    copy = restore(archive=keyed, mode="copy", actor=alice, identities=[str(identity)]).company
    assert Voucher.objects.filter(company=copy).count() == 5


def test_an_older_archive_restores_with_later_fields_at_their_defaults(
    archive: Path, alice: User, tmp_path: Path
) -> None:
    """As companies 0004 wrote it: no warn_negative_cash (0005 added it, default on)."""
    older = tmp_path / "older.tsbk"

    def as_of_0004(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["migrations"]["companies"] = "0004_company_chain_id"
            manifest["app_version"] = "0.4.0"
            return json.dumps(manifest).encode()
        if name == "data/001_companies.company.jsonl":
            row = json.loads(data)
            assert row.pop("warn_negative_cash") is True
            row["name"] = "Old Sharma"
            return json.dumps(row, sort_keys=True).encode() + b"\n"
        return data

    _rewritten(archive, older, as_of_0004)
    Company.objects.update(warn_negative_cash=False)
    copy = restore(archive=older, mode="copy", name="From 0.4", actor=alice).company
    assert copy.warn_negative_cash is True


def test_an_archive_from_before_inventory_restores_with_a_main_location(
    archive: Path, alice: User, tmp_path: Path
) -> None:
    """An archive whose company had no godown (made before inventory existed) comes back with
    Tally's Main Location, as the migration gave every company of that time."""
    from inventory.models import Godown

    older = tmp_path / "before-inventory.tsbk"

    def no_godowns(name: str, data: bytes) -> bytes:
        return b"" if name.endswith("inventory.godown.jsonl") else data

    _rewritten(archive, older, no_godowns)
    copy = restore(archive=older, mode="copy", name="Before stock", actor=alice).company
    assert Godown.objects.get(company=copy, is_main_location=True).name == "Main Location"


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ({"app_version": "9.0.0"}, "made by TallySync 9.0.0, newer than"),
        ({"migrations": {"vouchers": "0099_from_the_future"}}, "does not have: it was made by a"),
        ({"format_version": 2}, "format version 2, newer than"),
    ],
)
def test_a_newer_archive_is_refused(
    archive: Path, alice: User, tmp_path: Path, what: dict, message: str
) -> None:
    newer = tmp_path / "newer.tsbk"

    def from_the_future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        for key, value in what.items():
            manifest[key] = {**manifest[key], **value} if isinstance(value, dict) else value
        return json.dumps(manifest).encode()

    _rewritten(archive, newer, from_the_future)
    count = Company.objects.count()
    with pytest.raises(Invalid) as refused:
        restore(archive=newer, mode="copy", actor=alice)
    assert message in str(refused.value)
    _nothing_written(count)


def test_a_file_that_is_not_an_archive_is_refused(
    alice: User, tmp_path: Path, company_creation_open: None
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(Invalid) as refused:
        restore(archive=other, mode="copy", actor=alice)
    assert "is not a TallySync backup" in str(refused.value)


def test_the_restore_command_restores_a_copy_and_says_what_it_did(
    archive: Path, alice: User
) -> None:
    from io import StringIO

    from django.core.management import CommandError

    out = StringIO()
    call_command(
        "restore", str(archive), "--mode", "copy", "--name", "Copied", "--user", "alice",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    copy = Company.objects.get(name="Copied")
    assert f"Restored Copied (id {copy.pk}) as copy" in out.getvalue()
    with pytest.raises(CommandError, match="Type the company's name"):
        call_command(
            "restore", str(archive), "--mode", "replace", "--company", "Sharma Traders",
            "--user", "alice", "--confirm", "Sharma",
        )  # fmt: skip
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("restore", str(archive), "--user", "nobody")
