"""Schedule III (Companies Act 2013, Division I): the vertical Balance Sheet and Statement of
Profit and Loss, a second layout of the final accounts' figures (NOTES.md B.4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from companies.models import Company
from core.money import ZERO
from ledgers.models import Group
from ledgers.selectors import ChartNode, chart_build
from reports.selectors import (
    DIFFERENCE,
    DetailRow,
    FinalLine,
    SheetFigures,
    figures_get,
    profit_and_loss_line,
    revenue_sides,
    sheet_figures_get,
    stock_total,
    tally_order,
)

EQUITY_AND_LIABILITIES, ASSETS = "Equity and Liabilities", "Assets"
NOT_MAPPED = "Not mapped"
# Each side's sections and their heads, in Schedule III's order.
SECTIONS = {
    EQUITY_AND_LIABILITIES: {
        "Shareholders' funds": ["Share capital", "Reserves and surplus"],
        "Non-current liabilities": ["Long-term borrowings"],
        "Current liabilities": [
            "Short-term borrowings",
            "Trade payables",
            "Other current liabilities",
            "Short-term provisions",
        ],
    },
    ASSETS: {
        "Non-current assets": [
            "Property, Plant and Equipment",
            "Non-current investments",
            "Long-term loans and advances",
            "Other non-current assets",
        ],
        "Current assets": [
            "Inventories",
            "Trade receivables",
            "Cash and cash equivalents",
            "Short-term loans and advances",
            "Other current assets",
        ],
    },
}
# Tally's predefined balance-sheet groups and their heads (NOTES.md B.4). A user's group takes
# its nearest predefined parent's head. Not here, so named under "Not mapped": Suspense A/c,
# Branch / Divisions (both should be nil when accounts are filed) and a user's primary groups.
# Without a maturity flag on ledgers, loans count as long-term (Bank OD as short-term) and
# investments as non-current; without an MSE flag, trade payables are one head.
GROUP_HEADS = {
    "Capital Account": "Share capital",
    "Reserves & Surplus": "Reserves and surplus",
    "Loans (Liability)": "Long-term borrowings",
    "Secured Loans": "Long-term borrowings",
    "Unsecured Loans": "Long-term borrowings",
    "Bank OD A/c": "Short-term borrowings",
    "Current Liabilities": "Other current liabilities",
    "Duties & Taxes": "Other current liabilities",
    "Sundry Creditors": "Trade payables",
    "Provisions": "Short-term provisions",
    "Fixed Assets": "Property, Plant and Equipment",
    "Investments": "Non-current investments",
    "Deposits (Asset)": "Long-term loans and advances",
    "Misc. Expenses (ASSET)": "Other non-current assets",
    "Current Assets": "Other current assets",
    "Stock-in-Hand": "Inventories",
    "Sundry Debtors": "Trade receivables",
    "Cash-in-Hand": "Cash and cash equivalents",
    "Bank Accounts": "Cash and cash equivalents",
    "Loans & Advances (Asset)": "Short-term loans and advances",
}
# Where a group whose balance is contrary to its nature goes: the other side, as in Tally's
# horizontal Balance Sheet (so both layouts have the same totals).
CONTRARY_HEADS = {
    ASSETS: "Other current assets",
    EQUITY_AND_LIABILITIES: "Other current liabilities",
}
SURPLUS = "Surplus in Statement of Profit and Loss"


@dataclass
class Head:
    """A Schedule III line ("Trade receivables"), in its side's sense (Assets positive = Dr,
    Equity and Liabilities positive = Cr), with the groups and ledgers that make it."""

    name: str
    amount: Decimal = ZERO
    details: list[DetailRow] = field(default_factory=list)

    def add(self, amount: Decimal, rows: list[DetailRow]) -> None:
        self.amount += amount
        self.details += rows


@dataclass(frozen=True)
class Section:
    name: str
    heads: list[Head]

    @property
    def total(self) -> Decimal:
        return sum((head.amount for head in self.heads), ZERO)

    @property
    def is_not_mapped(self) -> bool:
        return self.name == NOT_MAPPED


@dataclass(frozen=True)
class ScheduleIIIBalanceSheet:
    as_of: dt.date
    equity_and_liabilities: list[Section]
    assets: list[Section]

    @property
    def equity_and_liabilities_total(self) -> Decimal:
        return sum((section.total for section in self.equity_and_liabilities), ZERO)

    @property
    def assets_total(self) -> Decimal:
        return sum((section.total for section in self.assets), ZERO)

    @property
    def sides(self) -> list[tuple[str, str, list[Section], Decimal]]:
        """As the statement prints them: numeral, heading, sections, total."""
        return [
            (
                "I",
                EQUITY_AND_LIABILITIES,
                self.equity_and_liabilities,
                self.equity_and_liabilities_total,
            ),
            ("II", ASSETS, self.assets, self.assets_total),
        ]

    @property
    def not_mapped(self) -> list[str]:
        """The groups (and the Difference in opening balances) that have no Schedule III head."""
        sides = (self.equity_and_liabilities, self.assets)
        return [h.name for side in sides for s in side if s.name == NOT_MAPPED for h in s.heads]


class _Sides:
    """The heads as they fill, by side and name; the unmapped ones by side, in order."""

    def __init__(self) -> None:
        self.heads = {
            side: {head: Head(head) for heads in sections.values() for head in heads}
            for side, sections in SECTIONS.items()
        }
        self.not_mapped: dict[str, list[Head]] = {EQUITY_AND_LIABILITIES: [], ASSETS: []}

    def sections(self, side: str) -> list[Section]:
        filled = [
            Section(name, [self.heads[side][h] for h in heads if self.heads[side][h].details])
            for name, heads in SECTIONS[side].items()
        ]
        if self.not_mapped[side]:
            filled.append(Section(NOT_MAPPED, self.not_mapped[side]))
        return [section for section in filled if section.heads]


def _nature_side(group: Group) -> str:
    return EQUITY_AND_LIABILITIES if group.nature == Group.Nature.LIABILITY else ASSETS


def _sign(side: str) -> int:
    return -1 if side == EQUITY_AND_LIABILITIES else 1


def _own_rows(node: ChartNode, sign: int) -> list[DetailRow]:
    """The group's own ledgers with a balance, headed by the group with their sum; none if none.
    Unlike the horizontal layout's details, a sub-group that nets to zero still shows them."""
    rows = [DetailRow(lg.name, sign * amount, 1, lg) for lg, amount in node.ledgers if amount]
    if not rows:
        return []
    return [DetailRow(node.group.name, sum((r.amount for r in rows), ZERO), 0), *rows]


def _mapped(root: ChartNode, side: str, sides: _Sides) -> None:
    """A predefined primary group on its own side: each ledger under the head of its group, or
    of the group's nearest predefined parent."""
    sign = _sign(side)

    def walk(node: ChartNode, inherited: str) -> None:
        group = node.group
        head = GROUP_HEADS.get(group.name, inherited) if group.predefined else inherited
        if rows := _own_rows(node, sign):
            sides.heads[side][head].add(rows[0].amount, rows)
        for child in node.children:
            walk(child, head)

    walk(root, GROUP_HEADS[root.group.name])


def _whole(root: ChartNode, sign: int) -> list[DetailRow]:
    """Every group under `root` (and itself) with its own ledgers, as `_own_rows`."""
    return [row for node in root.walk() for row in _own_rows(node, sign)]


def schedule3_balance_sheet_layout(sheet: SheetFigures) -> ScheduleIIIBalanceSheet:
    """The Balance Sheet's figures in Schedule III's vertical form. A primary group stands on
    the side where Tally's horizontal layout shows it (a group contrary to its nature under the
    other side's "other current" head, with its name), so the totals are the same; a group with
    no head, and the Difference in opening balances, are named under "Not mapped"."""
    sides = _Sides()
    for root in sorted(chart_build(groups=sheet.groups, balances=sheet.balances), key=tally_order):
        if not any(amount for node in root.walk() for _, amount in node.ledgers):
            continue
        nature = _nature_side(root.group)
        side = nature if not root.total else ASSETS if root.total > 0 else EQUITY_AND_LIABILITIES
        sign = _sign(side)
        if not (root.group.predefined and root.group.name in GROUP_HEADS):
            head = Head(root.group.name)
            head.add(sign * root.total, _whole(root, sign))
            sides.not_mapped[side].append(head)
        elif side != nature:
            balance = "debit" if root.total > 0 else "credit"
            name = DetailRow(f"{root.group.name} ({balance} balance)", sign * root.total, 0)
            rows = [name, *(row.deeper() for row in _whole(root, sign))]
            sides.heads[side][CONTRARY_HEADS[side]].add(sign * root.total, rows)
        else:
            _mapped(root, side, sides)
    if sheet.carried:
        line = profit_and_loss_line(sheet)
        rows = [DetailRow(SURPLUS, line.amount, 0), *(row.deeper() for row in line.details)]
        sides.heads[EQUITY_AND_LIABILITIES]["Reserves and surplus"].add(line.amount, rows)
    if sheet.openings:
        side = EQUITY_AND_LIABILITIES if sheet.openings > 0 else ASSETS
        difference = abs(sheet.openings)
        sides.not_mapped[side].append(
            Head(DIFFERENCE, difference, [DetailRow(DIFFERENCE, difference, 0)])
        )
    return ScheduleIIIBalanceSheet(
        sheet.as_of, sides.sections(EQUITY_AND_LIABILITIES), sides.sections(ASSETS)
    )


def schedule3_balance_sheet_get(*, company: Company, as_of: dt.date) -> ScheduleIIIBalanceSheet:
    """The Balance Sheet as of a day in Schedule III's vertical form (see the layout)."""
    return schedule3_balance_sheet_layout(sheet_figures_get(company=company, as_of=as_of))


# Statement of Profit and Loss.

REVENUE_FROM_OPERATIONS = "Revenue from operations"
OTHER_INCOME = "Other income"
PURCHASES = "Purchases of Stock-in-Trade"
CHANGES_IN_INVENTORIES = "Changes in inventories of Stock-in-Trade"
OTHER_EXPENSES = "Other expenses"
STOCK_ENTRIES = "Stock-in-Hand entries"


@dataclass(frozen=True)
class ScheduleIIIProfitAndLoss:
    """Income Cr-positive, expenses Dr-positive; a head contrary to its part keeps a minus."""

    date_from: dt.date
    date_to: dt.date
    income: list[Head]  # I Revenue from operations, II Other income
    expenses: list[Head]  # IV

    @property
    def total_income(self) -> Decimal:  # III
        return sum((head.amount for head in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((head.amount for head in self.expenses), ZERO)

    @property
    def profit_before_tax(self) -> Decimal:  # V
        return self.total_income - self.total_expenses


def _heads(names: list[str], lines: dict[str, list[FinalLine]]) -> list[Head]:
    heads = []
    for name in names:
        head = Head(name)
        for line in lines.get(name, []):
            rows = [
                DetailRow(line.particulars, line.amount, 0),
                *(r.deeper() for r in line.details),
            ]
            head.add(line.amount, rows)
        heads.append(head)
    return heads


def schedule3_profit_and_loss_get(
    *, company: Company, date_from: dt.date, date_to: dt.date
) -> ScheduleIIIProfitAndLoss:
    """The period's Profit & Loss A/c in Schedule III's form (NOTES.md B.4): Revenue from
    operations (Sales Accounts), Other income (every other income group), Purchases of
    Stock-in-Trade (Purchase Accounts), Changes in inventories (opening less closing stock),
    Other expenses (every other expense group: no ledger carries an employee, finance or
    depreciation head yet); the profit before tax is Tally's Nett Profit."""
    figures = figures_get(company=company, date_from=date_from, date_to=date_to)
    lines: dict[str, list[FinalLine]] = {}
    for (_, nature), group_lines in revenue_sides(figures).items():
        for line in group_lines:
            name = line.group.name if line.group and line.group.predefined else ""
            if nature == Group.Nature.INCOME:
                head = REVENUE_FROM_OPERATIONS if name == "Sales Accounts" else OTHER_INCOME
            else:
                head = PURCHASES if name == "Purchase Accounts" else OTHER_EXPENSES
            lines.setdefault(head, []).append(line)
    lines[CHANGES_IN_INVENTORIES] = [
        FinalLine("Opening Stock", stock_total(figures, "stock_open")),
        FinalLine("Closing Stock", -stock_total(figures, "stock_close")),
    ]
    moved = stock_total(figures, "period")
    expenses = [PURCHASES, CHANGES_IN_INVENTORIES, *([STOCK_ENTRIES] if moved else [])]
    lines[STOCK_ENTRIES] = [FinalLine(STOCK_ENTRIES, moved)]
    return ScheduleIIIProfitAndLoss(
        date_from,
        date_to,
        income=_heads([REVENUE_FROM_OPERATIONS, OTHER_INCOME], lines),
        expenses=_heads([*expenses, OTHER_EXPENSES], lines),
    )
