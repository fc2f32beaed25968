"""Read models: Trial Balance, dashboard and final accounts, from kept totals rather than raw
entries (a ledger's statement and Monthly Summary: `reports.statements`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import (
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
from core.money import ZERO, MoneyField, split_signed
from core.records import StockValues, stock_values
from editlog.models import Change
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.selectors import (
    STOCK_IN_HAND,
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
        return split_signed(self.balance)[0]

    @property
    def credit(self) -> Decimal:
        return split_signed(self.balance)[1]


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
    ledgers = ledger_list(company=company, today=as_of, until_today=False)
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


class Dashboard:
    """Cash and bank balances, Sundry Debtors and Creditors, today's vouchers, recent saves:
    each part read when first used, so that a live refresh of one tile reads only its own."""

    def __init__(self, *, company: Company, today: dt.date, recent: int = 10) -> None:
        self.company, self.today, self.recent_count = company, today, recent

    @cached_property
    def _chart(self) -> tuple[list[Ledger], list[ChartNode]]:
        ledgers = list(ledger_list(company=self.company))
        roots = chart_build(
            groups=group_list(company=self.company),
            balances=[(ledger, ledger.closing_balance) for ledger in ledgers],
        )
        return ledgers, roots

    @cached_property
    def cash_bank(self) -> list[tuple[Ledger, Decimal]]:
        return [
            (ledger, ledger.closing_balance)
            for ledger in self._chart[0]
            if ledger.group is not None and ledger.group.is_cash_bank
        ]

    def _group(self, name: str) -> ChartNode:
        node = chart_find(self._chart[1], name)
        assert node, "every company has Tally's predefined groups"
        return node

    @cached_property
    def receivables(self) -> ChartNode:
        return self._group("Sundry Debtors")

    @cached_property
    def payables(self) -> ChartNode:
        return self._group("Sundry Creditors")

    @cached_property
    def vouchers_today(self) -> list[Voucher]:
        return list(day_book(company=self.company, date_from=self.today, date_to=self.today))

    @cached_property
    def recent(self) -> list[Change]:
        changes = Change.objects.filter(company=self.company).order_by("-seq")
        return list(changes[: self.recent_count])

    @property
    def days(self) -> list[tuple[dt.date, list[Voucher]]]:
        """Today as the Day Book table shows days."""
        return day_book_days(self.vouchers_today, date_from=self.today, date_to=self.today)


def dashboard_get(*, company: Company, today: dt.date, recent: int = 10) -> Dashboard:
    """The company's dashboard as of `today`, read part by part as it is used."""
    return Dashboard(company=company, today=today, recent=recent)


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

    def deeper(self) -> DetailRow:
        """The row one level further in, under a heading of its own."""
        return DetailRow(self.particulars, self.amount, self.depth + 1, self.ledger)


@dataclass(frozen=True)
class FinalLine:
    """One line of a side: its amount in the side's sense (on a debit side positive = Dr, on a
    credit side positive = Cr), and the sub-groups and ledgers Tally's detailed view shows."""

    particulars: str
    amount: Decimal
    group: Group | None = None
    details: list[DetailRow] = field(default_factory=list)
    subtotal: bool = False  # a carried figure (Gross Profit c/o, Nett Profit), not a group


def detail_rows(node: ChartNode, sign: int) -> list[DetailRow]:
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


def group_line(node: ChartNode, sign: int) -> FinalLine:
    return FinalLine(node.group.name, sign * node.total, node.group, detail_rows(node, sign))


def tally_order(node: ChartNode) -> tuple[int, str]:
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
    # The stock items' values when the company integrates accounts with inventory (they replace
    # the closing values entered on Stock-in-Hand ledgers), else None.
    inventory: StockValues | None = None

    def is_stock(self, ledger: Ledger) -> bool:
        return bool(ledger.is_stock)  # type: ignore[attr-defined]

    def revenue(self) -> list[Ledger]:
        return [lg for lg in self.ledgers if lg.group is not None and lg.group.is_revenue]


# The columns the final accounts read: DateTimeFields cost a parse per row and go unused.
_FIGURE_FIELDS = ("company_id", "name", "group_id", "opening_balance", "total_debit")
_FIGURE_FIELDS += ("total_credit", "predefined")


def _regions(company: Company, date_from: dt.date, date_to: dt.date) -> list[str]:
    """Which two of the company's day rows before, in and after the period to read: the two
    shortest spans (the kept totals give the third), so a year's report reads few day rows
    whether the books hold one year or ten. Only how much is read depends on it, not a figure."""
    days = LedgerDay.objects.filter(ledger__company=company)
    last_day = days.aggregate(d=Max("date"))["d"] or date_to
    spans = {
        "before": (date_from - company.books_beginning).days,
        "period": (date_to - date_from).days,
        "after": (last_day - date_to).days,
    }
    return sorted(spans, key=lambda name: spans[name])[:2]


def _is_stock(group: Group | None, groups: dict[int, Group]) -> bool:
    """`ledgers.selectors.STOCK_LEDGER` for a ledger's group, from the groups already read."""
    for _ in range(3):
        if group is None:
            return False
        if group.name == STOCK_IN_HAND and group.predefined:
            return True
        group = groups.get(group.parent_id) if group.parent_id else None
    return False


def _figures(company: Company, date_from: dt.date, date_to: dt.date) -> Figures:
    """Three queries: the groups, the last day with entries (see `_regions`), and the ledgers
    with two day sums and their closing stock values (one statement, one snapshot)."""
    groups = list(group_list(company=company))
    by_id = {group.pk: group for group in groups}
    conditions = {
        "before": Q(date__lt=date_from),
        "period": Q(date__range=(date_from, date_to)),
        "after": Q(date__gt=date_to),
    }
    read = _regions(company, date_from, date_to)
    inventory = stock_values(company, date_from, date_to) if company.integrate_inventory else None
    ledgers = list(
        Ledger.objects.filter(company=company)
        .only(*_FIGURE_FIELDS)
        .annotate(
            **{name: _days_net(conditions[name]) for name in read},
            stock_at_start=closing_value(before=date_from - dt.timedelta(days=1)),
            stock_at_end=closing_value(before=date_to),
        )
        .order_by("name")
    )
    for ledger in ledgers:
        ledger.group = by_id.get(ledger.group_id) if ledger.group_id else None
        net = {name: getattr(ledger, name) for name in read}
        (rest,) = set(conditions) - set(read)
        net[rest] = ledger.total_debit - ledger.total_credit - sum(net.values(), ZERO)
        ledger.period = net["period"]  # type: ignore[attr-defined]
        book = ledger.opening_balance + net["before"] + net["period"]
        ledger.book = book  # type: ignore[attr-defined]
        ledger.is_stock = _is_stock(ledger.group, by_id)  # type: ignore[attr-defined]
        if ledger.is_stock:  # type: ignore[attr-defined]
            entered = inventory is None  # integrated: a stock ledger stands at its own balance
            start = ledger.stock_at_start if entered else None  # type: ignore[attr-defined]
            end = ledger.stock_at_end if entered else None  # type: ignore[attr-defined]
            ledger.stock_open = book - ledger.period if start is None else start  # type: ignore[attr-defined]
            ledger.stock_close = book if end is None else end  # type: ignore[attr-defined]
    return Figures(date_from, date_to, groups, ledgers, inventory)


def figures_get(*, company: Company, date_from: dt.date, date_to: dt.date) -> Figures:
    """Each ledger's figures for a period (see `Figures`), for another layout of the accounts."""
    return _figures(company, date_from, date_to)


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


def stock_total(figures: Figures, attribute: str) -> Decimal:
    """Σ over the Stock-in-Hand ledgers of `stock_open`, `stock_close` or `period`, and the
    stock items' opening or closing value when the company integrates inventory."""
    ledgers = (getattr(lg, attribute) for lg in figures.ledgers if figures.is_stock(lg))
    return sum(ledgers, ZERO) + _items_value(figures, attribute)


def _items_value(figures: Figures, attribute: str) -> Decimal:
    """The stock items' value at the period's start (`stock_open`) or end (`stock_close`)."""
    if figures.inventory is None or attribute == "period":
        return ZERO
    return figures.inventory.opening if attribute == "stock_open" else figures.inventory.closing


def _stock_line(figures: Figures, name: str, attribute: str) -> list[FinalLine]:
    stock = [(lg, getattr(lg, attribute)) for lg in figures.ledgers if figures.is_stock(lg)]
    items = _items_value(figures, attribute)
    amount = sum((value for _, value in stock), items)
    if not amount:
        return []
    details = [DetailRow(STOCK_ITEMS, items, 0)] if items else []
    details += [DetailRow(lg.name, value, 0, lg) for lg, value in stock if value]
    return [FinalLine(name, amount, details=details)]


def revenue_sides(figures: Figures) -> dict[tuple[bool, str], list[FinalLine]]:
    """The primary revenue groups' period amounts by (affects gross profit, nature), each in
    its side's sense (expenses Dr-positive, incomes Cr-positive)."""
    roots = chart_build(
        groups=[g for g in figures.groups if g.is_revenue],
        balances=[(lg, lg.period) for lg in figures.revenue()],  # type: ignore[attr-defined]
    )
    sides: dict[tuple[bool, str], list[FinalLine]] = defaultdict(list)
    for root in sorted(roots, key=tally_order):
        if root.total:
            group = root.group
            sign = 1 if group.nature == Group.Nature.EXPENSE else -1
            sides[(group.affects_gross_profit, group.nature)].append(group_line(root, sign))
    return sides


def _profit_and_loss(figures: Figures) -> ProfitAndLoss:
    sides = revenue_sides(figures)
    expense, income = Group.Nature.EXPENSE, Group.Nature.INCOME
    trading_debit = [*_stock_line(figures, "Opening Stock", "stock_open"), *sides[(True, expense)]]
    moved = stock_total(figures, "period")
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


@dataclass
class SheetFigures:
    """What both layouts of the Balance Sheet show, as of a day: the balance-sheet groups with
    each ledger's balance (a stock ledger at its closing value), Profit & Loss A/c (`carried`,
    Cr-positive: the ledger, every year's result to the day) and its `current` part (the
    year's first day to `as_of`), and `openings`, Σ opening balances (Dr-positive)."""

    as_of: dt.date
    groups: list[Group]
    balances: list[tuple[Ledger, Decimal]]
    carried: Decimal
    current: Decimal
    openings: Decimal


def sheet_figures_get(*, company: Company, as_of: dt.date) -> SheetFigures:
    """The Balance Sheet's figures as of a day (see `SheetFigures`), in two queries."""
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
    if figures.inventory is not None:  # the items' closing value, under Stock-in-Hand
        items = figures.inventory
        balances.append((_closing_stock(company, figures.groups), items.closing))
        whole_result += items.closing - items.books_opening  # what the stock has earned
        openings += items.books_opening  # the items' openings are opening balances too
    groups = [g for g in figures.groups if not g.is_revenue]
    carried = profit_and_loss + whole_result
    return SheetFigures(as_of, groups, balances, carried, current, openings)


def _closing_stock(company: Company, groups: list[Group]) -> Ledger:
    """The stock items' closing value as the Balance Sheet lists it: a line under
    Stock-in-Hand that is no ledger (unsaved: no statement to link to)."""
    stock = next(g for g in groups if g.name == STOCK_IN_HAND and g.predefined)
    return Ledger(company=company, name=CLOSING_STOCK, group=stock)


def balance_sheet_get(*, company: Company, as_of: dt.date) -> BalanceSheet:
    """Tally's Balance Sheet as of a day: Liabilities | Assets by primary group (a group whose
    balance is contrary to its nature moves to the other side, as in Tally), closing stock at
    its value on the day, and Profit & Loss A/c as its Opening Balance (the ledger and the
    results of earlier years) and the Current Period's Nett Profit (the year's first day to
    `as_of`); the Difference in opening balances makes the sides agree, which they do by
    construction: every voucher balances, so Σ Dr − Σ Cr of all ledgers is Σ openings."""
    return balance_sheet_layout(sheet_figures_get(company=company, as_of=as_of))


def balance_sheet_layout(sheet: SheetFigures) -> BalanceSheet:
    """Tally's horizontal layout of the figures (see `balance_sheet_get`)."""
    roots = chart_build(groups=sheet.groups, balances=sheet.balances)
    liabilities: list[FinalLine] = []
    assets: list[FinalLine] = []
    for root in sorted(roots, key=tally_order):
        if root.total < 0:
            liabilities.append(group_line(root, -1))
        elif root.total > 0:
            assets.append(group_line(root, 1))
    if sheet.carried:
        liabilities.append(profit_and_loss_line(sheet))
    if sheet.openings > 0:
        liabilities.append(FinalLine(DIFFERENCE, sheet.openings))
    elif sheet.openings < 0:
        assets.append(FinalLine(DIFFERENCE, -sheet.openings))
    return BalanceSheet(sheet.as_of, liabilities, assets)


def profit_and_loss_line(sheet: SheetFigures) -> FinalLine:
    """Profit & Loss A/c as the Balance Sheet shows it: its Opening Balance and Current Period."""
    opening_line = DetailRow("Opening Balance", sheet.carried - sheet.current, 0)
    period_line = DetailRow("Current Period", sheet.current, 0)
    return FinalLine(PROFIT_AND_LOSS_NAME, sheet.carried, details=[opening_line, period_line])


PROFIT_AND_LOSS_NAME = "Profit & Loss A/c"
CLOSING_STOCK = "Closing Stock"
STOCK_ITEMS = "Stock items"
DIFFERENCE = "Difference in opening balances"
