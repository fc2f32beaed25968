"""`manage.py restore FILE [--mode new|copy|replace] [--name NAME] [--company NAME|ID]
--user NAME [--confirm NAME] [--passphrase-file F | --identity-file F]`: restore a company
from its archive (backups.restore), everything checked before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.management.commands._progress import ProgressLine
from backups.management.commands.backup import _passphrase, companies_named
from backups.restore import MODES, restore
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Restore a company from a backup archive: as a new company (as it was: its ids and "
        "Edit Log kept), as a copy under a new name, or replacing a company (its owner; a "
        "safety backup is written first). Checksums, row counts and control figures are "
        "checked before anything is written, and the load is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive (.tsbk or .tsbk.age).")
        parser.add_argument("--mode", choices=MODES, default="new")
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
        line = ProgressLine(self.stderr, options["file"].name)
        try:
            restored = restore(
                archive=options["file"],
                mode=options["mode"],
                name=options["name"],
                company=company,
                actor=actor,
                passphrase=_passphrase(options["passphrase_file"]),
                identities=_identities(options["identity_file"]),
                confirm=options["confirm"],
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


def _identities(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read the identity file: {exc}") from None
    keys = [line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise CommandError(f"{path} holds no age identity (AGE-SECRET-KEY-…).")
    return keys
