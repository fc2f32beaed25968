"""Reading a backup archive back: decrypt it (age), open the zip, and check it whole before a
restore writes anything — the manifest's format and versions, every member's SHA-256 and row
count, and the control figures recomputed from the rows themselves.

    with archive_open(archive=path, passphrase=…) as reader:
        reader.verify()                    # Invalid naming what failed; nothing was written
        for row in reader.rows(member): …  # streamed, a line at a time
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyrage
from django.db import connection
from django.db.migrations.loader import MigrationLoader

import tallysync
from backups.archive import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PASSPHRASE_LIMIT,
    USERS,
    Figures,
    Manifest,
    Member,
    Progress,
)
from core.errors import Invalid
from core.records import archived_tables

AGE_MAGIC = b"age-encryption.org/v1\n"
BLOCK = 1024 * 1024


def refused(message: str) -> Invalid:
    """The archive cannot be restored: `message` names what failed (field "archive")."""
    return Invalid.field("archive", message)


@dataclass(frozen=True)
class Compatibility:
    """How the archive's schema stands to this server's: `older` apps (name: archived
    migration) restore with their later fields at their defaults."""

    older: dict[str, str]


class ArchiveReader:
    """An open, decrypted archive: its manifest, and its members' rows on demand."""

    def __init__(self, archive: zipfile.ZipFile, *, name: str, sha256: str) -> None:
        self.zip, self.name, self.sha256 = archive, name, sha256
        self.manifest = _manifest_read(archive)
        # Each table's lowest and highest id, learnt by `verify` (a restore keeping ids checks
        # they are free).
        self.pk_ranges: dict[str, tuple[int, int]] = {}

    def rows(self, member: Member) -> Iterator[dict[str, Any]]:
        """The member's rows, one line at a time (bounded memory)."""
        with self.zip.open(member.path) as lines:
            for line in lines:
                yield json.loads(line)

    def users(self) -> dict[int, str]:
        """Archived user id → user name (every user a row names)."""
        member = next((m for m in self.manifest.files if m.path == USERS), None)
        if member is None:
            return {}
        return {int(row["id"]): row["username"] for row in self.rows(member)}

    def verify(self, *, progress: Progress | None = None) -> Compatibility:
        """Check the whole archive before anything is written: versions (a newer app or
        migration state is refused), every member's SHA-256 and row count, no member the
        manifest does not list, and the control figures recomputed from the rows. Invalid
        (field "archive") naming the first thing that failed."""
        compatibility = compatibility_check(self.manifest)
        listed = {m.path for m in self.manifest.files} | {MANIFEST}
        extra = sorted(set(self.zip.namelist()) - listed)
        if extra:
            raise refused(f"{self.name}: {extra[0]} is in the archive but not in its manifest.")
        figures = Figures()
        self._checked, self._total = 0, sum(m.rows for m in self.manifest.files if m.table)
        for member in self.manifest.files:
            self._member_check(member, figures, progress)
        recomputed = figures.as_json()
        for key in ("vouchers", "years", "editlog"):
            if recomputed[key] != self.manifest.checks.get(key):
                raise refused(
                    f"{self.name}: the control figure {key!r} recomputed from the rows "
                    f"({json.dumps(recomputed[key])}) differs from the manifest's "
                    f"({json.dumps(self.manifest.checks.get(key))})."
                )
        for year, sums in recomputed["years"].items():
            if sums["debit"] != sums["credit"]:
                raise refused(
                    f"{self.name}: in the financial year {year}-{int(year) + 1 - 2000:02d} the "
                    f"debits ({sums['debit']} paise) and credits ({sums['credit']}) differ."
                )
        return compatibility

    def _member_check(self, member: Member, figures: Figures, progress: Progress | None) -> None:
        try:
            opened = self.zip.open(member.path)
        except KeyError:
            raise refused(f"{self.name}: {member.path} is missing from the archive.") from None
        sha, size, rows = hashlib.sha256(), 0, 0
        try:
            with opened as lines:
                for line in lines:
                    sha.update(line)
                    size += len(line)
                    rows += 1
                    if member.table:
                        row = json.loads(line)
                        figures.feed(member.table, row)
                        self._pk_note(member.table, row)
                    if progress is not None and rows % CHUNK == 0:
                        progress(self._checked + rows, self._total, f"checking {member.path}")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise refused(f"{self.name}: {member.path} is damaged ({exc}).") from None
        self._checked += rows
        if sha.hexdigest() != member.sha256 or size != member.bytes:
            raise refused(
                f"{self.name}: {member.path} is not as it was written (its SHA-256 differs "
                "from the manifest's): the file is damaged or was altered."
            )
        if rows != member.rows:
            raise refused(
                f"{self.name}: {member.path} holds {rows} rows, its manifest says {member.rows}."
            )

    def _pk_note(self, table: str, row: dict[str, Any]) -> None:
        pk = row.get("id")
        if isinstance(pk, int):
            low, high = self.pk_ranges.get(table, (pk, pk))
            self.pk_ranges[table] = (min(low, pk), max(high, pk))


def _manifest_read(archive: zipfile.ZipFile) -> Manifest:
    try:
        data = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise refused("This is not a TallySync backup: it has no manifest.json.") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise refused(f"The archive's manifest.json cannot be read ({exc}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise refused(f"This is not a TallySync backup (its format is not {FORMAT!r}).")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise refused(
            f"This archive is in format version {version}, newer than this TallySync "
            f"({tallysync.__version__}) reads ({FORMAT_VERSION}): upgrade TallySync first."
        )
    try:
        return Manifest.from_json(data)
    except TypeError as exc:
        raise refused(f"The archive's manifest.json is not complete ({exc}).") from None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))


def compatibility_check(manifest: Manifest) -> Compatibility:
    """Refuse an archive from a newer TallySync (its app version, or a migration this server
    does not have); name the apps whose archived migration is older than this server's."""
    made_by = manifest.app_version
    if _version(made_by) > _version(tallysync.__version__):
        raise refused(
            f"This archive was made by TallySync {made_by}, newer than this server's "
            f"{tallysync.__version__}: upgrade TallySync first."
        )
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    older: dict[str, str] = {}
    apps = {t.model._meta.app_label for t in archived_tables()}
    for app, name in manifest.migrations.items():
        if app not in apps:  # another app's state (sessions, axes…) does not shape the rows
            continue
        if (app, name) not in loader.disk_migrations:
            raise refused(
                f"This archive's {app} data is at migration {name}, which this server "
                f"(TallySync {tallysync.__version__}) does not have: it was made by a newer "
                "version. Upgrade TallySync first."
            )
        leaves = loader.graph.leaf_nodes(app)
        if leaves and (app, name) not in leaves:
            older[app] = name
    return Compatibility(older=older)


def manifest_peek(path: Path) -> Manifest | None:
    """The manifest of the archive file at `path`, its members unchecked — for a list of
    backups (company, date, version); None for an encrypted one (the manifest is inside the
    encryption: the list shows its file's name, size and date). Invalid if it is no archive."""
    if encrypted(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return _manifest_read(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refused(f"{path.name} is not a TallySync backup, or is damaged ({exc}).") from None


# -- opening and decrypting ----------------------------------------------------------------------


def encrypted(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(AGE_MAGIC)) == AGE_MAGIC


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(BLOCK):
            sha.update(block)
    return sha.hexdigest()


def _decrypt(
    source: Path, out: IO[bytes], *, passphrase: str | None, identities: list[str] | None
) -> None:
    """Decrypt the age file `source` into `out`; Invalid naming why it cannot be."""
    with source.open("rb") as file:
        header = file.read(4096)
    by_passphrase = b"\n-> scrypt " in header
    if by_passphrase:
        if not passphrase:
            raise refused(f"{source.name} is encrypted with a passphrase: give the passphrase.")
        if source.stat().st_size > PASSPHRASE_LIMIT + PASSPHRASE_LIMIT // 64:
            raise refused(f"{source.name} is larger than a passphrase-encrypted archive can be.")
        try:
            out.write(pyrage.passphrase.decrypt(source.read_bytes(), passphrase))
        except pyrage.DecryptError:
            raise refused(
                f"{source.name} cannot be decrypted: the passphrase is wrong, or the file is "
                "damaged."
            ) from None
        return
    if not identities:
        raise refused(
            f"{source.name} is encrypted for an age key: give the identity (AGE-SECRET-KEY-…)."
        )
    try:
        keys = [pyrage.x25519.Identity.from_str(text.strip()) for text in identities]
    except Exception:
        raise refused("The identity given is not an age secret key (AGE-SECRET-KEY-…).") from None
    try:
        with source.open("rb") as file:
            pyrage.decrypt_io(file, out, keys)
    except pyrage.DecryptError as exc:
        raise refused(f"{source.name} cannot be decrypted: {exc} (a wrong key?).") from None
    except OSError:
        raise refused(f"{source.name} cannot be decrypted: it is damaged or cut short.") from None


@contextmanager
def archive_open(
    *,
    archive: Path | str,
    passphrase: str | None = None,
    identities: list[str] | None = None,
) -> Iterator[ArchiveReader]:
    """Open the archive file `archive` (decrypting a `.tsbk.age` with the passphrase or an
    age identity into a temporary file, removed after); Invalid (field "archive") if it cannot
    be opened or decrypted, or is not a TallySync backup. The reader's `sha256` is the file's
    as given (encrypted or not): what the restore's Change names."""
    path = Path(archive)
    if not path.is_file():
        raise refused(f"There is no file {path}.")
    digest = _file_sha256(path)
    with tempfile.TemporaryFile() as plain:
        if encrypted(path):
            _decrypt(path, plain, passphrase=passphrase, identities=identities)
            plain.seek(0)
            source: Any = plain
        else:
            source = path
        try:
            opened = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise refused(
                f"{path.name} is not a TallySync backup, or is damaged ({exc})."
            ) from None
        with opened:
            yield ArchiveReader(opened, name=path.name, sha256=digest)
