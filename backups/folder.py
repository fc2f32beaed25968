"""The backup folder: where archives go, what they are called, which of them are good, and
writing one so that a writer killed half-way leaves nothing the list takes for a backup.

A good archive is a file with an archive's name (`ARCHIVE_NAME`); it gets that name only by a
rename after it was written whole and flushed to disk. While it is written it has a hidden
temporary name (`.<name>.<pid>.partial`), which no listing reads. Beside each good archive a
summary (`<name>.json`: company, app version, member count, the file's SHA-256) lets the list
show an encrypted archive without its key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from backups.archive import Manifest, Progress, backup_write, folder_sync
from backups.reading import archive_open, manifest_peek
from companies.models import Company
from config.selectors import config_get
from core.errors import Invalid

EXTENSION = ".tsbk"
ENCRYPTED = ".age"
SUMMARY = ".json"
PARTIAL = ".partial"
WRITERS_PART = ".part"  # backup_write's own temporary name, inside ours
KINDS = ("scheduled", "manual", "safety")
STAMP = "%Y%m%dT%H%M%SZ"
ARCHIVE_NAME = re.compile(
    r"^(?P<slug>[a-z0-9-]{0,40})--(?P<chain>[0-9a-f]{32})--(?P<stamp>\d{8}T\d{6}Z)"
    r"-(?P<kind>scheduled|manual|safety)(?:-(?P<n>\d{1,3}))?\.tsbk(?P<age>\.age)?$"
)
UPLOADS = ".uploads"  # archives uploaded for a restore, while it runs
PARTIALS_KEPT = dt.timedelta(hours=12)  # a temporary file older than this was left by a crash
SAFETY_PREFIX = ".safety-"  # a restore's folder for its safety backup, until it is adopted
SAFETY_KEPT = dt.timedelta(days=1)  # no restore runs this long: an older one was left by a crash


@dataclass(frozen=True)
class Archive:
    """One good archive in the folder, as its name and size tell."""

    path: Path
    chain_id: str  # the company's Company.chain_id
    at: dt.datetime  # when it was taken (UTC)
    kind: str  # scheduled, manual or safety
    encrypted: bool
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    def summary(self) -> dict[str, Any]:
        """What the archive's summary file says (empty if it is missing or unreadable)."""
        try:
            return json.loads(summary_path(self.path).read_text())
        except (OSError, ValueError):
            return {}


def folder_path() -> Path:
    """The one backup folder: settings.BACKUPS_DIR if the deployment sets it, else the folder
    configured on the Backups page (a relative path is inside the data folder)."""
    override = getattr(settings, "BACKUPS_DIR", "")
    if override:
        return Path(override)
    configured = config_get().backup_folder.strip()
    return Path(settings.VAR_DIR) / (configured or "backups")


def folder_get() -> Path:
    """The backup folder, created if need be (for writing)."""
    folder = folder_path()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def summary_path(path: Path) -> Path:
    return path.with_name(path.name + SUMMARY)


def archive_parse(path: Path) -> Archive | None:
    """The archive a file's name describes, or None for any other file."""
    found = ARCHIVE_NAME.match(path.name)
    if found is None:
        return None
    try:
        size = path.stat().st_size
    except OSError:  # deleted meanwhile (retention in another process)
        return None
    at = dt.datetime.strptime(found["stamp"], STAMP).replace(tzinfo=dt.UTC)
    return Archive(
        path=path,
        chain_id=found["chain"],
        at=at,
        kind=found["kind"],
        encrypted=bool(found["age"]),
        size=size,
    )


def archives_list(folder: Path, *, chain_id: str | None = None) -> list[Archive]:
    """The good archives in `folder` (of one company, if named), newest first."""
    archives: list[Archive] = []
    if not folder.is_dir():  # nothing backed up yet
        return archives
    with os.scandir(folder) as entries:
        for entry in entries:
            if chain_id and chain_id not in entry.name:
                continue
            archive = archive_parse(Path(entry.path))
            if archive and (chain_id is None or archive.chain_id == chain_id):
                archives.append(archive)
    return sorted(archives, key=lambda a: (a.at, a.name), reverse=True)


def archive_find(folder: Path, *, name: str, chain_id: str) -> Archive | None:
    """The company's good archive called `name` (a bare name: never a path elsewhere)."""
    if "/" in name or "\\" in name or not ARCHIVE_NAME.match(name):
        return None
    archive = archive_parse(folder / name)
    return archive if archive and archive.chain_id == chain_id else None


def last_good(folder: Path) -> dict[str, Archive]:
    """Each company's newest good archive, by chain id."""
    newest: dict[str, Archive] = {}
    for archive in archives_list(folder):
        newest.setdefault(archive.chain_id, archive)
    return newest


def archive_name(*, company: Company, at: dt.datetime, kind: str, encrypted: bool, n: int) -> str:
    slug = slugify(company.name)[:40].strip("-")
    stamp = at.astimezone(dt.UTC).strftime(STAMP)
    number = f"-{n}" if n > 1 else ""
    return f"{slug}--{company.chain_id}--{stamp}-{kind}{number}{EXTENSION}" + (
        ENCRYPTED if encrypted else ""
    )


def archive_write(
    *,
    company: Company,
    folder: Path,
    kind: str,
    passphrase: str | None = None,
    recipients: list[str] | None = None,
    progress: Progress | None = None,
) -> Archive:
    """Back `company` up into `folder` under a temporary name, write its summary, and only then
    give it its archive's name; nothing of it stays if anything fails. Raises Invalid (a bad
    recipient key, a passphrase archive over the size limit) and OSError (the folder)."""
    at = timezone.now().replace(microsecond=0)
    encrypted = bool(passphrase or recipients)
    partial = folder / f".{company.chain_id}.{at:%Y%m%d%H%M%S}.{os.getpid()}{PARTIAL}"
    try:
        # backup_write itself writes to a name of its own and renames it to `partial` when whole
        manifest = backup_write(
            company=company,
            path=partial,
            passphrase=passphrase or None,
            recipients=recipients or None,
            progress=progress,
        )
        final = _free_name(folder, company=company, at=at, kind=kind, encrypted=encrypted)
        _summary_write(final, manifest=manifest, company=company, kind=kind, encrypted=encrypted)
        os.rename(partial, final)  # the moment it becomes a backup the list shows
        folder_sync(folder)
    finally:
        partial.unlink(missing_ok=True)
    archive = archive_parse(final)
    assert archive is not None  # it was named by archive_name
    return archive


def archive_adopt(path: Path, *, company: Company, kind: str, folder: Path) -> Archive:
    """Take an archive written elsewhere by backup_write (restore's safety backup) into the
    folder under an archive's name, with its summary, so the list and retention see it."""
    at = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).replace(microsecond=0)
    with archive_open(archive=path) as reader:
        manifest = reader.manifest
    manifest.sha256 = reader.sha256
    final = _free_name(folder, company=company, at=at, kind=kind, encrypted=False)
    _summary_write(final, manifest=manifest, company=company, kind=kind, encrypted=False)
    shutil.move(path, final)
    archive = archive_parse(final)
    assert archive is not None
    return archive


def _free_name(
    folder: Path, *, company: Company, at: dt.datetime, kind: str, encrypted: bool
) -> Path:
    """The archive's name, numbered if one of the same second is there already."""
    for n in range(1, 1000):
        path = folder / archive_name(company=company, at=at, kind=kind, encrypted=encrypted, n=n)
        if not path.exists():
            return path
    raise FileExistsError(f"{folder}: a thousand backups of {company.name} in one second")


def _summary_write(
    final: Path, *, manifest: Manifest, company: Company, kind: str, encrypted: bool
) -> None:
    """The summary beside the archive, written before the archive is renamed into place: a good
    archive always has its summary (a summary without an archive is swept later)."""
    summary = {
        "company": company.name,
        "chain_id": company.chain_id,
        "kind": kind,
        "encrypted": encrypted,
        **manifest_summary(manifest),
    }
    path = summary_path(final)
    temporary = path.with_name(f".{path.name}.{os.getpid()}{PARTIAL}")
    temporary.write_text(json.dumps(summary, indent=1, sort_keys=True, default=str))
    _flush(temporary)
    os.replace(temporary, path)


def manifest_summary(manifest: Manifest) -> dict[str, Any]:
    """The parts of an archive's manifest the list and the JSON answer show."""
    return {
        "format_version": manifest.format_version,
        "app_version": manifest.app_version,
        "created_at": manifest.created_at,
        "rows": sum(member.rows for member in manifest.files),
        "sha256": manifest.sha256,
        "checks": manifest.checks,
    }


def _flush(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def archive_delete(archive: Archive) -> None:
    archive.path.unlink(missing_ok=True)
    summary_path(archive.path).unlink(missing_ok=True)


def leftovers_sweep(folder: Path, *, now: dt.datetime) -> list[Path]:
    """Remove what crashed writers left: temporary files and uploads older than PARTIALS_KEPT (a
    younger one may be a backup another process is writing), summaries whose archive is gone,
    and restores' safety folders (`safety_sweep`)."""
    removed = safety_sweep(folder, now=now)
    uploads = folder / UPLOADS
    for path in [*folder.iterdir(), *(uploads.iterdir() if uploads.is_dir() else ())]:
        if path.parent == uploads:  # a restore's upload whose server stopped before it ended
            left = path.is_file()
        elif path.name.startswith(".") and path.name.endswith((PARTIAL, WRITERS_PART)):
            left = True
        elif path.name.endswith(SUMMARY) and ARCHIVE_NAME.match(path.name[: -len(SUMMARY)]):
            left = not path.with_name(path.name[: -len(SUMMARY)]).exists()
        else:
            continue
        try:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        except OSError:
            continue
        if left and now - modified > PARTIALS_KEPT:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def safety_sweep(folder: Path, *, now: dt.datetime) -> list[Path]:
    """Restores' safety folders (`.safety-*`) older than SAFETY_KEPT, left by a server that
    stopped between a restore's safety backup and its adoption: each safety archive in one is
    adopted into `folder` (a safety backup of a company still here is worth keeping), the rest
    removed with the folder. The folders removed."""
    removed = []
    if not folder.is_dir():
        return removed
    for left in folder.glob(f"{SAFETY_PREFIX}*"):
        try:
            modified = dt.datetime.fromtimestamp(left.stat().st_mtime, tz=dt.UTC)
        except OSError:
            continue
        if not left.is_dir() or now - modified <= SAFETY_KEPT:
            continue
        for path in left.glob(f"*{EXTENSION}"):
            _safety_adopt(path, folder)
        shutil.rmtree(left, ignore_errors=True)
        removed.append(left)
    return removed


def _safety_adopt(path: Path, folder: Path) -> None:
    """Adopt a left safety archive as its company's safety backup, if it is a whole archive
    of a company this server has (else it goes with its folder)."""
    try:
        manifest = manifest_peek(path)
    except Invalid:
        return
    chain_id = manifest.company.get("chain_id") if manifest else None
    company = Company.objects.filter(chain_id=chain_id).first() if chain_id else None
    if company is not None:
        with suppress(Invalid, OSError):
            archive_adopt(path, company=company, kind="safety", folder=folder)
