"""Writing a company's backup archive (`.tsbk`, optionally age-encrypted as `.tsbk.age`): its
rows as JSON lines taken from one consistent snapshot, a manifest with row counts, SHA-256s and
control figures, written to a temporary name and renamed only once it is whole.

The archive is a zip (docs/architecture.md, "Backup archives"):

    data/001_companies.company.jsonl    one row per line, keys sorted, rows by primary key,
    data/002_ledgers.group.jsonl        Decimals as strings, dates ISO, datetimes ISO in UTC
    …                                   (member order follows the foreign keys)
    users.jsonl                         {id, username} of every user a row names
    manifest.json                       format, versions, migrations, company, members, checks

Which tables go in is registered by their apps (`core.records.archive_register`), never listed
here. Two backups of unchanged books give byte-identical members (and member hashes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import django
import pyrage
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import ForeignKey, Model
from django.utils import timezone

import tallysync
from companies.models import Company
from core.errors import Invalid
from core.records import ArchivedTable, archived_tables
from editlog.chain import chain_key, key_id

FORMAT = "tallysync-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
USERS = "users.jsonl"
CHUNK = 2000  # rows read per query while streaming a table
# pyrage encrypts with a passphrase only from bytes in memory; a recipient key streams. An
# archive over this size needs a recipient key (NOTES.md C.2).
PASSPHRASE_LIMIT = 512 * 1024 * 1024
# Every member's timestamp in the zip: the bytes of a member depend on its rows only.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# progress(done, total, what): rows written so far, rows in the snapshot, the table at hand.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Member:
    """One file of the archive: its rows, uncompressed bytes and their SHA-256."""

    path: str
    rows: int
    bytes: int
    sha256: str
    table: str = ""  # the model's label ("vouchers.entry"); "" for users.jsonl


@dataclass
class Manifest:
    """What `manifest.json` says (`as_json`), and where the archive was written (`path`, the
    outer file's `size` and `sha256`: not in the manifest, which is inside it)."""

    app_version: str
    created_at: str
    source: dict[str, str]
    migrations: dict[str, str]
    company: dict[str, Any]
    files: list[Member]
    checks: dict[str, Any]
    editlog_key_id: str
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    path: Path | None = field(default=None, compare=False)
    size: int = field(default=0, compare=False)
    sha256: str = field(default="", compare=False)
    encrypted: bool = field(default=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("path", "size", "sha256", "encrypted"):
            data.pop(key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        known = {f for f in cls.__dataclass_fields__ if f not in ("path", "size", "sha256")}
        values = {k: v for k, v in data.items() if k in known}
        values["files"] = [Member(**m) for m in data.get("files", [])]
        return cls(**values)

    def member(self, table: str) -> Member | None:
        return next((m for m in self.files if m.table == table), None)


# -- rows as text -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A column's value as JSON takes it: Decimals as strings (exact), dates ISO, datetimes ISO
    in UTC with microseconds (one spelling per instant)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into an archive")


def row_line(row: dict[str, Any]) -> bytes:
    """One row as its line: keys sorted, no spaces, UTF-8."""
    text = json.dumps(
        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
    return text.encode() + b"\n"


def user_fields(model: type[Model]) -> list[str]:
    """The columns of `model` that name a user (server-wide: carried by name)."""
    user_model = settings.AUTH_USER_MODEL.lower()
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, ForeignKey) and f.related_model._meta.label_lower == user_model
    ]


def tables_ordered() -> list[ArchivedTable]:
    """The registered tables that are carried, each after the tables its foreign keys name
    (then by label): one fixed order, so members are numbered alike in every archive."""
    tables = {t.label: t for t in archived_tables() if not t.derived}
    needs = {
        label: {
            f.related_model._meta.label_lower
            for f in t.model._meta.concrete_fields
            if isinstance(f, ForeignKey) and f.related_model._meta.label_lower in tables
        }
        - {label}
        for label, t in tables.items()
    }
    ordered: list[ArchivedTable] = []
    while needs:
        ready = sorted(label for label, wants in needs.items() if not wants)
        if not ready:
            raise RuntimeError(f"Archived tables refer to each other in a cycle: {sorted(needs)}")
        for label in ready:
            ordered.append(tables[label])
            del needs[label]
        for wants in needs.values():
            wants.difference_update(ready)
    return ordered


def member_path(position: int, table: ArchivedTable) -> str:
    return f"data/{position:03d}_{table.label}.jsonl"


def table_rows(table: ArchivedTable, company_id: int) -> Iterator[dict[str, Any]]:
    """The company's rows of `table` by primary key, as dicts of column values, streamed."""
    columns = [f.attname for f in table.model._meta.concrete_fields]
    rows = table.model._default_manager.filter(**{table.company: company_id}).order_by("pk")
    return rows.values(*columns).iterator(chunk_size=CHUNK)


# -- control figures ---------------------------------------------------------------------------


class Figures:
    """The control figures of a company's rows, fed row by row as they are written or read
    back: the vouchers counted, Σ Dr and Σ Cr in paise per financial year (by the entries'
    dates, so each year balances on its own), and the Edit Log's last seq and hash."""

    def __init__(self) -> None:
        self.vouchers = 0
        self.years: dict[str, dict[str, int]] = {}
        self.editlog = {"seq": 0, "hash": ""}
        self._company: Company | None = None

    def feed(self, label: str, row: dict[str, Any]) -> None:
        if label == "companies.company":
            start = row["financial_year_start"]
            if isinstance(start, str):
                start = dt.date.fromisoformat(start)
            self._company = Company(financial_year_start=start)
        elif label == "vouchers.voucher":
            self.vouchers += 1
        elif label == "vouchers.entry":
            self._entry(row)
        elif label == "editlog.change":
            self.editlog = {"seq": int(row["seq"]), "hash": row["hash"]}

    def _entry(self, row: dict[str, Any]) -> None:
        day = row["date"]
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        assert self._company is not None, "the company's row comes before its entries"
        year = str(self._company.financial_year_of(day))
        paise = int(Decimal(row["amount"]) * 100)
        sums = self.years.setdefault(year, {"debit": 0, "credit": 0})
        sums["debit" if paise > 0 else "credit"] += abs(paise)

    def as_json(self) -> dict[str, Any]:
        return {
            "vouchers": self.vouchers,
            "years": {year: self.years[year] for year in sorted(self.years)},
            "editlog": self.editlog,
        }


# -- the snapshot -------------------------------------------------------------------------------


@contextmanager
def snapshot() -> Iterator[None]:
    """One read transaction for the whole backup, so every table is read as of one moment
    while others keep saving. SQLite (WAL): a plain deferred BEGIN — its first read fixes the
    snapshot and writers go on (the connection's own transactions BEGIN IMMEDIATE, which would
    hold every save off until the backup ends). PostgreSQL: REPEATABLE READ, READ ONLY. Inside
    a caller's transaction (tests) the caller's snapshot is used."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def migration_state() -> dict[str, str]:
    """Each app's newest applied migration (by name: they are numbered), as recorded here."""
    state: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > state.get(app, ""):
            state[app] = name
    return dict(sorted(state.items()))


# -- writing -----------------------------------------------------------------------------------


class _Hashing:
    """A writable member that counts and hashes what goes through it, handing the zip 64 KiB
    at a time (a write per line was a third of a backup's time: zipfile's and zlib's calls)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.sha, self.size, self.rows = out, hashlib.sha256(), 0, 0
        self.pending: list[bytes] = []
        self.pending_size = 0

    def line(self, data: bytes) -> None:
        self.pending.append(data)
        self.pending_size += len(data)
        self.rows += 1
        if self.pending_size >= 65536:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            block = b"".join(self.pending)
            self.out.write(block)
            self.sha.update(block)
            self.size += len(block)
            self.pending, self.pending_size = [], 0


@contextmanager
def _member(archive: zipfile.ZipFile, path: str) -> Iterator[_Hashing]:
    info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=True) as out:
        member = _Hashing(out)
        yield member
        member.flush()


def _zip_write(out: IO[bytes], *, company: Company, progress: Progress | None) -> Manifest:
    """Write the company's archive (a zip) into `out`, from one snapshot."""
    with snapshot(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        fresh = Company.objects.get(pk=company.pk)  # the snapshot's first read fixes it
        tables = tables_ordered()
        total = sum(
            t.model._default_manager.filter(**{t.company: fresh.pk}).count() for t in tables
        )
        figures, users, members, done = Figures(), set(), [], 0
        for position, table in enumerate(tables, start=1):
            names = user_fields(table.model)
            with _member(archive, member_path(position, table)) as member:
                for row in table_rows(table, fresh.pk):
                    figures.feed(table.label, row)
                    users.update(row[n] for n in names if row[n] is not None)
                    member.line(row_line(row))
                    done += 1
                    if progress is not None and done % CHUNK == 0:
                        progress(done, total, table.label)
            members.append(
                Member(
                    member_path(position, table),
                    member.rows,
                    member.size,
                    member.sha.hexdigest(),
                    table.label,
                )
            )
        members.append(_users_write(archive, users))
        if (figures.editlog["seq"], figures.editlog["hash"] or fresh.last_hash) != (
            fresh.last_seq,
            fresh.last_hash,
        ):
            raise RuntimeError(
                f"{fresh.name}: the Edit Log read ends at #{figures.editlog['seq']}, the company "
                f"row at #{fresh.last_seq}: the snapshot is not consistent"
            )
        manifest = Manifest(
            app_version=tallysync.__version__,
            created_at=timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
            source={"vendor": connection.vendor, "django": django.get_version()},
            migrations=migration_state(),
            company={
                "id": fresh.pk,
                "chain_id": fresh.chain_id,
                "name": fresh.name,
                "books_beginning": fresh.books_beginning.isoformat(),
                "financial_year_start": fresh.financial_year_start.isoformat(),
            },
            files=members,
            checks=figures.as_json(),
            editlog_key_id=key_id(chain_key()),
        )
        info = zipfile.ZipInfo(MANIFEST, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, json.dumps(manifest.as_json(), indent=2, sort_keys=True) + "\n")
        if progress is not None:
            progress(done, total, "")
    return manifest


def _users_write(archive: zipfile.ZipFile, ids: set[int]) -> Member:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    with _member(archive, USERS) as member:
        for pk, name in (
            user_model._default_manager.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", user_model.USERNAME_FIELD)
        ):
            member.line(row_line({"id": pk, "username": name}))
    return Member(USERS, member.rows, member.size, member.sha.hexdigest())


def recipients_parse(recipients: list[str] | None) -> list[Any]:
    """age public keys (`age1…`) as pyrage recipients; Invalid naming the one that is not."""
    parsed = []
    for text in recipients or []:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(text.strip()))
        except Exception:
            raise Invalid.field(
                "recipient", f"{text.strip()[:20]!r} is not an age public key (age1…)."
            ) from None
    return parsed


def backup_write(
    *,
    company: Company,
    path: Path | str | IO[bytes],
    passphrase: str | None = None,
    recipients: list[str] | None = None,
    progress: Progress | None = None,
) -> Manifest:
    """Back `company` up into an archive and return its manifest (with `path`, `size`,
    `sha256` of the file written, and `encrypted`).

    `path`: a file name, or a binary file object (written in place: the caller owns it). A
    file is written under a temporary name in its folder, flushed to disk and renamed only
    when whole, so a process killed meanwhile leaves no file that looks like an archive (a
    `.part` at most). Into the backup folder, under a backup's name, goes
    `backups.folder.archive_write` (which calls this).

    `passphrase` (age scrypt; the archive is then held in memory: at most PASSPHRASE_LIMIT
    bytes) or `recipients` (age public keys, streamed) encrypt it in the age format, which the
    `age` and `rage` tools read. Invalid for a bad recipient, both at once, or an archive too
    big for a passphrase."""
    if passphrase and recipients:
        raise Invalid.field("passphrase", "Give a passphrase or a recipient key, not both.")
    keys = recipients_parse(recipients)
    encrypted = bool(passphrase or keys)
    if not isinstance(path, (str, Path)):
        manifest, digest = _written(path, company, passphrase, keys, progress)
        manifest.sha256, manifest.encrypted = digest, encrypted
        return manifest
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: name the archive's file")
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with part.open("wb") as out:
            manifest, digest = _written(out, company, passphrase, keys, progress)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
        folder_sync(target.parent)
    finally:
        with suppress(FileNotFoundError):
            part.unlink()
    manifest.path, manifest.size = target, target.stat().st_size
    manifest.sha256, manifest.encrypted = digest, encrypted
    return manifest


def _written(
    out: IO[bytes],
    company: Company,
    passphrase: str | None,
    keys: list[Any],
    progress: Progress | None,
) -> tuple[Manifest, str]:
    """The archive into `out` (encrypted when asked); its manifest and the SHA-256 of what
    went into `out`."""
    hashing = _HashingWriter(out)
    if not (passphrase or keys):
        return _zip_write(hashing, company=company, progress=progress), hashing.hexdigest()
    with tempfile.TemporaryFile(dir=_spool_dir(out)) as plain:
        manifest = _zip_write(plain, company=company, progress=progress)
        size = plain.seek(0, os.SEEK_END)
        plain.seek(0)
        if passphrase:
            if size > PASSPHRASE_LIMIT:
                raise Invalid.field(
                    "passphrase",
                    f"This archive is {size // 2**20} MB; a passphrase encrypts at most "
                    f"{PASSPHRASE_LIMIT // 2**20} MB. Use a recipient key (age1…) instead.",
                )
            hashing.write(pyrage.passphrase.encrypt(plain.read(), passphrase))
        else:
            pyrage.encrypt_io(plain, hashing, keys)
    return manifest, hashing.hexdigest()


class _HashingWriter:
    """A file object that passes writes on and hashes them (zipfile also asks `tell`)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.sha, self.position = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.sha.update(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        self.out.flush()

    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def _spool_dir(out: IO[bytes]) -> str | None:
    """Spool the plain archive beside the encrypted one (same disk), else in the temp folder."""
    name = getattr(out, "name", None)
    return str(Path(name).parent) if isinstance(name, str) and os.path.isabs(name) else None


def folder_sync(folder: Path) -> None:
    """Make a rename into `folder` itself durable (POSIX: fsync the folder), where the system
    allows it."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
