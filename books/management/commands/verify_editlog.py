"""`manage.py verify_editlog [--company ID] [--reconcile]`: recompute each company's keyed hash
chain and seqs and check the log still reaches the head the head file saw committed; with
--reconcile, compare the books with their Edit Log and their own entries too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from books.reconcile import books_reconcile
from companies.models import Company
from editlog.head import Head, head_path, heads_read
from editlog.selectors import EditLogProblem, change_head, editlog_verify

SHOWN = 20  # problems printed per company; the count says how many more


class Command(BaseCommand):
    help = (
        "Check the Edit Log: every Change's keyed hash chains to its predecessor's, the seqs run "
        "1..last seq without a gap, and each company's log still reaches, unchanged, the head "
        "the head file saw committed. Exits 1 naming the first broken seq of each company."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, help="Only this company (its id).")
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="Also compare every record with its latest Change, and every ledger's totals "
            "with its entries, naming each difference.",
        )

    def handle(self, *args: Any, company: int | None = None, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if company is not None:
            companies = companies.filter(pk=company)
            if not companies.exists():
                raise CommandError(f"No company with id {company}.")
        damaged, total, count = 0, 0, 0
        heads, headless = heads_read(), 0
        for each in companies.iterator():
            count += 1
            head = heads.get(each.chain_id)
            headless += head is None and each.last_seq > 0
            problems: list[Any] = editlog_verify(company=each, head=head)
            if options["reconcile"]:
                problems += books_reconcile(company=each)
            total += each.last_seq
            if problems:
                damaged += 1
                self._report(each, problems)
            elif options["verbosity"] >= 2:
                self._head(each)
        if company is None:
            damaged += self._unknown_chains(heads)
        if damaged:
            plural = "company" if damaged == 1 else "companies"
            what = "books or Edit Log" if options["reconcile"] else "Edit Log"
            raise CommandError(f"The {what} of {damaged} {plural} is damaged (see above).")
        plural = "company" if count == 1 else "companies"
        checked = "Edit Log and books" if options["reconcile"] else "Edit Log"
        self.stdout.write(f"{checked} of {count} {plural} verified: {total} changes")
        if headless:
            self.stdout.write(
                f"{headless} of them not in the head file {head_path()}: a log cut back at its "
                "end would not show there."
            )

    def _unknown_chains(self, heads: dict[str, Head]) -> int:
        """Chains the head file saw committed that no company here has: a company deleted
        behind the application's back (the log protects it), or its chain id changed to hide a
        log cut back. Each counts as a damaged company."""
        known = set(Company.objects.values_list("chain_id", flat=True))
        unknown = sorted(set(heads) - known)
        for chain_id in unknown:
            head = heads[chain_id]
            self.stderr.write(
                f"Chain {chain_id} (the head file saw Change #{head.seq} committed) belongs to no "
                "company in this database: a company was deleted, or its chain id changed"
            )
        return len(unknown)

    def _report(self, company: Company, problems: list[Any]) -> None:
        first = next((p for p in problems if isinstance(p, EditLogProblem)), None)
        where = f"first broken seq {first.seq}" if first else "the books differ from the log"
        self.stderr.write(f"{company.name} (id {company.pk}): {where}")
        for problem in problems[:SHOWN]:
            self.stderr.write(f"  {problem}")
        if len(problems) > SHOWN:
            self.stderr.write(f"  … and {len(problems) - SHOWN} more")

    def _head(self, company: Company) -> None:
        """The head hash vouches for the whole chain (the head file keeps a copy of each, to
        print in backup manifests or copy off the machine)."""
        head = change_head(company=company)
        where = f"#{head.seq} {head.hash}" if head else "empty"
        self.stdout.write(f"{company.name} (id {company.pk}): {company.last_seq} changes, {where}")
