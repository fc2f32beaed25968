"""Reads for the Bank Reconciliation: a bank ledger's entries with their bank dates, the
balances as per the books and as per the bank, a bank's statement lines and their proposals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from banking.models import StatementFormat, StatementLine
from banking.statements import Proposal, proposals_make
from companies.models import Company
from core.errors import Invalid
from core.money import ZERO
from ledgers.models import Ledger
from ledgers.selectors import ledger_get
from vouchers.bills import is_bank
from vouchers.models import BankAllocation, Entry

# Statement lines are proposed against entries up to this many days older (a cheque's number
# finds its entry at any age).
MATCH_DAYS = 7


def bank_ledgers(*, company: Company) -> QuerySet[Ledger]:
    """The company's ledgers under Bank Accounts and Bank OD A/c."""
    return Ledger.objects.filter(
        company=company, group__is_cash_bank=True, group__is_cash=False
    ).select_related("group")


def bank_ledger_get(*, company: Company, ledger_id: int) -> Ledger:
    """A bank ledger of the company: NotFound for none, Invalid on `ledger` for another kind."""
    ledger = ledger_get(company=company, ledger_id=ledger_id)
    if not is_bank(ledger):
        raise Invalid.field(
            "ledger",
            f"{ledger.name} is not a bank ledger: reconciliation is for ledgers under Bank "
            "Accounts or Bank OD A/c.",
        )
    return ledger


@dataclass
class ReconciliationRow:
    entry_id: int
    voucher_id: int
    version: int
    date: dt.date
    particulars: str
    voucher_type: str
    number: int
    instrument_type: str
    instrument_number: str
    instrument_date: dt.date | None
    amount: Decimal
    bank_date: dt.date | None

    @property
    def debit(self) -> Decimal:
        return self.amount if self.amount > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.amount if self.amount < 0 else ZERO


@dataclass
class Reconciliation:
    """Tally's Bank Reconciliation of a ledger for a period, as of its last day: `books` the
    balance as per the company's books; not reflected in the bank, the entries without a bank
    date on or before that day (`unreflected_debit`: deposits the bank has not credited yet,
    `unreflected_credit`: cheques issued it has not paid yet); `bank` the opening plus every
    entry the bank cleared by that day, read on its own: books − Dr + Cr = bank."""

    ledger: Ledger
    date_from: dt.date
    date_to: dt.date
    books: Decimal
    unreflected_debit: Decimal
    unreflected_credit: Decimal
    bank: Decimal
    rows: list[ReconciliationRow] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.books - self.unreflected_debit + self.unreflected_credit == self.bank


def _sum(entries: QuerySet[Entry], condition: Q) -> Decimal:
    return entries.filter(condition).aggregate(total=Sum("amount"))["total"] or ZERO


def _sides(entries: QuerySet[Entry]) -> tuple[Decimal, Decimal]:
    totals = entries.aggregate(
        dr=Sum("amount", filter=Q(amount__gt=0)), cr=Sum("amount", filter=Q(amount__lt=0))
    )
    return totals["dr"] or ZERO, -(totals["cr"] or ZERO)


def unreconciled(as_of: dt.date) -> Q:
    """An entry the bank had not cleared by `as_of` (no bank date, or a later one)."""
    return Q(bank__isnull=True) | Q(bank__bank_date__isnull=True) | Q(bank__bank_date__gt=as_of)


def _particulars(voucher_ids: set[int], ledger_id: int) -> dict[tuple[int, bool], str]:
    """Per (voucher, debit side of the bank line): the other side's ledger, or "(as per
    details)" for several; one query."""
    sides: dict[tuple[int, bool], set[str]] = defaultdict(set)
    others = Entry.objects.filter(voucher_id__in=voucher_ids).exclude(ledger_id=ledger_id)
    for voucher_id, amount, name in others.order_by().values_list(
        "voucher_id", "amount", "ledger__name"
    ):
        sides[(voucher_id, amount < 0)].add(name)
    return {key: "(as per details)" if len(v) > 1 else min(v) for key, v in sides.items()}


def _rows(ledger: Ledger, date_from: dt.date, date_to: dt.date) -> list[ReconciliationRow]:
    """The period's entries, and older ones the bank had not cleared by its end."""
    entries = (
        Entry.objects.filter(ledger=ledger, date__lte=date_to)
        .filter(Q(date__gte=date_from) | unreconciled(date_to))
        .select_related("voucher__voucher_type", "bank")
        .order_by("date", "voucher_id", "position")
    )
    entries = list(entries)
    names = _particulars({e.voucher_id for e in entries}, ledger.pk)
    rows = []
    for entry in entries:
        bank: BankAllocation | None = getattr(entry, "bank", None)
        rows.append(
            ReconciliationRow(
                entry_id=entry.pk,
                voucher_id=entry.voucher_id,
                version=entry.voucher.version,
                date=entry.date,
                particulars=names.get((entry.voucher_id, entry.amount > 0), ""),
                voucher_type=entry.voucher.voucher_type.name,
                number=entry.voucher.number,
                instrument_type=bank.get_instrument_type_display() if bank else "",
                instrument_number=bank.instrument_number if bank else "",
                instrument_date=bank.instrument_date if bank else None,
                amount=entry.amount,
                bank_date=bank.bank_date if bank else None,
            )
        )
    return rows


def bank_reconciliation_get(
    *, ledger: Ledger, date_from: dt.date, date_to: dt.date
) -> Reconciliation:
    """The Bank Reconciliation of a bank ledger for a period (five queries)."""
    if date_from > date_to:
        raise Invalid.field("from", "The period begins after it ends.")
    upto = Entry.objects.filter(ledger=ledger, date__lte=date_to).order_by()
    books = ledger.opening_balance + _sum(upto, Q())
    pending_dr, pending_cr = _sides(upto.filter(unreconciled(date_to)))
    bank = ledger.opening_balance + _sum(
        Entry.objects.filter(ledger=ledger).order_by(), Q(bank__bank_date__lte=date_to)
    )
    return Reconciliation(
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        books=books,
        unreflected_debit=pending_dr,
        unreflected_credit=pending_cr,
        bank=bank,
        rows=_rows(ledger, date_from, date_to),
    )


def statement_format_get(*, ledger: Ledger) -> StatementFormat | None:
    return StatementFormat.objects.filter(ledger=ledger).first()


def statement_lines(*, ledger: Ledger, matched: bool | None = None) -> QuerySet[StatementLine]:
    lines = StatementLine.objects.filter(ledger=ledger)
    return lines if matched is None else lines.filter(matched=matched)


def proposals_get(*, ledger: Ledger, days: int = MATCH_DAYS) -> list[Proposal]:
    """Each unmatched statement line with the unreconciled entry it most likely clears
    (banking.statements.proposals_make); two queries."""
    lines = list(statement_lines(ledger=ledger, matched=False))
    if not lines:
        return []
    entries = list(
        Entry.objects.filter(ledger=ledger)
        .filter(Q(bank__isnull=True) | Q(bank__bank_date__isnull=True))
        .filter(amount__in={-line.amount for line in lines})
        .select_related("voucher__voucher_type", "bank")
    )
    return proposals_make(lines, entries, days=days)
