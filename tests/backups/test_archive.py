"""backups.archive: what a company's archive holds, that it is the same twice, encrypted the
age way, written whole or not at all, and consistent while others save."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from pathlib import Path

import pyrage
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.loader import MigrationLoader

import tallysync
from backups import archive as archive_module
from backups.archive import Manifest, backup_write, tables_ordered
from backups.folder import archive_find, archive_parse, archives_list
from companies.models import Company
from core.errors import Invalid
from core.records import archived_tables
from tests.conftest import sale
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_create


def _latest_migration(app: str) -> str:
    """The app's newest migration, as the migration graph has it (the manifest names the
    state the books are in)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    (leaf,) = loader.graph.leaf_nodes(app)
    return leaf[1]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_manifest_names_every_member_its_rows_and_the_control_figures(
    books: Company, tmp_path: Path
) -> None:
    manifest = backup_write(company=books, path=tmp_path / "sharma.tsbk")
    assert manifest.path == tmp_path / "sharma.tsbk"
    members = _members(manifest.path)
    written = json.loads(members["manifest.json"])
    assert written == manifest.as_json()
    assert written["format"] == "tallysync-backup" and written["format_version"] == 1
    assert written["app_version"] == tallysync.__version__
    assert written["migrations"]["vouchers"] == _latest_migration("vouchers")
    assert written["company"]["name"] == "Sharma Traders"
    for member in manifest.files:
        data = members[member.path]
        assert hashlib.sha256(data).hexdigest() == member.sha256
        assert (len(data), data.count(b"\n")) == (member.bytes, member.rows)
    # The figures are the books' own: 6 vouchers (one cancelled, the deleted one gone), each
    # year's debits equal to its credits, the Edit Log's head.
    assert written["checks"] == {
        "vouchers": 5,
        "years": {
            "2026": {"debit": 15200000, "credit": 15200000},
            "2027": {"debit": 25050, "credit": 25050},
        },
        "editlog": {"seq": books.last_seq, "hash": books.last_hash},
    }
    entries = manifest.member("vouchers.entry")
    assert entries is not None and entries.rows == Entry.objects.count() == 8
    # Derived tables are rebuilt on restore, not carried.
    assert manifest.member("ledgers.ledgerday") is None


def test_rows_are_json_lines_with_sorted_keys_in_primary_key_order(
    books: Company, tmp_path: Path
) -> None:
    manifest = backup_write(company=books, path=tmp_path / "sharma.tsbk")
    members = _members(manifest.path)
    member = manifest.member("vouchers.voucher")
    rows = [json.loads(line) for line in members[member.path].splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(list(r) == sorted(r) for r in rows)
    rent = next(r for r in rows if r["narration"].startswith("December rent"))
    assert rent["narration"] == "December rent — ₹ in cash"  # UTF-8, not escaped
    entry = json.loads(members[manifest.member("vouchers.entry").path].splitlines()[0])
    assert entry["amount"] == "100000.00"  # a Decimal as a string: exact
    users = [json.loads(line) for line in members["users.jsonl"].splitlines()]
    assert {u["username"] for u in users} == {"alice", "bob", "charlie"}


def test_members_follow_the_foreign_keys_and_come_from_the_registry() -> None:
    order = [t.label for t in tables_ordered()]
    assert order[0] == "companies.company"
    assert order.index("ledgers.group") < order.index("ledgers.ledger")
    assert order.index("vouchers.voucher") < order.index("vouchers.entry")
    assert order.index("ledgers.ledger") < order.index("vouchers.entry")
    carried = {t.label for t in archived_tables() if not t.derived}
    assert set(order) == carried


def test_two_backups_of_unchanged_books_are_identical_member_by_member(
    books: Company, tmp_path: Path
) -> None:
    first = backup_write(company=books, path=tmp_path / "one.tsbk")
    second = backup_write(company=books, path=tmp_path / "two.tsbk")
    assert first.files == second.files
    one, two = _members(tmp_path / "one.tsbk"), _members(tmp_path / "two.tsbk")
    assert {k: v for k, v in one.items() if k != "manifest.json"} == {
        k: v for k, v in two.items() if k != "manifest.json"
    }
    voucher_create(company=books, actor=User.objects.get(username="bob"), data=sale("1"))
    third = backup_write(company=books, path=tmp_path / "three.tsbk")
    assert third.member("vouchers.voucher") != first.member("vouchers.voucher")
    assert third.member("ledgers.group") == first.member("ledgers.group")


def test_a_passphrase_archive_decrypts_with_age_s_scrypt_recipient(
    books: Company, tmp_path: Path
) -> None:
    manifest = backup_write(
        company=books, path=tmp_path / "sharma.tsbk.age", passphrase="correct horse"
    )
    assert manifest.path.name.endswith(".tsbk.age") and manifest.encrypted
    data = manifest.path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert hashlib.sha256(data).hexdigest() == manifest.sha256
    plain = pyrage.passphrase.decrypt(data, "correct horse")
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert json.loads(archive.read("manifest.json"))["company"]["name"] == "Sharma Traders"
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(data, "wrong")


def test_a_recipient_archive_decrypts_with_the_identity_as_age_would(
    books: Company, tmp_path: Path
) -> None:
    identity = pyrage.x25519.Identity.generate()
    manifest = backup_write(
        company=books, path=tmp_path / "sharma.tsbk.age", recipients=[str(identity.to_public())]
    )
    data = manifest.path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n-> X25519 ")
    plain = pyrage.decrypt(data, [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert archive.testzip() is None


def test_a_bad_recipient_or_both_keys_are_refused(books: Company, tmp_path: Path) -> None:
    with pytest.raises(Invalid) as bad:
        backup_write(company=books, path=tmp_path / "x.tsbk.age", recipients=["age1nope"])
    assert "is not an age public key" in str(bad.value)
    with pytest.raises(Invalid):
        backup_write(
            company=books, path=tmp_path / "x.tsbk.age", passphrase="x", recipients=["age1nope"]
        )
    assert list(tmp_path.iterdir()) == []


def test_a_passphrase_archive_over_the_cap_is_refused_and_leaves_nothing(
    books: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "PASSPHRASE_LIMIT", 1000)
    with pytest.raises(Invalid) as refused:
        backup_write(company=books, path=tmp_path / "x.tsbk.age", passphrase="pw")
    assert "Use a recipient key" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_a_backup_that_fails_midway_leaves_no_file_that_looks_like_an_archive(
    books: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(row: dict) -> bytes:
        if "voucher_id" in row:
            raise OSError("disk full")
        return line(row)

    line = archive_module.row_line
    monkeypatch.setattr(archive_module, "row_line", broken)
    with pytest.raises(OSError):
        backup_write(company=books, path=tmp_path / "books.tsbk")
    assert list(tmp_path.iterdir()) == []


def test_an_archive_goes_into_a_file_named_not_a_folder(books: Company, tmp_path: Path) -> None:
    """Into a folder, archives go by backups.folder.archive_write, under the one naming."""
    with pytest.raises(IsADirectoryError):
        backup_write(company=books, path=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_file_object_gets_the_archive(books: Company) -> None:
    out = io.BytesIO()
    manifest = backup_write(company=books, path=out)
    assert manifest.path is None
    assert hashlib.sha256(out.getvalue()).hexdigest() == manifest.sha256
    with zipfile.ZipFile(out) as archive:
        assert Manifest.from_json(json.loads(archive.read("manifest.json"))) == manifest


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_a_writer_saves_is_one_consistent_snapshot(
    tmp_path: Path, company: Company, ledgers: dict
) -> None:
    """SQLite in WAL: the backup's read transaction sees one moment; the writer thread keeps
    saving throughout (it is never held off: it saves vouchers while the backup runs)."""
    bob = User.objects.get(username="bob")
    stop, saved = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set():
                saved.append(voucher_create(company=company, actor=bob, data=sale("100")))
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(saved) < 3:
            threading.Event().wait(0.01)
        before = len(saved)
        manifests = [backup_write(company=company, path=tmp_path / f"{n}.tsbk") for n in range(3)]
        during = len(saved) - before
    finally:
        stop.set()
        thread.join()
    assert during > 0  # the writer saved while the backups were taken
    for manifest in manifests:
        checks = manifest.checks
        members = _members(manifest.path)
        vouchers = members[manifest.member("vouchers.voucher").path].splitlines()
        entries = [
            json.loads(x) for x in members[manifest.member("vouchers.entry").path].splitlines()
        ]
        changes = [
            json.loads(x) for x in members[manifest.member("editlog.change").path].splitlines()
        ]
        company_row = json.loads(members["data/001_companies.company.jsonl"])
        assert checks["vouchers"] == len(vouchers)
        assert len(entries) == 2 * len(vouchers)  # every voucher with both its lines
        assert {e["voucher_id"] for e in entries} == {json.loads(v)["id"] for v in vouchers}
        for sums in checks["years"].values():
            assert sums["debit"] == sums["credit"]
        assert [c["seq"] for c in changes] == list(range(1, len(changes) + 1))
        assert company_row["last_seq"] == changes[-1]["seq"] == checks["editlog"]["seq"]
    assert Voucher.objects.filter(company=company).count() == len(saved)


def test_the_backup_command_writes_one_archive_per_company_and_prints_the_paths(
    books: Company, alice: User, tmp_path: Path, company_creation_open: None
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from books.services import company_create

    company_create(actor=alice, name="Gupta & Sons")
    out = StringIO()
    call_command("backup", "--to", str(tmp_path), stdout=out, stderr=StringIO())
    written = [archive_parse(Path(p)) for p in out.getvalue().split()]
    # Named as every backup in a folder is (backups.folder): the list and retention read them.
    assert sorted((a.name.split("--")[0], a.kind) for a in written if a) == [
        ("gupta-sons", "manual"),
        ("sharma-traders", "manual"),
    ]
    assert archives_list(tmp_path) == sorted(written, key=lambda a: (a.at, a.name), reverse=True)
    out = StringIO()
    call_command("backup", "--company", "Sharma Traders", "--to", str(tmp_path), stdout=out)
    assert archive_find(tmp_path, name=Path(out.getvalue().strip()).name, chain_id=books.chain_id)
    with pytest.raises(CommandError, match="No company 'Nobody'"):
        call_command("backup", "--company", "Nobody", "--to", str(tmp_path))
    # Or a file, named in full: one company's archive.
    named = tmp_path / "usb" / "sharma.tsbk"
    with pytest.raises(CommandError, match=f"There is no folder {named.parent}"):
        call_command("backup", "--company", "Sharma Traders", "--to", str(named))
    named.parent.mkdir()
    with pytest.raises(CommandError, match="is one file: name one company, or give a folder"):
        call_command("backup", "--to", str(named))
    out = StringIO()
    call_command("backup", "--company", "Sharma Traders", "--to", str(named), stdout=out)
    assert out.getvalue().strip() == str(named) and named.is_file()
    key = tmp_path / "pass"
    key.write_text("open sesame\n")
    out = StringIO()
    call_command(
        "backup", "--company", str(books.pk), "--to", str(tmp_path), "--passphrase-file", str(key),
        stdout=out,
    )  # fmt: skip
    sealed = Path(out.getvalue().strip())
    assert sealed.name.endswith("-manual.tsbk.age")
    assert pyrage.passphrase.decrypt(sealed.read_bytes(), "open sesame")[:2] == b"PK"


def test_a_list_of_backups_reads_the_manifest_without_checking_members(
    books: Company, tmp_path: Path
) -> None:
    from backups.reading import manifest_peek

    plain = backup_write(company=books, path=tmp_path / "plain.tsbk")
    assert manifest_peek(plain.path) == plain
    sealed = backup_write(company=books, path=tmp_path / "x.tsbk.age", passphrase="pw")
    assert manifest_peek(sealed.path) is None
