"""`manage.py books_figures [--company NAME] [--against FILE]`: print every company's Trial
Balance, Profit & Loss A/c and Balance Sheet per financial year as canonical JSON (the database
is the one DATABASE_URL names); with --against, print how this database's figures differ from a
report taken elsewhere, and exit 1 if they do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.figures import FORMAT, books_figures, canonical_json, figures_diff


class Command(BaseCommand):
    help = (
        "Print the books' control figures: per company and financial year, the Trial Balance "
        "ledger by ledger, the Profit & Loss A/c and the Balance Sheet, as canonical JSON (two "
        "databases with the same books print the same bytes). With --against FILE, compare "
        "with a report printed from another database instead and list each difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--company", action="append", dest="names", help="Only this company (its name)."
        )
        parser.add_argument(
            "--against", type=Path, help="A report printed by books_figures to compare with."
        )

    def handle(self, *args: Any, names: list[str] | None, against: Path | None, **_: Any) -> None:
        figures = books_figures(names=names)
        if names and len(figures["companies"]) < len(names):
            missing = sorted(set(names) - set(figures["companies"]))
            raise CommandError(f"No company named {', '.join(missing)} in this database.")
        if against is None:
            self.stdout.write(canonical_json(figures))
            return
        differences = figures_diff(_report_read(against), figures)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} figures differ from {against} (see above).")
        count = len(figures["companies"])
        plural = "company" if count == 1 else "companies"
        self.stdout.write(f"The figures of {count} {plural} are the same as in {against}.")


def _report_read(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"--against {path}: not a report books_figures printed ({exc})") from exc
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise CommandError(f"--against {path}: not a report books_figures printed")
    return report
