"""`manage.py import_tally FILE… --company NAME --user NAME [--dry-run]`: Tally XML files
(exports, Day Books, API answers; UTF-16 or UTF-8) posted into a company, created if missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from books.services import company_create, financial_year_start_now
from companies.models import Company
from core.errors import DomainError, Invalid
from tallyxml.importing import BATCH, Result, first_voucher_date, import_streams, rolled_back


def year_start_of(day: dt.date) -> dt.date:
    """1 April of the financial year `day` falls in."""
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


class Command(BaseCommand):
    help = (
        "Import Tally XML files into a company (created if missing, its year and books "
        "beginning taken from the first voucher). Prints Tally's counters and a line per "
        "refused object. Vouchers post in batches: running a file again continues where it "
        "stopped and changes nothing already posted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--company", required=True, help="The company's name.")
        parser.add_argument(
            "--user",
            required=True,
            help="Who imports: the Edit Log's actor, a new company's owner.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do everything, report it, then roll it all back: nothing is written.",
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="Vouchers per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["files"]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user called {options['user']}.")
        try:
            if options["dry_run"]:
                with rolled_back():
                    result = self._import(paths, options["company"], user, options["batch"])
            else:
                result = self._import(paths, options["company"], user, options["batch"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except ParseError as exc:
            # The batches before the fault stay posted (unless a dry run): run it again once
            # the file is mended and it continues.
            raise CommandError(f"Not well-formed XML: {exc}") from exc
        except DTDForbidden as exc:
            raise CommandError(
                "Refused: the file declares a document type (DTD), which Tally never writes "
                "and which could expand entities or fetch other files."
            ) from exc
        self._report(result, dry_run=options["dry_run"])

    def _import(self, paths: list[Path], name: str, user: Any, batch: int) -> Result:
        company = Company.objects.filter(name=name).first()
        if company is None:
            first = first_voucher_date(paths)
            year_start = year_start_of(first) if first else financial_year_start_now()
            try:
                company = company_create(
                    actor=user, name=name, financial_year_start=year_start,
                    books_beginning=year_start,
                )  # fmt: skip
            except Invalid as refusal:
                raise CommandError(f"Company {name}: {refusal}") from refusal
            self.stdout.write(f"Created company {name}, books beginning {year_start:%d-%b-%Y}.")
        streams = [path.open("rb") for path in paths]
        try:
            return import_streams(company=company, actor=user, streams=streams, batch=batch)
        finally:
            for stream in streams:
                stream.close()

    def _report(self, result: Result, *, dry_run: bool) -> None:
        for line in result.lines:
            self.stdout.write(line)
        counters = " ".join(f"{name.upper()} {count}" for name, count in result.counters().items())
        self.stdout.write(("Dry run (nothing written): " if dry_run else "") + counters)
