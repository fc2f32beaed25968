"""Stock moves: the one shape between what moves stock (openings, item invoices, stock
journals, physical stock — written by `inventory`'s voucher parts) and what values it (the
valuation engine, the Stock Summary, the Godown Summary, closing stock in the final accounts).
Plain values, so valuation is a pure function of a list of moves and the worked examples of
../shared/books/NOTES.md A.4 are tested without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")


class MoveKind(StrEnum):
    OPENING = "OPENING"  # the item's opening at the books' beginning, per godown
    PURCHASE = "PURCHASE"  # inwards at cost (a purchase, a receipt note)
    PURCHASE_RETURN = "PURCHASE_RETURN"  # outwards at its own rate (a debit note with items)
    SALE = "SALE"  # outwards at sale value (a sale, a delivery note)
    SALE_RETURN = "SALE_RETURN"  # inwards back at cost (a credit note with items)
    TRANSFER = "TRANSFER"  # one godown to another (a stock journal): out and in, same item
    PRODUCE = "PRODUCE"  # inwards from a manufacture (a stock journal's destination)
    CONSUME = "CONSUME"  # outwards into a manufacture (a stock journal's source)
    PHYSICAL = "PHYSICAL"  # a physical stock count: `quantity` is the counted quantity itself


@dataclass(frozen=True)
class Move:
    """One item's movement in one godown. `quantity` is signed (+ in, − out), except for
    PHYSICAL, where it is the quantity counted in that godown on that date (the engine makes
    the adjustment: counted − book). `value`: the inward cost (OPENING, PURCHASE, SALE_RETURN
    as given; PRODUCE: its additional cost only — the engine adds the cost of its voucher's
    CONSUME moves, known only as it values them), or the outward sale value
    (SALE) / return value (PURCHASE_RETURN); 0 where the engine values it (TRANSFER, CONSUME,
    PHYSICAL). `order`: the order within a date (the voucher's, then its line's)."""

    item_id: int
    godown_id: int
    date: dt.date
    kind: MoveKind
    quantity: Decimal
    value: Decimal = ZERO
    voucher_id: int | None = None
    order: int = 0
