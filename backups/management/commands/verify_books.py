"""`manage.py verify_books [--company ID] [--check ID …]`: run the checks of the books
(backups.verify, read-only) and print each finding with its check ID, object and message;
exits 1 when any is an error or worse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.verify import Finding, books_verify, checks, has_errors
from companies.models import Company


class Command(BaseCommand):
    help = (
        "Verify the books (read-only): voucher totals and entries, dates, numbers, orphans, "
        "group cycles, kept totals, opening difference, the trial balance, the database file "
        "and the Edit Log's chain. Prints each finding; exits 1 on any error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, help="Only this company (its id).")
        parser.add_argument(
            "--check",
            action="append",
            metavar="ID",
            help="Only this check (V01, B01, …); repeat for several.",
        )

    def handle(self, *args: Any, company: int | None = None, **options: Any) -> None:
        ids = options.get("check")
        known = {c.id for c in checks()}
        unknown = sorted({i.upper() for i in ids or []} - known)
        if unknown:
            choose = ", ".join(c.id for c in checks())
            raise CommandError(f"No check {', '.join(unknown)}: choose from {choose}.")
        chosen = None
        if company is not None:
            chosen = Company.objects.filter(pk=company).first()
            if chosen is None:
                raise CommandError(f"No company with id {company}.")
        progress = self._progress if self.stderr.isatty() else None
        findings = books_verify(company=chosen, ids=ids, progress=progress)
        if progress is not None:
            self.stderr.write("\r\033[K", ending="")
        self._print(findings)
        if has_errors(findings):
            errors = sum(1 for f in findings if f.severity >= 2)
            plural = "s" if errors != 1 else ""
            raise CommandError(f"{errors} error{plural} in the books (see above).")

    def _progress(self, done: int, total: int, stage: str) -> None:
        """`stage` names the check (i of n) and the rows it has read."""
        self.stderr.write(f"\r\033[KVerifying {stage[:100]}", ending="")
        self.stderr.flush()

    def _print(self, findings: list[Finding]) -> None:
        names = dict(Company.objects.values_list("id", "name"))
        count = len(findings)
        for finding in findings:
            where = (
                f"{names.get(finding.company_id, '?')} (id {finding.company_id})"
                if finding.company_id is not None
                else "Database"
            )
            self.stdout.write(f"{where}: {finding}")
        plural = "s" if count != 1 else ""
        self.stdout.write(f"{count} finding{plural} in the books" if count else "No findings")
