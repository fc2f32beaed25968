"""Tally's Account Books read models: the Trial Balance over a period, Group Summary, Group
Vouchers and the voucher registers (Sales, Purchase, …), from kept day totals and index ranges:
a fixed number of queries however many ledgers, groups or vouchers there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from companies.models import Company
from core.errors import Invalid
from core.money import ZERO, MoneyField
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.selectors import ChartNode, carried_expression, chart_build, group_list
from vouchers.models import Entry, Voucher, VoucherType

NO_SUCH_GROUP = "No such group in this company."


@dataclass(frozen=True)
class Movement:
    """A row's figures for a period: the balance brought forward (signed, positive = Dr), the
    period's debits and credits (both positive), and the closing balance they make."""

    opening: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    def __add__(self, other: Movement) -> Movement:
        return Movement(
            self.opening + other.opening, self.debit + other.debit, self.credit + other.credit
        )

    def __bool__(self) -> bool:
        return bool(self.opening or self.debit or self.credit)


def _moved(rows: list[Movement]) -> Movement:
    return sum(rows, Movement())


# -- balances over a period: the Trial Balance's period view and Group Summary ----------------


@dataclass(frozen=True)
class PeriodRow:
    """A group (with its sub-groups), a ledger, or Tally's "Difference in opening balances"."""

    name: str
    figures: Movement
    group: Group | None = None
    ledger: Ledger | None = None

    @property
    def kind(self) -> str:
        return "group" if self.group else "ledger" if self.ledger else "difference"


@dataclass(frozen=True)
class PeriodBalances:
    date_from: dt.date
    date_to: dt.date
    focus: Group | None  # the group opened, or None for the primary groups
    rows: list[PeriodRow]

    @property
    def totals(self) -> Movement:
        """The sum of the rows shown (with the difference row the openings add to nil)."""
        return _moved([row.figures for row in self.rows])


def _days_sum(column: str, condition: Q) -> Coalesce:
    """Σ `column` (or debit − credit for "net") of the outer ledger's days matching
    `condition`, as a correlated subquery."""
    amount = F("debit") - F("credit") if column == "net" else F(column)
    days = (
        LedgerDay.objects.filter(condition, ledger=OuterRef("pk"))
        .values("ledger")
        .annotate(s=Sum(amount, output_field=MoneyField()))
        .values("s")
    )
    return Coalesce(Subquery(days), Value(0), output_field=MoneyField())


def _period_ledgers(
    company: Company, date_from: dt.date, date_to: dt.date, which: Q | None = None
) -> dict[Ledger, Movement]:
    """Each ledger's Movement over the period, in one query: the opening as kept in
    `date_from`'s financial year (`carried_expression`: income and expense ledgers from its
    first day, Profit & Loss A/c with the earlier years), the period's day totals."""
    year_start = company.financial_year_begins(date_from)
    in_period = Q(date__range=(date_from, date_to))
    ledgers = (
        Ledger.objects.filter(which or Q(), company=company)
        .select_related("group")
        .annotate(
            before=_days_sum("net", Q(date__lt=date_from)),
            period_debit=_days_sum("debit", in_period),
            period_credit=_days_sum("credit", in_period),
            carried=carried_expression(company=company, year_start=year_start),
        )
        .order_by("name")
    )
    return {
        ledger: Movement(
            ledger.opening_balance + ledger.before + ledger.carried,  # type: ignore[attr-defined]
            ledger.period_debit,  # type: ignore[attr-defined]
            ledger.period_credit,  # type: ignore[attr-defined]
        )
        for ledger in ledgers
    }


def _group_movements(
    roots: list[ChartNode], figures: dict[Ledger, Movement]
) -> dict[int, Movement]:
    """Every group's Movement: its ledgers' and its sub-groups' together."""
    movements: dict[int, Movement] = {}

    def add(node: ChartNode) -> Movement:
        own = _moved([figures[ledger] for ledger, _ in node.ledgers])
        movements[node.group.pk] = own + _moved([add(child) for child in node.children])
        return movements[node.group.pk]

    for root in roots:
        add(root)
    return movements


def _chart(company: Company, ledgers: list[Ledger]) -> list[ChartNode]:
    return chart_build(groups=group_list(company=company), balances=[(lg, ZERO) for lg in ledgers])


def _focus(roots: list[ChartNode], group_id: int) -> ChartNode:
    node = next((n for root in roots if (n := root.find(group_id))), None)
    if node is None:
        raise Invalid.field("group", NO_SUCH_GROUP)
    return node


def period_balances_get(
    *, company: Company, date_from: dt.date, date_to: dt.date, group_id: int | None = None
) -> PeriodBalances:
    """Opening, Debit, Credit and Closing for the period, a row per primary group (Tally's
    condensed Trial Balance) with Profit & Loss A/c and the Difference in opening balances, or
    for group `group_id` its sub-groups and ledgers (Group Summary); rows with no figure are
    left out. Two queries; Invalid naming `group` for a group not of this company."""
    figures = _period_ledgers(company, date_from, date_to)
    roots = _chart(company, list(figures))
    movements = _group_movements(roots, figures)
    focus = _focus(roots, group_id) if group_id is not None else None
    nodes = focus.children if focus else roots
    rows = [PeriodRow(n.group.name, movements[n.group.pk], group=n.group) for n in nodes]
    ledgers = (
        [lg for lg, _ in focus.ledgers] if focus else [lg for lg in figures if lg.group is None]
    )
    rows += [PeriodRow(lg.name, figures[lg], ledger=lg) for lg in ledgers]
    if focus is None:
        openings = sum((lg.opening_balance for lg in figures), ZERO)
        rows.append(PeriodRow("Difference in opening balances", Movement(-openings)))
    return PeriodBalances(
        date_from, date_to, focus.group if focus else None, [r for r in rows if r.figures]
    )


# -- Group Vouchers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupVoucherLine:
    voucher: Voucher
    particulars: str  # the group's ledger the voucher touches, or "(as per details)"
    debit: Decimal
    credit: Decimal
    balance: Decimal  # the group's running balance, signed


@dataclass
class GroupVouchers:
    group: Group
    date_from: dt.date
    date_to: dt.date
    period: Movement  # the whole period's figures, whatever page this is
    lines: list[GroupVoucherLine] = field(default_factory=list)
    more: bool = False  # vouchers beyond this page were left for the next


def _signed(sign: str) -> Case:
    """An entry's amount on one side, positive (0 on the other)."""
    condition = Q(amount__gt=0) if sign == "debit" else Q(amount__lt=0)
    amount = F("amount") if sign == "debit" else -F("amount")
    return Case(When(condition, then=amount), default=Value(0), output_field=MoneyField())


def _group_scope(
    company: Company, group_id: int, date_from: dt.date, date_to: dt.date
) -> tuple[GroupVouchers, QuerySet[Entry]]:
    """The group's figures for the period (no lines yet) and its ledgers' entries in it."""
    focus = _focus(chart_build(groups=group_list(company=company)), group_id)
    group_ids = [node.group.pk for node in focus.walk()]
    figures = _period_ledgers(company, date_from, date_to, Q(group_id__in=group_ids))
    report = GroupVouchers(focus.group, date_from, date_to, _moved(list(figures.values())))
    entries = Entry.objects.filter(ledger__group_id__in=group_ids, date__range=(date_from, date_to))
    return report, entries


def _voucher_sums(entries: QuerySet[Entry]) -> QuerySet[Entry, dict[str, Any]]:
    """A row per voucher (date, voucher order): its debits and credits to the entries' ledgers."""
    return (
        entries.values("date", "voucher_id")
        .annotate(
            debit=Sum(_signed("debit")),
            credit=Sum(_signed("credit")),
            ledgers=Count("ledger_id", distinct=True),
            ledger=Min("ledger__name"),
        )
        .order_by("date", "voucher_id")
    )


def _group_lines(rows: list[dict[str, Any]], balance: Decimal) -> list[GroupVoucherLine]:
    """The lines of a run of voucher rows, the balance running on from `balance`; one query."""
    vouchers = Voucher.objects.select_related("voucher_type").in_bulk(
        [r["voucher_id"] for r in rows]
    )
    lines = []
    for row in rows:
        balance += row["debit"] - row["credit"]
        particulars = row["ledger"] if row["ledgers"] == 1 else "(as per details)"
        lines.append(
            GroupVoucherLine(
                vouchers[row["voucher_id"]], particulars, row["debit"], row["credit"], balance
            )
        )
    return lines


def group_vouchers_get(
    *,
    company: Company,
    group_id: int,
    date_from: dt.date,
    date_to: dt.date,
    offset: int = 0,
    limit: int = 200,
) -> GroupVouchers:
    """Every voucher of the period touching a ledger of the group (or its sub-groups), in date
    order, with its debits and credits to them and the group's running balance from the
    balance brought forward (kept as the Trial Balance keeps it). A page of `limit` vouchers:
    at most five queries; Invalid naming `group` for a group not of this company."""
    report, entries = _group_scope(company, group_id, date_from, date_to)
    rows = list(_voucher_sums(entries)[offset : offset + limit + 1])
    report.more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return report
    balance = report.period.opening + _before(entries, rows[0]) if offset else report.period.opening
    report.lines = _group_lines(rows, balance)
    return report


@dataclass(frozen=True)
class GroupVouchersStream:
    """Group Vouchers for a file: the group and the period's figures (`head`, no lines), then
    every line as the database hands them over (`lines` is consumed once)."""

    head: GroupVouchers
    lines: Iterator[GroupVoucherLine]


def group_vouchers_stream(
    *, company: Company, group_id: int, date_from: dt.date, date_to: dt.date, chunk: int = 2000
) -> GroupVouchersStream:
    """Every line of the period's Group Vouchers, read `chunk` vouchers at a time (never all
    at once: an export of a busy group's year). The lines and balances are the pages'."""
    report, entries = _group_scope(company, group_id, date_from, date_to)
    rows = _voucher_sums(entries).iterator(chunk_size=chunk)

    def lines() -> Iterator[GroupVoucherLine]:
        balance = report.period.opening
        while run := list(islice(rows, chunk)):
            chunk_lines = _group_lines(run, balance)
            balance = chunk_lines[-1].balance
            yield from chunk_lines

    return GroupVouchersStream(report, lines())


def _before(entries: QuerySet[Entry], first: dict) -> Decimal:
    """Net of the period's entries ahead of a page's first voucher (in date, voucher order)."""
    ahead = Q(date__lt=first["date"]) | Q(date=first["date"], voucher_id__lt=first["voucher_id"])
    total = entries.filter(ahead).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


# -- voucher registers: Sales Register, Purchase Register, … ---------------------------------

# The side a register keeps a voucher's value on: that of the account the type is named after
# (Sales credits sales, a Payment credits cash or bank, a Credit Note debits sales, …); Contra
# and Journal name no one account, so their registers show each voucher's debits and credits.
REGISTER_SIDE = {
    VoucherType.Base.SALES: "credit",
    VoucherType.Base.DEBIT_NOTE: "credit",
    VoucherType.Base.PAYMENT: "credit",
    VoucherType.Base.PURCHASE: "debit",
    VoucherType.Base.CREDIT_NOTE: "debit",
    VoucherType.Base.RECEIPT: "debit",
}


def register_sides(voucher_type: VoucherType, value: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) of a voucher of value `value` in its type's register."""
    side = REGISTER_SIDE.get(voucher_type.base)  # type: ignore[call-overload]
    return (ZERO if side == "credit" else value, ZERO if side == "debit" else value)


@dataclass(frozen=True)
class RegisterMonth:
    date_from: dt.date  # the month's first day in the period
    date_to: dt.date
    figures: Movement  # opening: what the months before it in the period made
    vouchers: int


@dataclass(frozen=True)
class Register:
    voucher_type: VoucherType
    date_from: dt.date
    date_to: dt.date
    months: list[RegisterMonth]

    @property
    def totals(self) -> Movement:
        return _moved([Movement(ZERO, m.figures.debit, m.figures.credit) for m in self.months])


def _months(date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of a period, each cut to it."""
    months = []
    start = date_from
    while start <= date_to:
        following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((start, min(following - dt.timedelta(days=1), date_to)))
        start = following
    return months


def register_get(*, voucher_type: VoucherType, date_from: dt.date, date_to: dt.date) -> Register:
    """Tally's register of a voucher type: a row per month of the period (quiet months too)
    with the value of the type's vouchers on the register's side (`REGISTER_SIDE`; a
    voucher's value is the sum of its debits, as the Day Book shows it) and the closing
    balance they make from the period's first day. One query."""
    sums = (
        Entry.objects.filter(
            voucher__voucher_type=voucher_type, date__range=(date_from, date_to), amount__gt=0
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(value=Sum("amount"), vouchers=Count("voucher_id", distinct=True))
        .order_by("month")
    )
    by_month = {row["month"]: row for row in sums}
    months, running = [], ZERO
    for start, end in _months(date_from, date_to):
        row = by_month.get(start.replace(day=1), {"value": ZERO, "vouchers": 0})
        debit, credit = register_sides(voucher_type, row["value"])
        figures = Movement(running, debit, credit)
        months.append(RegisterMonth(start, end, figures, row["vouchers"]))
        running = figures.closing
    return Register(voucher_type, date_from, date_to, months)


@dataclass(frozen=True)
class RegisterLine:
    voucher: Voucher
    debit: Decimal
    credit: Decimal

    @property
    def particulars(self) -> str:
        """The Day Book's: the voucher's first ledger; a cancelled voucher has none."""
        lead = self.voucher.lead_entry
        return lead.ledger.name if lead else "(cancelled)"


@dataclass
class RegisterVouchers:
    voucher_type: VoucherType
    date_from: dt.date
    date_to: dt.date
    totals: Movement  # the whole period's, whatever page this is
    lines: list[RegisterLine] = field(default_factory=list)
    more: bool = False


def _register_scope(
    voucher_type: VoucherType, date_from: dt.date, date_to: dt.date
) -> tuple[RegisterVouchers, QuerySet[Voucher]]:
    """The period's totals (no lines yet) and the type's vouchers in it, in date order."""
    period = Q(date__range=(date_from, date_to))
    value = Entry.objects.filter(period, voucher__voucher_type=voucher_type, amount__gt=0)
    total = value.aggregate(s=Sum("amount"))["s"] or ZERO
    report = RegisterVouchers(
        voucher_type, date_from, date_to, Movement(ZERO, *register_sides(voucher_type, total))
    )
    vouchers = (
        Voucher.objects.filter(period, voucher_type=voucher_type)
        .select_related("voucher_type")
        .prefetch_related(
            Prefetch(
                "entries", queryset=Entry.objects.select_related("ledger").order_by("position")
            )
        )
        .order_by("date", "id")
    )
    return report, vouchers


def _register_line(voucher: Voucher) -> RegisterLine:
    return RegisterLine(voucher, *register_sides(voucher.voucher_type, voucher.total))


def register_vouchers_get(
    *,
    voucher_type: VoucherType,
    date_from: dt.date,
    date_to: dt.date,
    offset: int = 0,
    limit: int = 200,
) -> RegisterVouchers:
    """The type's vouchers of the period (a register's month opened), in date order, each with
    its value on the register's side; cancelled ones too, without an amount. Four queries."""
    report, vouchers = _register_scope(voucher_type, date_from, date_to)
    page = list(vouchers[offset : offset + limit + 1])
    report.more = len(page) > limit
    report.lines = [_register_line(voucher) for voucher in page[:limit]]
    return report


@dataclass(frozen=True)
class RegisterVouchersStream:
    """A register's vouchers for a file: the period's totals (`head`, no lines), then every
    line as the database hands them over (`lines` is consumed once)."""

    head: RegisterVouchers
    lines: Iterator[RegisterLine]


def register_vouchers_stream(
    *, voucher_type: VoucherType, date_from: dt.date, date_to: dt.date, chunk: int = 2000
) -> RegisterVouchersStream:
    """Every voucher of the period in the type's register, read `chunk` vouchers at a time
    (their entries prefetched per chunk); the lines are the pages'."""
    report, vouchers = _register_scope(voucher_type, date_from, date_to)
    lines = (_register_line(voucher) for voucher in vouchers.iterator(chunk_size=chunk))
    return RegisterVouchersStream(report, lines)
