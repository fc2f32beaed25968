"""A ledger's account books: its statement (Ledger Vouchers, and the Cash/Bank Book that shows
each day's closing), paged by key, and its Monthly Summary, from kept totals (LedgerDay)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Expression, ExpressionWrapper, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth

from companies.models import Company
from core.errors import Invalid, found
from core.money import ZERO, MoneyField, split_signed
from ledgers.models import Ledger, LedgerDay
from ledgers.selectors import carried_expression
from reports.selectors import _days_net
from vouchers.models import Entry

# A statement's order: the voucher's date, then the voucher, then its line.
ORDER = ["date", "voucher_id", "position"]
_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})\.(\d{1,5})$")
KEY_HELP = "A page key looks like 2026-10-05.1234.0 (day, voucher, line), as page links give it."


@dataclass(frozen=True, order=True)
class StatementKey:
    """Where a line stands in a statement's order; a page starts after one (keyset paging:
    every page costs the same, however far into the period it is)."""

    date: dt.date
    voucher_id: int
    position: int

    def __str__(self) -> str:
        return f"{self.date.isoformat()}.{self.voucher_id}.{self.position}"

    @classmethod
    def parse(cls, text: str) -> StatementKey:
        """The key a page link carried; Invalid naming `after` for anything else."""
        match = _KEY.match(text.strip())
        try:
            if match is None:
                raise ValueError
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            raise Invalid.field("after", KEY_HELP) from None
        return cls(day, int(match[2]), int(match[3]))

    def later(self) -> Q:
        """Entries after this key (among those from its day on)."""
        on_day = Q(voucher_id__gt=self.voucher_id) | Q(
            voucher_id=self.voucher_id, position__gt=self.position
        )
        return Q(date__gt=self.date) | Q(on_day, date=self.date)

    def up_to(self) -> Q:
        """Entries of its day at or before this key."""
        return Q(date=self.date) & (
            Q(voucher_id__lt=self.voucher_id)
            | Q(voucher_id=self.voucher_id, position__lte=self.position)
        )


@dataclass(frozen=True)
class StatementLine:
    """A line of a statement: one entry of the ledger, with what Tally shows beside it."""

    date: dt.date
    voucher_id: int
    position: int
    voucher_type: str
    number: int
    amount: Decimal  # signed, positive = Dr
    particulars: str  # the ledger on the other side, or "(as per details)" for several
    balance: Decimal  # running, signed
    day_end: bool = False  # the day's last line in the period: its balance is the day's closing

    @property
    def debit(self) -> Decimal:
        return split_signed(self.amount)[0]

    @property
    def credit(self) -> Decimal:
        return split_signed(self.amount)[1]

    @property
    def key(self) -> StatementKey:
        return StatementKey(self.date, self.voucher_id, self.position)


@dataclass
class Statement:
    """A page of a ledger's statement: `opening` is the balance brought forward to its first
    line, `closing` the balance after its last (the period's closing on the last page)."""

    ledger: Ledger
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    closing: Decimal = ZERO
    more: bool = False  # lines beyond this page were left for the next
    after: StatementKey | None = None  # the key this page starts after (None: the first page)
    previous: StatementKey | None = None  # the previous page's `after` (None: the first page)

    @property
    def next(self) -> StatementKey | None:
        """The key the next page starts after, if there is one."""
        return self.lines[-1].key if self.more else None


# The balance brought forward is read in the same statement as the page (so the two agree while
# other saves commit), as two scalar subqueries written in SQL: built with the ORM, resolving and
# compiling them took longer than running the whole page's SQL.
_DAYS_BEFORE = (
    "SELECT COALESCE(SUM(debit) - SUM(credit), 0) FROM {days} WHERE ledger_id = %s AND date < %s"
)
_DAY_UP_TO = (
    "SELECT COALESCE(SUM(amount), 0) FROM {entries} WHERE ledger_id = %s AND date = %s"
    " AND (voucher_id < %s OR (voucher_id = %s AND position <= %s))"
)


def _brought_forward(
    ledger: Ledger, company: Company, date_from: dt.date, after: StatementKey | None
) -> ExpressionWrapper:
    """The balance before the page's first line less the ledger's opening, as one expression:
    what the financial year of `date_from` carries (ledgers.selectors.carried_expression), the
    day rows before the page's first day, and that day's entries up to the key."""
    carried: Expression = carried_expression(
        company=company, year_start=company.financial_year_begins(date_from)
    )
    if not isinstance(carried, Value):  # nothing carried in the year the books begin in
        one = Ledger.objects.filter(pk=ledger.pk).order_by()
        carried = Subquery(one.annotate(year_carried=carried).values("year_carried"))
    day = connection.ops.adapt_datefield_value(date_from if after is None else after.date)
    days = LedgerDay._meta.db_table
    total = RawSQL(_DAYS_BEFORE.format(days=days), (ledger.pk, day), output_field=MoneyField())
    if after is not None:
        entries = Entry._meta.db_table
        up_to = (ledger.pk, day, after.voucher_id, after.voucher_id, after.position)
        total += RawSQL(_DAY_UP_TO.format(entries=entries), up_to, output_field=MoneyField())
    return ExpressionWrapper(total + carried, output_field=MoneyField())


AS_PER_DETAILS = "(as per details)"


def _particulars(rows: list[tuple[Any, ...]]) -> dict[tuple[int, bool], str]:
    """Per (voucher, debit side): what Tally shows as a line's particulars, the ledger on the
    other side or "(as per details)" for several; one query for the page's vouchers."""
    sides: dict[tuple[int, bool], set[str]] = defaultdict(set)
    entries = Entry.objects.filter(voucher_id__in={row[1] for row in rows}).order_by()
    for voucher_id, amount, name in entries.values_list("voucher_id", "amount", "ledger__name"):
        sides[(voucher_id, amount < 0)].add(name)  # the other side of a line on the debit side
    return {key: AS_PER_DETAILS if len(names) > 1 else min(names) for key, names in sides.items()}


LINE_FIELDS = ["date", "voucher_id", "position", "voucher__voucher_type__name", "voucher__number"]


def ledger_statement_get(
    *,
    ledger: Ledger,
    date_from: dt.date,
    date_to: dt.date,
    after: StatementKey | None = None,
    limit: int = 200,
    company: Company | None = None,
) -> Statement:
    """A page of a ledger's entries between two days in date order (up to `limit` lines after
    the key `after`), with running balances; the balance brought forward is kept as Tally keeps
    it in `date_from`'s financial year (an income or expense ledger opens each year at zero,
    Profit & Loss A/c takes what they carried). Invalid naming `after` for a key outside the
    period.

    One statement reads the page (plain values, no model per line) and its balance brought
    forward (from the per-day totals and the entries of the page's first day before the key),
    so they agree even while other saves commit, and a page costs the same wherever it is. A
    period that runs past a year's end runs on. A second query reads the other side's ledger
    names (the particulars), and after a key a third finds the previous page's key."""
    company = company or ledger.company
    if after is not None and not date_from <= after.date <= date_to:
        period = f"{date_from:%d-%b-%Y} to {date_to:%d-%b-%Y}"
        message = f"The page key's day {after.date:%d-%b-%Y} is not in the period {period}."
        raise Invalid.field("after", message)
    brought_forward = _brought_forward(ledger, company, date_from, after)
    # One lower and one upper bound on the day: given two, SQLite may range the index over the
    # one that is not the key's and filter its way to the key, as OFFSET does.
    entries = Entry.objects.filter(ledger=ledger)
    page = list(
        (
            entries.filter(after.later(), date__range=(after.date, date_to))
            if after
            else entries.filter(date__range=(date_from, date_to))
        )
        .annotate(brought_forward=brought_forward)
        .order_by(*ORDER)
        .values_list(*LINE_FIELDS, "amount", "brought_forward")[: limit + 1]
    )
    statement = Statement(ledger=ledger, date_from=date_from, date_to=date_to, opening=ZERO)
    statement.after = after
    if after is not None:
        statement.previous = _previous_key(entries, date_from, after, limit)
    if not page:
        before = Ledger.objects.filter(pk=ledger.pk).annotate(before=brought_forward)
        statement.opening = ledger.opening_balance + before.values_list("before", flat=True)[0]
        statement.closing = statement.opening
        return statement
    statement.more = len(page) > limit
    statement.opening = balance = ledger.opening_balance + page[0][-1]
    particulars = _particulars(page[:limit])
    for row, following in zip(page[:limit], [*page[1:], None], strict=False):
        day, voucher_id, position, kind, number, amount, _ = row
        balance += amount
        other = particulars.get((voucher_id, amount > 0), f"{kind} No. {number}")
        day_end = following is None or following[0] != day
        line = StatementLine(
            day, voucher_id, position, kind, number, amount, other, balance, day_end
        )
        statement.lines.append(line)
    statement.closing = balance
    return statement


@dataclass
class StatementStream:
    """A whole statement for a file: the opening balance, then its lines as they are read
    (`lines` is consumed once)."""

    opening: Decimal
    lines: Iterator[StatementLine]


def ledger_statement_stream(
    *, ledger: Ledger, date_from: dt.date, date_to: dt.date, company: Company, chunk: int = 2000
) -> StatementStream:
    """Every line of a ledger's statement between two days, read page by page by key (`chunk`
    lines a page), never all at once: for an export of a busy ledger's year. The lines and
    balances are the pages' (`ledger_statement_get`) when nothing is saved meanwhile, a day's
    last line marked as there."""
    first = ledger_statement_get(
        ledger=ledger, date_from=date_from, date_to=date_to, limit=chunk, company=company
    )

    def lines() -> Iterator[StatementLine]:
        # The running balance is carried from line to line here, not read again with each
        # page: a save committed between two pages cannot make the file jump.
        page, balance = first, first.opening
        while True:
            for line in page.lines:
                balance += line.amount
                yield replace(line, balance=balance)
            if page.next is None:
                return
            page = ledger_statement_get(
                ledger=ledger,
                date_from=date_from,
                date_to=date_to,
                after=page.next,
                limit=chunk,
                company=company,
            )

    return StatementStream(opening=first.opening, lines=lines())


def _previous_key(
    entries: QuerySet[Entry], date_from: dt.date, after: StatementKey, limit: int
) -> StatementKey | None:
    """The key the previous page starts after: the (limit + 1)th line back from this page's
    start, or None when the previous page is the first. (Reads back from the key's day.)"""
    back = (
        entries.filter(Q(date__lt=after.date) | after.up_to(), date__range=(date_from, after.date))
        .order_by(*(f"-{name}" for name in ORDER))
        .values_list(*ORDER)[limit : limit + 1]
    )
    row = next(iter(back), None)
    return StatementKey(*row) if row else None


@dataclass(frozen=True)
class MonthLine:
    """A month of a ledger's Monthly Summary: its debits, credits and the closing balance."""

    date_from: dt.date  # the month's first day in the year
    date_to: dt.date
    debit: Decimal
    credit: Decimal
    closing: Decimal  # signed


@dataclass(frozen=True)
class MonthlySummary:
    ledger: Ledger
    year_start: dt.date
    year_end: dt.date
    opening: Decimal  # signed: the year's opening balance
    months: list[MonthLine]

    @property
    def total_debit(self) -> Decimal:
        return sum((month.debit for month in self.months), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((month.credit for month in self.months), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.months[-1].closing if self.months else self.opening


def _months(year_start: dt.date, year_end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of a financial year, cut to its first and last days."""
    months, first = [], year_start
    while first <= year_end:
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((first, min(following - dt.timedelta(days=1), year_end)))
        first = following
    return months


def ledger_monthly_get(*, company: Company, ledger_id: int, year: int) -> MonthlySummary:
    """A ledger's Monthly Summary for the financial year beginning in `year` (2026 = 2026-27):
    each month's debits and credits and the closing balance, from the per-day totals; the year
    opens as Tally keeps it (ledgers.selectors.carried_expression: an income or expense ledger
    at zero). NotFound (404) for another company's ledger. Two queries: the ledger with its
    opening, and the months (grouped by the database)."""
    year_start = company.financial_year_start.replace(year=year)
    year_end = company.financial_year_start.replace(year=year + 1) - dt.timedelta(days=1)
    ledgers = (
        Ledger.objects.filter(company=company)
        .select_related("group")
        .annotate(
            carried=carried_expression(company=company, year_start=year_start),
            before=_days_net(Q(date__lt=year_start)),
        )
    )
    ledger = found(ledgers, pk=ledger_id)
    sums = {
        row["month"]: (row["debit"], row["credit"])
        for row in LedgerDay.objects.filter(ledger=ledger, date__range=(year_start, year_end))
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("month")
    }
    opening = ledger.opening_balance + ledger.before + ledger.carried  # type: ignore[attr-defined]
    balance, lines = opening, []
    for first, last in _months(year_start, year_end):
        debit, credit = sums.get(first.replace(day=1), (ZERO, ZERO))
        balance += debit - credit
        lines.append(MonthLine(first, last, debit, credit, balance))
    return MonthlySummary(ledger, year_start, year_end, opening, lines)
