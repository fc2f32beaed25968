"""The reports as tables for a file (`core.export`): each report's rows once, for CSV and Excel
alike, and the same figures its page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import zip_longest

from companies.models import Company
from core.export import (
    Column,
    Label,
    Row,
    Style,
    Table,
    balance_cells,
    period_text,
    tally_date,
)
from core.money import ZERO
from ledgers.models import Ledger
from ledgers.selectors import ChartNode
from reports.schedule3 import Head, ScheduleIIIBalanceSheet, ScheduleIIIProfitAndLoss
from reports.selectors import (
    DIFFERENCE,
    BalanceSheet,
    FinalLine,
    GroupedTrialBalance,
    ProfitAndLoss,
)
from reports.statements import MonthlySummary, StatementStream
from reports.summaries import (
    GroupVouchersStream,
    PeriodBalances,
    Register,
    RegisterVouchersStream,
)

PARTICULARS = Column("Particulars", width=40)
DEBIT = Column("Debit", "amount", 16)
CREDIT = Column("Credit", "amount", 16)
DR_CR = Column("Dr/Cr", width=6)


def _split(amount: Decimal) -> list[Decimal | None]:
    """A signed amount in the Debit or the Credit column (the other left empty, as on the page)."""
    return [amount if amount > 0 else None, -amount if amount < 0 else None]


def trial_balance_table(
    *,
    company: Company,
    grouped: GroupedTrialBalance,
    focus: ChartNode | None,
    date_from: dt.date,
    as_of: dt.date,
) -> Table:
    """The Trial Balance as its page shows it: a row per group (or, in a group, its sub-groups
    and ledgers), the ledgers under no group, the difference in opening balances, the total."""
    rows = [Row([Label(n.group.name), *_split(n.total)], "group") for n in grouped.groups]
    rows += [Row([Label(ledger.name, 1), *_split(amount)]) for ledger, amount in grouped.ledgers]
    rows += [Row([Label(r.ledger.name), *_split(r.balance)]) for r in grouped.ungrouped]
    if grouped.opening_difference:
        rows.append(Row([Label(DIFFERENCE), *_split(grouped.opening_difference)], "detail"))
    total = f"Total {focus.group.name}" if focus else "Grand Total"
    rows.append(Row([total, grouped.total_debit, grouped.total_credit], "total"))
    return Table(
        company=company.name,
        title=f"Trial Balance: {focus.group.name}" if focus else "Trial Balance",
        period=period_text(date_from, as_of),
        columns=[PARTICULARS, DEBIT, CREDIT],
        rows=rows,
    )


def _side_rows(lines: list[FinalLine], detailed: bool) -> list[list[object]]:
    """One side of a final account as the page shows it: each line (Particulars and Amount),
    under it its sub-groups and ledgers (in the Details column) in the detailed view, and
    always the parts of a line that is not a group (Profit & Loss A/c's Opening Balance)."""
    rows: list[list[object]] = []
    for line in lines:
        style = "detail" if line.subtotal else "group"
        rows.append([Label(line.particulars, 0, style), None, line.amount])
        for detail in line.details:
            if detailed or (line.group is None and detail.ledger is None):
                rows.append([Label(detail.particulars, detail.depth + 1), detail.amount, None])
    return rows


def _two_sides(
    left: list[FinalLine], right: list[FinalLine], total: Decimal, detailed: bool
) -> list[Row]:
    pairs = zip_longest(_side_rows(left, detailed), _side_rows(right, detailed))
    rows = [Row([*(a or [None] * 3), *(b or [None] * 3)]) for a, b in pairs]
    rows.append(Row(["Total", None, total, "Total", None, total], "total"))
    return rows


def _side_columns(left: str, right: str) -> list[Column]:
    def side(title: str) -> list[Column]:
        return [
            Column(title, width=36),
            Column("Details", "amount", 15),
            Column("Amount", "amount", 16),
        ]

    return [*side(left), *side(right)]


def profit_and_loss_table(*, company: Company, report: ProfitAndLoss, detailed: bool) -> Table:
    """Tally's horizontal Profit & Loss A/c: debit side | credit side, the Trading part and its
    total, then the Profit & Loss part and its total."""
    trading = _two_sides(
        report.trading_debit, report.trading_credit, report.trading_total, detailed
    )
    rest = _two_sides(report.debit, report.credit, report.total, detailed)
    return Table(
        company=company.name,
        title="Profit & Loss A/c",
        period=period_text(report.date_from, report.date_to),
        columns=_side_columns("Particulars", "Particulars"),
        rows=[*trading, *rest],
    )


def balance_sheet_table(*, company: Company, report: BalanceSheet, detailed: bool) -> Table:
    """Tally's horizontal Balance Sheet: Liabilities | Assets, and both totals."""
    if report.liabilities_total != report.assets_total:  # by construction never; say so if so
        raise AssertionError("The Balance Sheet's sides differ.")
    rows = _two_sides(report.liabilities, report.assets, report.assets_total, detailed)
    return Table(
        company=company.name,
        title="Balance Sheet",
        period=f"as at {tally_date(report.as_of)}",
        columns=_side_columns("Liabilities", "Assets"),
        rows=rows,
    )


# -- Schedule III: the same figures in the vertical form, Particulars | Details | Amount --

SCHEDULE3_COLUMNS = [
    Column("Particulars", width=48),
    Column("Details", "amount", 15),
    Column("Amount", "amount", 16),
]


def _head_rows(
    heads: list[Head], depth: int, detailed: bool, not_mapped: bool = False
) -> list[Row]:
    """Each head (its amount signed, as the page's "(-)" shows a contrary one), under it in the
    detailed view the groups and ledgers that make it, their amounts in the Details column; a
    head with no place in Schedule III says so ("Not mapped: Suspense A/c")."""
    rows = []
    for head in heads:
        name = f"Not mapped: {head.name}" if not_mapped else head.name
        rows.append(Row([Label(name, depth), None, head.amount]))
        if detailed:
            rows += [
                Row([Label(d.particulars, depth + 1 + d.depth), d.amount, None], "detail")
                for d in head.details
            ]
    return rows


def schedule3_balance_sheet_table(
    *, company: Company, report: ScheduleIIIBalanceSheet, detailed: bool
) -> Table:
    """The Balance Sheet in Schedule III's vertical form, as its page: each side (I. Equity and
    Liabilities, II. Assets), its numbered sections, their heads (the unmapped named), each
    section's total, the side's total."""
    rows = []
    for numeral, heading, sections, total in report.sides:
        rows.append(Row([Label(f"{numeral}. {heading}"), None, None], "group"))
        for number, section in enumerate(sections, 1):
            rows.append(Row([Label(f"({number}) {section.name}", 1), None, None], "group"))
            rows += _head_rows(section.heads, 2, detailed, section.is_not_mapped)
            rows.append(Row([Label(f"Total {section.name}", 1), None, section.total], "total"))
        rows.append(Row(["Total", None, total], "total"))
    return Table(
        company=company.name,
        title="Balance Sheet (Schedule III)",
        period=f"as at {tally_date(report.as_of)}",
        columns=SCHEDULE3_COLUMNS,
        rows=rows,
    )


def schedule3_profit_and_loss_table(
    *, company: Company, report: ScheduleIIIProfitAndLoss, detailed: bool
) -> Table:
    """The Statement of Profit and Loss (Schedule III) as its page: Income and its heads, Total
    income, Expenses and their heads, Total expenses, Profit before tax."""
    return Table(
        company=company.name,
        title="Statement of Profit and Loss",
        period=period_text(report.date_from, report.date_to),
        columns=SCHEDULE3_COLUMNS,
        rows=[
            Row(["Income", None, None], "group"),
            *_head_rows(report.income, 1, detailed),
            Row(["Total income", None, report.total_income], "total"),
            Row(["Expenses", None, None], "group"),
            *_head_rows(report.expenses, 1, detailed),
            Row(["Total expenses", None, report.total_expenses], "total"),
            Row(["Profit before tax", None, report.profit_before_tax], "total"),
        ],
    )


STATEMENT_COLUMNS = [
    Column("Date", "date", 12),
    Column("Particulars", width=36),
    Column("Vch Type", width=14),
    Column("Vch No.", "integer", 9),
    DEBIT,
    CREDIT,
    Column("Balance", "amount", 16),
    DR_CR,
]


def ledger_statement_table(
    *,
    company: Company,
    title: str,
    statement: StatementStream,
    date_from: dt.date,
    date_to: dt.date,
    daily: bool = False,
) -> Table:
    """A ledger's statement, every line of the period (streamed from the database): the
    opening balance, each entry with the running balance, the closing balance; `daily` adds
    each day's closing after its last line (the Cash/Bank Book)."""

    def rows() -> Iterator[Row]:
        balance = statement.opening
        yield Row(
            [
                date_from,
                Label("Opening Balance", 0, "detail"),
                None,
                None,
                None,
                None,
                *balance_cells(balance),
            ]
        )
        for line in statement.lines:
            balance = line.balance
            yield Row(
                [
                    line.date,
                    line.particulars,
                    line.voucher_type,
                    line.number,
                    line.debit or None,
                    line.credit or None,
                    *balance_cells(balance),
                ]
            )
            if daily and line.day_end:
                closing = Label(f"Closing balance on {line.date:%d-%b-%Y}", 0, "detail")
                yield Row([None, closing, None, None, None, None, *balance_cells(balance)])
        yield Row(
            [None, "Closing Balance", None, None, None, None, *balance_cells(balance)], "total"
        )

    return Table(
        company=company.name,
        title=title,
        period=period_text(date_from, date_to),
        columns=STATEMENT_COLUMNS,
        rows=rows(),
    )


def monthly_summary_table(*, company: Company, summary: MonthlySummary) -> Table:
    """A ledger's Monthly Summary: the year's opening, each month's debit, credit and closing,
    the totals."""
    rows = [
        Row([Label("Opening Balance", 0, "detail"), None, None, *balance_cells(summary.opening)]),
        *(
            Row(
                [
                    f"{line.date_from:%B %Y}",
                    line.debit or None,
                    line.credit or None,
                    *balance_cells(line.closing),
                ]
            )
            for line in summary.months
        ),
        Row(
            [
                "Grand Total",
                summary.total_debit,
                summary.total_credit,
                *balance_cells(summary.closing),
            ],
            "total",
        ),
    ]
    return Table(
        company=company.name,
        title=f"Monthly Summary: {summary.ledger.name}",
        period=period_text(summary.year_start, summary.year_end),
        columns=[
            Column("Particulars", width=24),
            DEBIT,
            CREDIT,
            Column("Closing Balance", "amount", 16),
            DR_CR,
        ],
        rows=rows,
    )


def cash_bank_books_table(*, company: Company, ledgers: list[Ledger], today: dt.date) -> Table:
    """Cash/Bank Book(s): each cash and bank ledger, its group and closing balance."""
    return Table(
        company=company.name,
        title="Cash/Bank Book(s)",
        period=f"as at {tally_date(today)}",
        columns=[
            Column("Particulars", width=36),
            Column("Under", width=24),
            Column("Closing Balance", "amount", 18),
            DR_CR,
        ],
        rows=[
            Row(
                [
                    ledger.name,
                    ledger.group.name if ledger.group else None,
                    *balance_cells(ledger.closing_balance),
                ]
            )
            for ledger in ledgers
        ],
    )


# -- Account Books: the Trial Balance over a period, Group Summary, Group Vouchers, registers --


def _shown(balance: Decimal) -> tuple[Decimal | None, str]:
    """A row's balance as the page shows it: nothing where it is nil."""
    return balance_cells(balance) if balance else (None, "")


PERIOD_COLUMNS = [
    PARTICULARS,
    Column("Opening Balance", "amount", 16),
    DR_CR,
    DEBIT,
    CREDIT,
    Column("Closing Balance", "amount", 16),
    DR_CR,
]


def period_balances_table(*, company: Company, report: PeriodBalances, title: str) -> Table:
    """The Trial Balance over a period, or Group Summary (`title`): Opening, Debit, Credit and
    Closing per group, ledger and the difference in opening balances, then the totals."""
    styles: dict[str, Style] = {"group": "group", "ledger": "", "difference": "detail"}
    rows = [
        Row(
            [
                Label(row.name, 1 if report.focus and row.ledger else 0),
                *_shown(row.figures.opening),
                row.figures.debit or None,
                row.figures.credit or None,
                *_shown(row.figures.closing),
            ],
            styles[row.kind],
        )
        for row in report.rows
    ]
    totals = report.totals
    total = f"Total {report.focus.name}" if report.focus else "Grand Total"
    rows.append(
        Row(
            [
                total,
                *balance_cells(totals.opening),
                totals.debit,
                totals.credit,
                *balance_cells(totals.closing),
            ],
            "total",
        )
    )
    return Table(
        company=company.name,
        title=f"{title}: {report.focus.name}" if report.focus else title,
        period=period_text(report.date_from, report.date_to),
        columns=PERIOD_COLUMNS,
        rows=rows,
    )


def group_vouchers_table(*, company: Company, report: GroupVouchersStream) -> Table:
    """Group Vouchers, every voucher of the period (streamed): the opening balance, a row per
    voucher with the group's running balance, the period's totals and the closing balance —
    added up from the rows the file holds, so they agree with them even if a save commits
    while the file is read."""
    head = report.head

    def rows() -> Iterator[Row]:
        opening = Label("Opening Balance", 0, "detail")
        balance, debit, credit = head.period.opening, ZERO, ZERO
        yield Row([head.date_from, opening, None, None, None, None, *balance_cells(balance)])
        for line in report.lines:
            voucher = line.voucher
            balance, debit, credit = line.balance, debit + line.debit, credit + line.credit
            yield Row(
                [
                    voucher.date,
                    line.particulars,
                    voucher.voucher_type.name,
                    voucher.number,
                    line.debit or None,
                    line.credit or None,
                    *balance_cells(line.balance),
                ]
            )
        yield Row([None, "Total for the period", None, None, debit, credit, None, None], "total")
        yield Row(
            [None, "Closing Balance", None, None, None, None, *balance_cells(balance)], "total"
        )

    return Table(
        company=company.name,
        title=f"Group Vouchers: {head.group.name}",
        period=period_text(head.date_from, head.date_to),
        columns=STATEMENT_COLUMNS,
        rows=rows(),
    )


def register_table(*, company: Company, report: Register) -> Table:
    """A voucher type's register: a row per month (its Debit, Credit and the closing balance
    from the period's first day), then the Grand Total."""
    rows = [
        Row(
            [
                month.date_from.strftime("%B"),
                month.figures.debit or None,
                month.figures.credit or None,
                *_shown(month.figures.closing),
            ]
        )
        for month in report.months
    ]
    totals = report.totals
    rows.append(
        Row(["Grand Total", totals.debit, totals.credit, *balance_cells(totals.closing)], "total")
    )
    return Table(
        company=company.name,
        title=f"{report.voucher_type.name} Register",
        period=period_text(report.date_from, report.date_to),
        columns=[
            PARTICULARS,
            DEBIT,
            CREDIT,
            Column("Closing Balance", "amount", 16),
            DR_CR,
        ],
        rows=rows,
    )


def register_vouchers_table(*, company: Company, report: RegisterVouchersStream) -> Table:
    """A register's vouchers of the period (streamed): date, the first ledger, number and the
    value on the register's side; a cancelled voucher in italics, without an amount."""
    head = report.head

    def rows() -> Iterator[Row]:
        for line in report.lines:
            voucher = line.voucher
            yield Row(
                [
                    voucher.date,
                    line.particulars,
                    voucher.number,
                    line.debit or None,
                    line.credit or None,
                ],
                "detail" if voucher.is_cancelled else "",
            )
        yield Row([None, "Total", None, head.totals.debit, head.totals.credit], "total")

    return Table(
        company=company.name,
        title=f"{head.voucher_type.name} Register: Vouchers",
        period=period_text(head.date_from, head.date_to),
        columns=[
            Column("Date", "date", 12),
            Column("Particulars", width=36),
            Column("Vch No.", "integer", 9),
            DEBIT,
            CREDIT,
        ],
        rows=rows(),
    )
