"""Read models: Trial Balance, dashboard and final accounts, from kept totals rather than raw
entries (a ledger's statement and Monthly Summary: `reports.statements`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from companies.models import Company
from core.money import ZERO, MoneyField
from editlog.models import Change
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.selectors import (
    STOCK_LEDGER,
    ChartNode,
    chart_build,
    chart_find,
    closing_value,
    group_list,
    ledger_list,
)
from vouchers.models import Voucher
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


# Final accounts: Profit & Loss A/c and Balance Sheet in Tally's horizontal layout.

# Tally's order of the primary groups on each side; a user's primary groups follow by name.
TALLY_ORDER = [
    "Capital Account",
    "Loans (Liability)",
    "Current Liabilities",
    "Branch / Divisions",
    "Suspense A/c",
    "Fixed Assets",
    "Investments",
    "Current Assets",
    "Misc. Expenses (ASSET)",
    "Purchase Accounts",
    "Direct Expenses",
    "Sales Accounts",
    "Direct Incomes",
    "Indirect Expenses",
    "Indirect Incomes",
]


@dataclass(frozen=True)
class DetailRow:
    """A sub-group or ledger under a line, in the line's sense (see `FinalLine.amount`)."""

    particulars: str
    amount: Decimal
    depth: int
    ledger: Ledger | None = None


@dataclass(frozen=True)
class FinalLine:
    """One line of a side: its amount in the side's sense (on a debit side positive = Dr, on a
    credit side positive = Cr), and the sub-groups and ledgers Tally's detailed view shows."""

    particulars: str
    amount: Decimal
    group: Group | None = None
    details: list[DetailRow] = field(default_factory=list)
    subtotal: bool = False  # a carried figure (Gross Profit c/o, Nett Profit), not a group


def _details(node: ChartNode, sign: int) -> list[DetailRow]:
    rows: list[DetailRow] = []

    def walk(current: ChartNode, depth: int) -> None:
        for child in current.children:
            if child.total:
                rows.append(DetailRow(child.group.name, sign * child.total, depth))
                walk(child, depth + 1)
        for ledger, amount in current.ledgers:
            if amount:
                rows.append(DetailRow(ledger.name, sign * amount, depth, ledger))

    walk(node, 0)
    return rows


def _group_line(node: ChartNode, sign: int) -> FinalLine:
    return FinalLine(node.group.name, sign * node.total, node.group, _details(node, sign))


def _tally_order(node: ChartNode) -> tuple[int, str]:
    name = node.group.name
    predefined = node.group.predefined and name in TALLY_ORDER
    return (TALLY_ORDER.index(name) if predefined else len(TALLY_ORDER), name.lower())


@dataclass
class Figures:
    """Each ledger's figures for a period `date_from`..`date_to`, from kept totals and day rows:
    `book` (its balance at the end, whole history), `period` (its entries in the period), and
    for Stock-in-Hand ledgers `stock_open` / `stock_close` (the value before and at the end:
    the latest closing stock entered, else the ledger's own balance)."""

    date_from: dt.date
    date_to: dt.date
    groups: list[Group]
    ledgers: list[Ledger]

    def is_stock(self, ledger: Ledger) -> bool:
        return bool(ledger.is_stock)  # type: ignore[attr-defined]

    def revenue(self) -> list[Ledger]:
        return [lg for lg in self.ledgers if lg.group is not None and lg.group.is_revenue]


def _figures(company: Company, date_from: dt.date, date_to: dt.date) -> Figures:
    """Two queries: the groups, and the ledgers with their day sums and closing stock values."""
    groups = list(group_list(company=company))
    ledgers = list(
        Ledger.objects.filter(company=company)
        .select_related("group")
        .annotate(
            period=_days_net(Q(date__range=(date_from, date_to))),
            after=_days_net(Q(date__gt=date_to)),
            stock_at_start=closing_value(before=date_from - dt.timedelta(days=1)),
            stock_at_end=closing_value(before=date_to),
            is_stock=ExpressionWrapper(STOCK_LEDGER, output_field=BooleanField()),
        )
        .order_by("name")
    )
    for ledger in ledgers:
        book = ledger.opening_balance + ledger.total_debit - ledger.total_credit - ledger.after
        ledger.book = book  # type: ignore[attr-defined]
        if ledger.is_stock:  # type: ignore[attr-defined]
            start = ledger.stock_at_start  # type: ignore[attr-defined]
            end = ledger.stock_at_end  # type: ignore[attr-defined]
            ledger.stock_open = book - ledger.period if start is None else start  # type: ignore[attr-defined]
            ledger.stock_close = book if end is None else end  # type: ignore[attr-defined]
    return Figures(date_from, date_to, groups, ledgers)


@dataclass
class ProfitAndLoss:
    date_from: dt.date
    date_to: dt.date
    trading_debit: list[FinalLine]
    trading_credit: list[FinalLine]
    debit: list[FinalLine]  # the Profit & Loss part
    credit: list[FinalLine]
    gross_profit: Decimal  # positive = profit
    nett_profit: Decimal

    @property
    def trading_total(self) -> Decimal:
        return sum((line.amount for line in self.trading_debit), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.debit), ZERO)


def _stock_line(figures: Figures, name: str, attribute: str) -> list[FinalLine]:
    stock = [(lg, getattr(lg, attribute)) for lg in figures.ledgers if figures.is_stock(lg)]
    amount = sum((value for _, value in stock), ZERO)
    if not amount:
        return []
    details = [DetailRow(lg.name, value, 0, lg) for lg, value in stock if value]
    return [FinalLine(name, amount, details=details)]


def _revenue_sides(figures: Figures) -> dict[tuple[bool, str], list[FinalLine]]:
    """The primary revenue groups' period amounts by (affects gross profit, nature), each in
    its side's sense (expenses Dr-positive, incomes Cr-positive)."""
    roots = chart_build(
        groups=[g for g in figures.groups if g.is_revenue],
        balances=[(lg, lg.period) for lg in figures.revenue()],  # type: ignore[attr-defined]
    )
    sides: dict[tuple[bool, str], list[FinalLine]] = defaultdict(list)
    for root in sorted(roots, key=_tally_order):
        if root.total:
            group = root.group
            sign = 1 if group.nature == Group.Nature.EXPENSE else -1
            sides[(group.affects_gross_profit, group.nature)].append(_group_line(root, sign))
    return sides


def _profit_and_loss(figures: Figures) -> ProfitAndLoss:
    sides = _revenue_sides(figures)
    expense, income = Group.Nature.EXPENSE, Group.Nature.INCOME
    trading_debit = [*_stock_line(figures, "Opening Stock", "stock_open"), *sides[(True, expense)]]
    moved = sum((lg.period for lg in figures.ledgers if figures.is_stock(lg)), ZERO)  # type: ignore[attr-defined]
    if moved:  # entries on a stock ledger whose closing value is entered: trading, like a purchase
        trading_debit.append(FinalLine("Stock-in-Hand entries", moved))
    trading_credit = [*sides[(True, income)], *_stock_line(figures, "Closing Stock", "stock_close")]
    gross = sum((x.amount for x in trading_credit), ZERO) - sum(
        (x.amount for x in trading_debit), ZERO
    )
    debit, credit = list(sides[(False, expense)]), list(sides[(False, income)])
    nett = gross + sum((x.amount for x in credit), ZERO) - sum((x.amount for x in debit), ZERO)
    if gross >= 0:
        trading_debit.append(FinalLine("Gross Profit c/o", gross, subtotal=True))
        credit.insert(0, FinalLine("Gross Profit b/f", gross, subtotal=True))
    else:
        trading_credit.append(FinalLine("Gross Loss c/o", -gross, subtotal=True))
        debit.insert(0, FinalLine("Gross Loss b/f", -gross, subtotal=True))
    if nett >= 0:
        debit.append(FinalLine("Nett Profit", nett, subtotal=True))
    else:
        credit.append(FinalLine("Nett Loss", -nett, subtotal=True))
    return ProfitAndLoss(
        figures.date_from,
        figures.date_to,
        trading_debit,
        trading_credit,
        debit,
        credit,
        gross_profit=gross,
        nett_profit=nett,
    )


def profit_and_loss_get(*, company: Company, date_from: dt.date, date_to: dt.date) -> ProfitAndLoss:
    """Tally's Profit & Loss A/c for a period: the Trading part (Opening Stock, Purchase
    Accounts, Direct Expenses | Sales Accounts, Direct Incomes, Closing Stock; Gross Profit c/o
    or Gross Loss c/o), then Gross Profit b/f, Indirect Expenses | Indirect Incomes and the
    Nett Profit or Nett Loss. Group amounts are the period's entries (an income or expense
    ledger's opening balance is a result from before the books, kept in the Balance Sheet's
    Profit & Loss A/c); stock is valued as `Figures` says."""
    return _profit_and_loss(_figures(company, date_from, date_to))


@dataclass
class BalanceSheet:
    as_of: dt.date
    liabilities: list[FinalLine]
    assets: list[FinalLine]

    @property
    def liabilities_total(self) -> Decimal:
        return sum((line.amount for line in self.liabilities), ZERO)

    @property
    def assets_total(self) -> Decimal:
        return sum((line.amount for line in self.assets), ZERO)


def balance_sheet_get(*, company: Company, as_of: dt.date) -> BalanceSheet:
    """Tally's Balance Sheet as of a day: Liabilities | Assets by primary group (a group whose
    balance is contrary to its nature moves to the other side, as in Tally), closing stock at
    its value on the day, and Profit & Loss A/c as its Opening Balance (the ledger and the
    results of earlier years) and the Current Period's Nett Profit (the year's first day to
    `as_of`); the Difference in opening balances makes the sides agree, which they do by
    construction: every voucher balances, so Σ Dr − Σ Cr of all ledgers is Σ openings."""
    year_start = max(company.financial_year_begins(as_of), company.books_beginning)
    figures = _figures(company, min(year_start, as_of), as_of)
    current = _profit_and_loss(figures).nett_profit
    balances = []
    whole_result = ZERO  # all years' results to `as_of`, Cr-positive
    profit_and_loss = ZERO
    openings = ZERO
    for ledger in figures.ledgers:
        book = ledger.book  # type: ignore[attr-defined]
        openings += ledger.opening_balance
        if ledger.group is None:
            profit_and_loss -= book
        elif ledger.group.is_revenue:
            whole_result -= book
        elif figures.is_stock(ledger):
            value = ledger.stock_close  # type: ignore[attr-defined]
            whole_result += value - book
            balances.append((ledger, value))
        else:
            balances.append((ledger, book))
    roots = chart_build(groups=[g for g in figures.groups if not g.is_revenue], balances=balances)
    liabilities: list[FinalLine] = []
    assets: list[FinalLine] = []
    for root in sorted(roots, key=_tally_order):
        if root.total < 0:
            liabilities.append(_group_line(root, -1))
        elif root.total > 0:
            assets.append(_group_line(root, 1))
    carried = profit_and_loss + whole_result
    if carried:
        opening_line = DetailRow("Opening Balance", carried - current, 0)
        period_line = DetailRow("Current Period", current, 0)
        liabilities.append(
            FinalLine(PROFIT_AND_LOSS_NAME, carried, details=[opening_line, period_line])
        )
    if openings > 0:
        liabilities.append(FinalLine(DIFFERENCE, openings))
    elif openings < 0:
        assets.append(FinalLine(DIFFERENCE, -openings))
    return BalanceSheet(as_of, liabilities, assets)


PROFIT_AND_LOSS_NAME = "Profit & Loss A/c"
DIFFERENCE = "Difference in opening balances"
