"""`manage.py backup [--company NAME|ID ...] [--to DIR|FILE] [--passphrase-file F | --recipient
AGE1…]`: one archive per company (every company by default), each path printed when written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.archive import backup_write
from backups.folder import archive_write, folder_get
from backups.forms import BackupDraft, backup_draft
from backups.management.commands._progress import ProgressLine
from companies.models import Company
from core.errors import Invalid


def companies_named(names: list[str]) -> list[Company]:
    """The companies named (by id or exact name), in the order given; CommandError for one
    that is not there or a name two companies share."""
    found = []
    for name in names:
        if name.isdigit():
            matches = list(Company.objects.filter(pk=int(name)))
        else:
            matches = list(Company.objects.filter(name=name))
        if not matches:
            raise CommandError(f"No company {name!r} (give its name or id).")
        if len(matches) > 1:
            ids = ", ".join(str(c.pk) for c in matches)
            raise CommandError(f"{len(matches)} companies are named {name!r}: give the id ({ids}).")
        found.append(matches[0])
    return found


class Command(BaseCommand):
    help = (
        "Back up companies, one archive (.tsbk) each, from one consistent snapshot while "
        "others keep saving; with a passphrase or an age recipient key the archive is "
        "encrypted (.tsbk.age, readable with the age tool). Prints each archive's path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--company",
            action="append",
            default=[],
            metavar="NAME|ID",
            help="A company to back up (repeat for more); every company if none is given.",
        )
        parser.add_argument(
            "--to",
            type=Path,
            help="The folder for the archives (default: the backup folder, var/backups), named "
            "as the Backups page names them; or, for one company, the archive's file name.",
        )
        keys = parser.add_mutually_exclusive_group()
        keys.add_argument(
            "--passphrase-file",
            type=Path,
            help="Encrypt with the passphrase in this file's first line (archives up to 512 MB).",
        )
        keys.add_argument(
            "--recipient",
            action="append",
            default=[],
            metavar="AGE1…",
            help="Encrypt for this age public key (repeat for several; any size).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        companies = companies_named(options["company"]) or list(Company.objects.order_by("pk"))
        to = options["to"] or folder_get()
        file = to if to.name.endswith((".tsbk", ".tsbk.age")) else None
        folder = to.parent if file else to
        if not folder.is_dir():
            raise CommandError(f"There is no folder {folder}.")
        if file is not None and len(companies) > 1:
            raise CommandError(f"{file} is one file: name one company, or give a folder.")
        keys = {
            "passphrase": _passphrase(options["passphrase_file"]),
            "recipients": options["recipient"],
        }
        drafts = [_draft(company, keys) for company in companies]  # all checked before any
        for draft in drafts:
            line = ProgressLine(self.stderr, draft.company.name)
            try:
                path, checks, size, sha256 = _write(draft, file, folder, line)
            except Invalid as exc:
                raise CommandError(str(exc)) from None
            finally:
                line.end()
            self.stdout.write(str(path))
            if options["verbosity"] >= 2:
                self.stdout.write(
                    f"  {draft.company.name}: {checks['vouchers']} vouchers, Edit Log to "
                    f"#{checks['editlog']['seq']}, {size:,} bytes, sha256 {sha256}"
                )


# The command's options by the backup form's fields, for its messages.
OPTIONS = {
    "passphrase": "--passphrase-file",
    "recipients": "--recipient",
    "archive": "FILE",
    "identity": "--identity-file",
}


def invalid_message(exc: Invalid) -> str:
    """A form's messages as a command's: each under the option it came from."""
    return "; ".join(
        " ".join(messages)
        if name == "__all__"
        else f"{OPTIONS.get(name, '--' + name)}: " + " ".join(messages)
        for name, messages in exc.errors.items()
    )


def _draft(company: Company, keys: dict[str, Any]) -> BackupDraft:
    """The Backups page's form, read from the options (the server's own command line: no
    owner to ask)."""
    try:
        return backup_draft(company=company, actor=None, data=keys)
    except Invalid as exc:
        raise CommandError(invalid_message(exc)) from None


def _write(
    draft: BackupDraft, file: Path | None, folder: Path, line: ProgressLine
) -> tuple[Path, dict[str, Any], int, str]:
    """One archive: into the file named, else into the folder as a manual backup (its name
    and summary are what the Backups page lists)."""
    company = draft.company
    keys = {"passphrase": draft.passphrase, "recipients": list(draft.recipients) or None}
    if file is not None:
        manifest = backup_write(company=company, path=file, progress=line, **keys)
        return manifest.path, manifest.checks, manifest.size, manifest.sha256
    archive = archive_write(company=company, folder=folder, kind="manual", progress=line, **keys)
    summary = archive.summary()
    return archive.path, summary["checks"], archive.size, summary["sha256"]


def _passphrase(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text().splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read the passphrase file: {exc}") from None
    if not text or not text[0]:
        raise CommandError(f"The passphrase file {path} is empty.")
    return text[0]
