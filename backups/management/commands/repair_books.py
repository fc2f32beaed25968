"""`manage.py repair_books [--company ID] [--user NAME] [--no-backup]`: take a safety backup,
then rebuild the derived totals and move broken rows to the Exceptions list (backups.repair);
print what was done and what is left for a person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backups.folder import archive_write, folder_get
from backups.repair import RepairReport, SafetyBackup, books_repair
from companies.models import Company, Membership


class Command(BaseCommand):
    help = (
        "Repair the books: a safety backup first, then ledger and day totals rebuilt from the "
        "entries and unreadable vouchers and orphan entries moved to the Exceptions list. "
        "Never edits an amount. Holds each company's write lock while it works."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, help="Only this company (its id).")
        parser.add_argument(
            "--user",
            help="The owner the repair is recorded as (default: each company's first owner).",
        )
        parser.add_argument(
            "--no-backup",
            action="store_true",
            help="Repair without the safety backup (when one was just taken by hand).",
        )

    def handle(self, *args: Any, company: int | None = None, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if company is not None:
            companies = companies.filter(pk=company)
            if not companies.exists():
                raise CommandError(f"No company with id {company}.")
        backup = None if options["no_backup"] else safety_backup()
        for each in companies:
            actor = self._actor(each, options.get("user"))
            report = books_repair(company=each, actor=actor, backup=backup)
            self._print(report, actor)

    def _actor(self, company: Company, username: str | None) -> AbstractBaseUser:
        owners = Membership.objects.filter(company=company, role=Membership.Role.OWNER)
        if username:
            owners = owners.filter(user__username=username)
        membership = owners.select_related("user").order_by("pk").first()
        if membership is None:
            who = f"{username} is not an owner" if username else "it has no owner"
            raise CommandError(f"{company.name} (id {company.pk}) cannot be repaired: {who}.")
        return membership.user

    def _print(self, report: RepairReport, actor: AbstractBaseUser) -> None:
        company = report.company
        head = f"{company.name} (id {company.pk}), as {actor.get_username()}"
        if report.backup is not None:
            self.stdout.write(f"{head}: safety backup {report.backup}")
        for moved in report.quarantined:
            self.stdout.write(
                f"{head}: moved {moved.object_type}:{moved.object_id} to the Exceptions list "
                f"({moved.check_id}: {moved.message})"
            )
        for line in report.rebuilt:
            self.stdout.write(f"{head}: rebuilt {line}")
        for finding in report.listed:
            self.stdout.write(f"{head}: left for you: {finding}")
        if not report.changed:
            self.stdout.write(f"{head}: nothing to repair")


def safety_backup() -> SafetyBackup:
    """The company archive a repair takes first, into the backup folder as a safety backup (so
    the Backups page lists it and retention keeps it for the safety policy)."""
    return lambda company: archive_write(company=company, folder=folder_get(), kind="safety").path
