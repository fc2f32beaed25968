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
from typing import TYPE_CHECKING

from inventory.models import ItemOpening, StockLine

if TYPE_CHECKING:
    from companies.models import Company

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


# A row's value to the valuation: what it was billed at, or 0 where the engine values it.
_VALUED = frozenset(
    {
        MoveKind.PURCHASE,
        MoveKind.PURCHASE_RETURN,
        MoveKind.SALE,
        MoveKind.SALE_RETURN,
        MoveKind.PRODUCE,  # its additional cost (the engine adds the consumption's)
    }
)


def moves_read(
    company: Company, *, date_to: dt.date | None = None, item_ids: list[int] | None = None
) -> list[Move]:
    """The company's stock moves: each item's openings (OPENING at the books' beginning, per
    godown) and every stock line of its vouchers that are not cancelled, up to `date_to` if
    given, of `item_ids` if given; in (date, voucher, line) order, the openings first. Two
    queries, however many items and vouchers."""
    beginning = company.books_beginning
    moves: list[Move] = []
    if date_to is None or date_to >= beginning:
        openings = ItemOpening.objects.filter(item__company=company)
        if item_ids is not None:
            openings = openings.filter(item_id__in=item_ids)
        rows = openings.order_by("item_id", "godown_id").values_list(
            "item_id", "godown_id", "quantity", "value"
        )
        moves.extend(
            Move(item, godown, beginning, MoveKind.OPENING, quantity, value, None, i)
            for i, (item, godown, quantity, value) in enumerate(rows)
        )
    lines = StockLine.objects.filter(voucher__company=company, voucher__is_cancelled=False)
    if date_to is not None:
        lines = lines.filter(voucher__date__lte=date_to)
    if item_ids is not None:
        lines = lines.filter(item_id__in=item_ids)
    rows = lines.order_by("voucher__date", "voucher_id", "position").values_list(
        "item_id", "godown_id", "voucher__date", "kind", "quantity", "amount", "voucher_id"
    )
    order, day = len(moves), beginning
    for item, godown, date, kind, quantity, amount, voucher in rows:
        if date != day:
            order, day = 0, date
        kind = MoveKind(kind)
        value = amount if kind in _VALUED else ZERO
        moves.append(Move(item, godown, date, kind, quantity, value, voucher, order))
        order += 1
    return moves
