"""`manage.py restore FILE [--mode new|copy|replace] [--name NAME] [--company NAME|ID]
--user NAME [--confirm NAME] [--passphrase-file F | --identity-file F]`: restore a company
from its archive (backups.restore), everything checked before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.forms import RestoreDraft, restore_draft
from backups.management.commands._progress import ProgressLine
from backups.management.commands.backup import _passphrase, companies_named, invalid_message
from backups.restore import MODES, restore
from companies.models import Company
from core.errors import DomainError, Invalid


class Command(BaseCommand):
    help = (
        "Restore a company from a backup archive: as a new company (as it was: its ids and "
        "Edit Log kept), as a copy under a new name, or replacing a company (its owner; a "
        "safety backup is written first). Checksums, row counts and control figures are "
        "checked before anything is written, and the load is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive (.tsbk or .tsbk.age).")
        parser.add_argument("--mode", default="new", help=f"One of {', '.join(MODES)}.")
        parser.add_argument("--name", help="The copy's name (--mode copy).")
        parser.add_argument("--company", metavar="NAME|ID", help="The company to replace.")
        parser.add_argument(
            "--user", required=True, help="Who restores (recorded in the Edit Log)."
        )
        parser.add_argument(
            "--confirm",
            metavar="NAME",
            help="The company's name again, to replace it (--mode replace).",
        )
        keys = parser.add_mutually_exclusive_group()
        keys.add_argument("--passphrase-file", type=Path)
        keys.add_argument(
            "--identity-file", type=Path, help="An age identity file (AGE-SECRET-KEY-… lines)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        actor = user_model._default_manager.filter(
            **{user_model.USERNAME_FIELD: options["user"]}
        ).first()
        if actor is None:
            raise CommandError(f"No user {options['user']!r}.")
        company = companies_named([options["company"]])[0] if options["company"] else None
        draft = _draft(actor, company, options)
        assert draft.archive is not None  # a file named, never an upload
        line = ProgressLine(self.stderr, draft.archive.name)
        try:
            restored = restore(
                archive=draft.archive,
                mode=draft.mode,
                name=draft.new_name,
                company=draft.company,
                actor=actor,
                passphrase=draft.passphrase,
                identities=list(draft.identities) or None,
                confirm=draft.confirm,
                progress=line,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        finally:
            line.end()
        if restored.safety:
            self.stdout.write(f"Safety backup: {restored.safety}")
        for note in restored.notes:
            self.stdout.write(note)
        for name in restored.users_created:
            self.stdout.write(f"Made user {name} (inactive, no password): the Edit Log names them.")
        self.stdout.write(
            f"Restored {restored.company.name} (id {restored.company.pk}) as {restored.mode}: "
            f"{restored.rows:,} rows, Edit Log #{restored.change.seq}."
        )


def _draft(actor: Any, company: Company | None, options: dict[str, Any]) -> RestoreDraft:
    """The Backups page's restore form, read from the options: the archive is any file."""
    data = {
        "archive": str(options["file"]),
        "mode": options["mode"],
        "name": options["name"],
        "confirm": options["confirm"],
        "passphrase": _passphrase(options["passphrase_file"]),
        "identity": _identity(options["identity_file"]),
    }
    try:
        return restore_draft(
            actor=actor,
            company=company,
            data=data,
            find=lambda text: Path(text) if Path(text).is_file() else None,
            message=lambda text: f"There is no file {text}.",
        )
    except Invalid as exc:
        raise CommandError(invalid_message(exc)) from None
    except DomainError as exc:
        raise CommandError(str(exc)) from None


def _identity(path: Path | None) -> str | None:
    """The identity file's text (its AGE-SECRET-KEY-… lines are the form's to find)."""
    if path is None:
        return None
    try:
        return path.read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read the identity file: {exc}") from None
