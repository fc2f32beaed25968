"""`manage.py export_tally --company NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--utf8]
[--masters-only | --vouchers-only] -o FILE`: a company's books as a Tally XML file Tally imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from companies.models import Company
from tallyxml.writing import export_write


def day_parsed(text: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option as a date; CommandError naming the option otherwise."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Export a company's masters (groups, ledgers with openings and opening bills, voucher "
        "types) and its vouchers of a period as Tally XML (UTF-16LE with a BOM, as Tally's "
        "own exports, or UTF-8 with --utf8)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", required=True, help="The company's name.")
        parser.add_argument("--from", dest="date_from", help="First voucher date, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", help="Last voucher date, YYYY-MM-DD.")
        parser.add_argument("--utf8", action="store_true", help="UTF-8 instead of UTF-16LE.")
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--masters-only", action="store_true", help="No vouchers.")
        only.add_argument("--vouchers-only", action="store_true", help="No masters.")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        company = Company.objects.filter(name=options["company"]).first()
        if company is None:
            raise CommandError(f"No company called {options['company']}.")
        date_from = day_parsed(options["date_from"], "--from")
        date_to = day_parsed(options["date_to"], "--to")
        if date_from and date_to and date_from > date_to:
            raise CommandError(f"--from {date_from} is after --to {date_to}.")
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        with path.open("wb") as out:
            count = export_write(
                company, out, date_from=date_from, date_to=date_to,
                masters=not options["vouchers_only"], vouchers=not options["masters_only"],
                encoding="utf-8" if options["utf8"] else "utf-16",
            )  # fmt: skip
        self.stdout.write(
            f"Exported {count.groups} groups, {count.ledgers} ledgers, {count.units} units, "
            f"{count.stock_groups} stock groups, {count.godowns} godowns, {count.stock_items} "
            f"stock items, {count.voucher_types} voucher types and {count.vouchers} vouchers "
            f"to {path}."
        )
