"""`manage.py move_receive FOLDER` (run by move_to, on the target database): load the server's
users and configuration and restore every company's archive from the folder move_to wrote;
`move_receive --check` only says whether this database can take a move."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.move import MoveError, move_receive, target_refusal


class Command(BaseCommand):
    help = (
        "The target's half of move_to (which runs it): load the users and the Server "
        "configuration, then restore each company archive in FOLDER. With --check, exit 1 "
        "unless this database is empty (or migrated with no company and no user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, nargs="?")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, folder: Path | None, check: bool, **options: Any) -> None:
        if check:
            refusal = target_refusal()
            if refusal:
                raise CommandError(
                    f"The target database cannot take the move: {refusal}. move_to fills only "
                    "an empty database: create a new one (createdb tallysync) and name it."
                )
            return
        if folder is None:
            raise CommandError("Name the folder move_to wrote, or use --check.")
        try:
            move_receive(folder=folder, say=self.stdout.write)
        except MoveError as exc:
            raise CommandError(str(exc)) from exc
