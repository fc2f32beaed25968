"""Read models: Trial Balance and ledger statement, from kept totals rather than raw entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, Sum

from companies.models import Company
from ledgers.models import Ledger, LedgerDay
from ledgers.money import ZERO
from vouchers.models import Entry


@dataclass(frozen=True)
class TrialBalanceRow:
    ledger: Ledger
    balance: Decimal  # signed, positive = Dr

    @property
    def debit(self) -> Decimal:
        return self.balance if self.balance > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date | None
    rows: list[TrialBalanceRow]
    # Tally's "Difference in opening balances": signed so that it makes the columns agree.
    opening_difference: Decimal

    @property
    def total_debit(self) -> Decimal:
        rows = sum((row.debit for row in self.rows), ZERO)
        return rows + max(self.opening_difference, ZERO)

    @property
    def total_credit(self) -> Decimal:
        rows = sum((row.credit for row in self.rows), ZERO)
        return rows + max(-self.opening_difference, ZERO)


def _day_sums(company: Company, condition: Q) -> dict[int, Decimal]:
    """Signed sum of day totals per ledger of `company` over the days matching `condition`."""
    sums = (
        LedgerDay.objects.filter(condition, ledger__company=company)
        .values("ledger_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    return {row["ledger_id"]: row["debit"] - row["credit"] for row in sums}


def _movements_until(company: Company, ledgers: list[Ledger], as_of: dt.date) -> dict[int, Decimal]:
    """Each ledger's net movement up to and including `as_of`, reading the fewer day rows:
    the days up to `as_of`, or the kept totals less the days after it."""
    last_day = LedgerDay.objects.filter(ledger__company=company).aggregate(d=Max("date"))["d"]
    if last_day is None or as_of >= last_day:
        return {ledger.pk: ledger.total_debit - ledger.total_credit for ledger in ledgers}
    midpoint = company.books_beginning + (last_day - company.books_beginning) / 2
    if as_of < midpoint:
        return _day_sums(company, Q(date__lte=as_of))
    after = _day_sums(company, Q(date__gt=as_of))
    return {
        ledger.pk: ledger.total_debit - ledger.total_credit - after.get(ledger.pk, ZERO)
        for ledger in ledgers
    }


def trial_balance_get(*, company: Company, as_of: dt.date | None = None) -> TrialBalance:
    """Closing balance of every ledger (as of a day, or now) with non-zero rows only."""
    ledgers = list(Ledger.objects.filter(company=company).select_related("group").order_by("name"))
    if as_of is None:
        movements = {ledger.pk: ledger.total_debit - ledger.total_credit for ledger in ledgers}
    else:
        movements = _movements_until(company, ledgers, as_of)
    rows = []
    for ledger in ledgers:
        balance = ledger.opening_balance + movements.get(ledger.pk, ZERO)
        if balance:
            rows.append(TrialBalanceRow(ledger=ledger, balance=balance))
    openings = sum((ledger.opening_balance for ledger in ledgers), ZERO)
    return TrialBalance(as_of=as_of, rows=rows, opening_difference=-openings)


@dataclass(frozen=True)
class StatementLine:
    entry: Entry
    balance: Decimal  # running, signed


@dataclass
class Statement:
    ledger: Ledger
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    closing: Decimal = ZERO
    more: bool = False  # lines beyond `limit` were left for the next page


def ledger_statement_get(
    *, ledger: Ledger, date_from: dt.date, date_to: dt.date, offset: int = 0, limit: int = 200
) -> Statement:
    """A ledger's entries between two days in date order, with running balances.

    The balance brought forward comes from the per-day totals; a later page adds the
    entries of the earlier pages of the range.
    """
    before = LedgerDay.objects.filter(ledger=ledger, date__lt=date_from).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    opening = ledger.opening_balance + (before["debit"] or ZERO) - (before["credit"] or ZERO)
    entries = (
        Entry.objects.filter(ledger=ledger, date__range=(date_from, date_to))
        .select_related("voucher__voucher_type")
        .order_by("date", "voucher_id", "position")
    )
    if offset:
        skipped = entries[:offset].values_list("amount", flat=True)
        opening += sum(skipped, ZERO)
    page = list(entries[offset : offset + limit + 1])
    statement = Statement(ledger=ledger, date_from=date_from, date_to=date_to, opening=opening)
    statement.more = len(page) > limit
    balance = opening
    for entry in page[:limit]:
        balance += entry.amount
        statement.lines.append(StatementLine(entry=entry, balance=balance))
    statement.closing = balance
    return statement
