"""`manage.py move_to DATABASE_URL [--folder DIR]`: move every company (and the server's users
and configuration) from this database to an empty other one — normally SQLite to PostgreSQL —
and prove it: each company's Trial Balance, Profit & Loss A/c and Balance Sheet per financial
year compared on both sides, every difference printed (none when all is well)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backups.move import MoveError, move_to

SHOWN = 50  # differences printed; the count says how many more


class Command(BaseCommand):
    help = (
        "Move every company, with the server's users and configuration, to the database "
        "DATABASE_URL names (empty, or migrated with no company and no user; migrated here), "
        "then compare each company's Trial Balance, Profit & Loss A/c and Balance Sheet per "
        "financial year on both sides. Stop the server first. This database is only read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", metavar="DATABASE_URL", help="e.g. postgres://user@host/db")
        parser.add_argument(
            "--folder",
            type=Path,
            help="Where the archives and both sides' figures are kept (default: a new folder "
            "move-<date> in the data folder). They are a backup of the books as they were.",
        )

    def handle(self, *args: Any, url: str, folder: Path | None, **options: Any) -> None:
        folder = folder or Path(settings.VAR_DIR) / f"move-{timezone.now():%Y%m%d-%H%M%S}"
        try:
            report = move_to(url=url, folder=folder, say=self.stdout.write)
        except MoveError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Archives and figures kept in {report.folder}")
        if report.differences:
            self.stdout.write("Difference report:")
            for difference in report.differences[:SHOWN]:
                self.stdout.write(f"  {difference}")
            if len(report.differences) > SHOWN:
                self.stdout.write(f"  … and {len(report.differences) - SHOWN} more")
            raise CommandError(
                f"{len(report.differences)} figures differ between the two databases: "
                "keep using this one, and report the difference."
            )
        years = sum(len(c["years"]) for c in report.source["companies"].values())
        self.stdout.write(
            f"Difference report: empty. {report.companies} companies moved; their Trial "
            "Balance, Profit & Loss A/c and Balance Sheet are the same on both sides in each "
            f"of their financial years ({years} in all). Point DATABASE_URL at the new "
            "database and start the server."
        )
