"""Read models: Trial Balance and ledger statement, from kept totals rather than raw entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce

from companies.models import Company
from core.money import ZERO, MoneyField
from editlog.models import Change
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.selectors import (
    ChartNode,
    carried_expression,
    chart_build,
    chart_find,
    group_list,
    ledger_list,
)
from vouchers.models import Entry, Voucher
from vouchers.selectors import day_book, day_book_days


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


_OUTER_LEDGER = OuterRef("pk")


def _days_net(condition: Q, ledger: OuterRef | int = _OUTER_LEDGER) -> Coalesce:
    """Debit less credit over a ledger's days matching `condition`, as a subquery (correlated
    to the outer ledger row by default).

    Being part of the one statement that reads the ledgers, it sees the same snapshot as
    their opening balances and totals, even while other saves commit.
    """
    days = (
        LedgerDay.objects.filter(condition, ledger=ledger)
        .values("ledger")
        .annotate(net=ExpressionWrapper(Sum("debit") - Sum("credit"), output_field=MoneyField()))
        .values("net")
    )
    return Coalesce(Subquery(days), Value(0), output_field=MoneyField())


def _ledgers_until(company: Company, as_of: dt.date | None) -> list[Ledger]:
    """The ledgers as of a day (or now) in that day's financial year (`carried`, see
    `ledgers.selectors.carried_expression`), with `movement`: net of their entries up to and
    including `as_of`.

    Reads the fewer day rows: the days up to `as_of`, or the kept totals less the days after.
    """
    ledgers = ledger_list(company=company, today=as_of)
    if as_of is None:
        return [_with_movement(ledger, ZERO) for ledger in ledgers]
    last_day = LedgerDay.objects.filter(ledger__company=company).aggregate(d=Max("date"))["d"]
    if last_day is None or as_of >= last_day:
        return [_with_movement(ledger, ZERO) for ledger in ledgers]
    midpoint = company.books_beginning + (last_day - company.books_beginning) / 2
    if as_of < midpoint:
        return [
            _with_movement(ledger, ledger.upto - ledger.total_debit + ledger.total_credit)
            for ledger in ledgers.annotate(upto=_days_net(Q(date__lte=as_of)))
        ]
    return [
        _with_movement(ledger, -ledger.after)
        for ledger in ledgers.annotate(after=_days_net(Q(date__gt=as_of)))
    ]


def _with_movement(ledger: Ledger, adjustment: Decimal) -> Ledger:
    ledger.movement = ledger.total_debit - ledger.total_credit + adjustment  # type: ignore[attr-defined]
    return ledger


def trial_balance_get(*, company: Company, as_of: dt.date | None = None) -> TrialBalance:
    """Closing balance of every ledger (as of a day, or now) with non-zero rows only, in that
    day's financial year: income and expense ledgers from its first day, earlier years'
    results in Profit & Loss A/c."""
    ledgers = _ledgers_until(company, as_of)
    rows = []
    for ledger in ledgers:
        balance = ledger.opening_balance + ledger.movement + ledger.carried  # type: ignore[attr-defined]
        if balance:
            rows.append(TrialBalanceRow(ledger=ledger, balance=balance))
    openings = sum((ledger.opening_balance for ledger in ledgers), ZERO)
    return TrialBalance(as_of=as_of, rows=rows, opening_difference=-openings)


@dataclass(frozen=True)
class GroupedTrialBalance:
    """The Trial Balance as its page shows it: a row per group (net of its ledgers, as Tally
    shows a group), or a group's sub-groups and ledgers; the totals add the rows shown."""

    groups: list[ChartNode]
    ledgers: list[tuple[Ledger, Decimal]]
    ungrouped: list[TrialBalanceRow]
    opening_difference: Decimal  # zero inside a group

    def _amounts(self) -> list[Decimal]:
        return [
            *(node.total for node in self.groups),
            *(amount for _, amount in self.ledgers),
            *(row.balance for row in self.ungrouped),
            self.opening_difference,
        ]

    @property
    def total_debit(self) -> Decimal:
        return sum((a for a in self._amounts() if a > 0), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return -sum((a for a in self._amounts() if a < 0), ZERO)


def trial_balance_grouped(
    *, report: TrialBalance, groups: list[Group], focus_id: int | None = None
) -> tuple[GroupedTrialBalance, ChartNode | None]:
    """The page's rows: the primary groups (or the sub-groups and ledgers of group `focus_id`;
    NotFound-free: None when the company has no such group)."""
    roots = chart_build(groups=groups, balances=[(r.ledger, r.balance) for r in report.rows])
    focus = None
    if focus_id is not None:
        focus = next((n for root in roots if (n := root.find(focus_id))), None)
        if focus is None:
            return GroupedTrialBalance([], [], [], ZERO), None
    grouped = GroupedTrialBalance(
        groups=[n for n in (focus.children if focus else roots) if n.total],
        ledgers=[(lg, amt) for lg, amt in (focus.ledgers if focus else []) if amt],
        ungrouped=[] if focus else [r for r in report.rows if r.ledger.group_id is None],
        opening_difference=ZERO if focus else report.opening_difference,
    )
    return grouped, focus


@dataclass(frozen=True)
class StatementLine:
    entry: Entry
    balance: Decimal  # running, signed

    @property
    def particulars(self) -> str:
        """As Tally shows it: the ledger on the other side, or "(as per details)" for several."""
        entry = self.entry
        others = [e for e in entry.voucher.entries.all() if (e.amount > 0) != (entry.amount > 0)]
        if len({e.ledger_id for e in others}) > 1:
            return "(as per details)"
        return others[0].ledger.name if others else str(entry.voucher)


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
    *,
    ledger: Ledger,
    date_from: dt.date,
    date_to: dt.date,
    offset: int = 0,
    limit: int = 200,
    company: Company | None = None,
) -> Statement:
    """A ledger's entries between two days in date order, with running balances; the balance
    brought forward is kept as Tally keeps it in `date_from`'s financial year (an income or
    expense ledger opens each year at zero, Profit & Loss A/c takes what they carried).

    One statement reads the page, the running sum over the range (a window, computed before
    the page is cut) and the balance brought forward from the per-day totals, so they agree
    even while other saves commit. A period that runs past a year's end runs on.
    """
    company = company or ledger.company
    year_start = company.financial_year_begins(date_from)
    carried = Subquery(
        Ledger.objects.filter(pk=ledger.pk)
        .annotate(year_carried=carried_expression(company=company, year_start=year_start))
        .values("year_carried")
    )
    order = ["date", "voucher_id", "position"]
    brought_forward = ExpressionWrapper(
        _days_net(Q(date__lt=date_from), ledger=ledger.pk) + carried, output_field=MoneyField()
    )
    entries = (
        Entry.objects.filter(ledger=ledger, date__range=(date_from, date_to))
        .select_related("voucher__voucher_type")
        .prefetch_related(
            Prefetch("voucher__entries", queryset=Entry.objects.select_related("ledger"))
        )
        .annotate(
            running=Window(Sum("amount"), order_by=[F(name).asc() for name in order]),
            brought_forward=brought_forward,
        )
        .order_by(*order)
    )
    page = list(entries[offset : offset + limit + 1])
    statement = Statement(ledger=ledger, date_from=date_from, date_to=date_to, opening=ZERO)
    if not page:
        before = Ledger.objects.filter(pk=ledger.pk).annotate(before=brought_forward)
        statement.opening = ledger.opening_balance + before.values_list("before", flat=True)[0]
        statement.closing = statement.opening
        return statement
    statement.more = len(page) > limit
    first = page[0]
    statement.opening = (
        ledger.opening_balance + first.brought_forward + first.running - first.amount
    )
    for entry in page[:limit]:
        balance = ledger.opening_balance + entry.brought_forward + entry.running
        statement.lines.append(StatementLine(entry=entry, balance=balance))
    statement.closing = statement.lines[-1].balance
    return statement


@dataclass(frozen=True)
class Dashboard:
    cash_bank: list[tuple[Ledger, Decimal]]
    receivables: ChartNode  # Sundry Debtors
    payables: ChartNode  # Sundry Creditors
    today: dt.date
    vouchers_today: list[Voucher]
    recent: list[Change]

    @property
    def days(self) -> list[tuple[dt.date, list[Voucher]]]:
        """Today as the Day Book table shows days."""
        return day_book_days(self.vouchers_today, date_from=self.today, date_to=self.today)


def dashboard_get(*, company: Company, today: dt.date, recent: int = 10) -> Dashboard:
    """Cash and bank balances, Sundry Debtors and Creditors, today's vouchers, recent saves."""
    ledgers = list(ledger_list(company=company))
    roots = chart_build(
        groups=group_list(company=company),
        balances=[(ledger, ledger.closing_balance) for ledger in ledgers],
    )
    debtors, creditors = chart_find(roots, "Sundry Debtors"), chart_find(roots, "Sundry Creditors")
    assert debtors and creditors, "every company has Tally's predefined groups"
    return Dashboard(
        cash_bank=[
            (ledger, ledger.closing_balance)
            for ledger in ledgers
            if ledger.group is not None and ledger.group.is_cash_bank
        ],
        receivables=debtors,
        payables=creditors,
        today=today,
        vouchers_today=list(day_book(company=company, date_from=today, date_to=today)),
        recent=list(Change.objects.filter(company=company).order_by("-seq")[:recent]),
    )
