"""The reports as tables for a file (`core.export`): each report's rows once, for CSV and Excel
alike, and the same figures its page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import zip_longest

from companies.models import Company
from core.export import Column, Label, Row, Table, balance_cells, period_text, tally_date
from ledgers.models import Ledger
from ledgers.selectors import ChartNode
from reports.selectors import (
    DIFFERENCE,
    BalanceSheet,
    FinalLine,
    GroupedTrialBalance,
    ProfitAndLoss,
    StatementStream,
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
    ledger: Ledger,
    statement: StatementStream,
    date_from: dt.date,
    date_to: dt.date,
) -> Table:
    """A ledger's statement, every line of the period (streamed from the database): the
    opening balance, each entry with the running balance, the closing balance."""

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
            entry, balance = line.entry, line.balance
            voucher = entry.voucher
            yield Row(
                [
                    entry.date,
                    line.particulars,
                    voucher.voucher_type.name,
                    voucher.number,
                    entry.debit or None,
                    entry.credit or None,
                    *balance_cells(balance),
                ]
            )
        yield Row(
            [None, "Closing Balance", None, None, None, None, *balance_cells(balance)], "total"
        )

    return Table(
        company=company.name,
        title=f"Ledger: {ledger.name}",
        period=period_text(date_from, date_to),
        columns=STATEMENT_COLUMNS,
        rows=rows(),
    )
