"""The Day Book as a table for a file (`core.export`): the page's columns, every voucher of the
period, read from the database in chunks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from companies.models import Company
from core.export import Column, Row, Table, period_text
from vouchers.models import Voucher

DAY_BOOK_COLUMNS = [
    Column("Date", "date", 12),
    Column("Particulars", width=36),
    Column("Vch Type", width=14),
    Column("Vch No.", "integer", 9),
    Column("Debit Amount", "amount", 16),
    Column("Credit Amount", "amount", 16),
    Column("Narration", width=40),
]


def day_book_table(
    *, company: Company, vouchers: Iterable[Voucher], date_from: dt.date, date_to: dt.date
) -> Table:
    """A row per voucher as the Day Book shows it: its first line's ledger (or "(cancelled)"),
    type, number, and its amount under the first line's side; the narration in full."""

    def rows() -> Iterator[Row]:
        for voucher in vouchers:
            lead = voucher.lead_entry
            total = voucher.total
            particulars = (
                "(cancelled)" if voucher.is_cancelled else lead.ledger.name if lead else ""
            )
            yield Row(
                [
                    voucher.date,
                    particulars,
                    voucher.voucher_type.name,
                    voucher.number,
                    total if lead and lead.amount > 0 else None,
                    total if lead and lead.amount < 0 else None,
                    voucher.narration,
                ],
                "detail" if voucher.is_cancelled else "",
            )

    return Table(
        company=company.name,
        title="Day Book",
        period=period_text(date_from, date_to),
        columns=DAY_BOOK_COLUMNS,
        rows=rows(),
    )
