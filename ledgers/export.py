"""The List of Ledgers as a table for a file (`core.export`): groups and their ledgers with
closing balances, as the page shows them."""

from __future__ import annotations

import datetime as dt

from companies.models import Company
from core.export import Column, Label, Row, Table, balance_cells, tally_date
from ledgers.models import Ledger
from ledgers.selectors import ChartNode

LEDGER_LIST_COLUMNS = [
    Column("Particulars", width=40),
    Column("Closing Balance", "amount", 18),
    Column("Dr/Cr", width=6),
]


def ledger_list_table(
    *, company: Company, nodes: list[ChartNode], ungrouped: list[Ledger], today: dt.date
) -> Table:
    """Each group (bold, at its depth) with its total, its ledgers under it, then the ledgers
    under no group."""
    rows = []
    for node in nodes:
        rows.append(Row([Label(node.group.name, node.depth), *balance_cells(node.total)], "group"))
        for ledger, closing in node.ledgers:
            rows.append(Row([Label(ledger.name, node.depth + 1), *balance_cells(closing)]))
    for ledger in ungrouped:
        rows.append(Row([Label(ledger.name), *balance_cells(ledger.closing_balance)]))  # type: ignore[attr-defined]
    return Table(
        company=company.name,
        title="List of Ledgers",
        period=f"as at {tally_date(today)}",
        columns=LEDGER_LIST_COLUMNS,
        rows=rows,
    )
