"""Item invoices and inventory vouchers as typed drafts: a voucher's stock rows (one per item
line and godown), the accounting entries an item invoice makes of them, and Tally's rules on
them, as pure functions. `inventory.voucher_forms` makes the drafts; `inventory.voucher_services`
posts them through `vouchers.services.voucher_post` with the rows as the voucher's part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.money import PAISA, ZERO
from inventory.models import Godown, StockItem, StockLine, quantity_text
from inventory.moves import Move, MoveKind
from ledgers.models import Ledger
from vouchers.drafts import Line, VoucherDraft
from vouchers.models import VoucherType

Base = VoucherType.Base
Role = StockLine.Role

# An item invoice's voucher types, and what its lines are to the stock: a sale goes out, a
# purchase comes in, a Credit Note takes a sale back, a Debit Note sends a purchase back.
INVOICE_KINDS = {
    Base.SALES: MoveKind.SALE,
    Base.PURCHASE: MoveKind.PURCHASE,
    Base.CREDIT_NOTE: MoveKind.SALE_RETURN,
    Base.DEBIT_NOTE: MoveKind.PURCHASE_RETURN,
}
OUTWARD = frozenset({MoveKind.SALE, MoveKind.PURCHASE_RETURN, MoveKind.CONSUME})
# The party is debited on a Sales and a Debit Note, credited on a Purchase and a Credit Note;
# the lines' ledgers take the other side.
PARTY_DEBITED = frozenset({Base.SALES, Base.DEBIT_NOTE})


@dataclass(frozen=True)
class StockRow:
    """One item line's quantity in one godown. `line`: the line's index in its list as sent
    (`role`: "items", "source", "destination"), the field a refusal names (`items.2.quantity`).
    `quantity` signed (+ in, − out), a Physical Stock's counted quantity as it is. `amount`:
    the row's share of the line's amount (a Stock Journal's destination: its additional cost)."""

    role: str
    line: int
    kind: MoveKind
    item: StockItem
    godown: Godown
    quantity: Decimal
    rate: Decimal = ZERO
    discount: Decimal = ZERO
    amount: Decimal = ZERO
    ledger: Ledger | None = None

    @property
    def field(self) -> str:
        return f"{self.role}.{self.line}.quantity"


@dataclass(frozen=True)
class StockVoucherDraft:
    """An item invoice, a Stock Journal or a Physical Stock as typed: the voucher (its entries
    made from the rows: none for an inventory voucher) and its stock rows."""

    voucher: VoucherDraft
    rows: tuple[StockRow, ...]


def line_amount(quantity: Decimal, rate: Decimal, discount: Decimal) -> Decimal:
    """Tally's amount of an item line: quantity × rate − discount, to the paisa."""
    return (quantity * rate - discount).quantize(PAISA, rounding=ROUND_HALF_UP)


def amount_split(amount: Decimal, quantities: list[Decimal]) -> list[Decimal]:
    """A line's amount shared among its godowns by quantity, to the paisa, the last taking the
    paise left so the shares add up to the amount exactly."""
    total = sum(quantities, ZERO)
    shares = [
        (amount * quantity / total).quantize(PAISA, rounding=ROUND_HALF_UP)
        for quantity in quantities[:-1]
    ]
    return [*shares, amount - sum(shares, ZERO)]


def invoice_lines(base: str, party: Ledger, rows: list[StockRow]) -> list[Line]:
    """An item invoice's accounting entries: the party for the total, on its side, and each
    line's ledger for the sum of the lines allocated to it, on the other (in the order the
    ledgers first appear). Σ amount of the rows on ledger L = L's entry, by construction."""
    by_ledger: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ledgers: dict[int, Ledger] = {}
    for row in rows:
        assert row.ledger is not None  # an invoice's rows carry their ledger (the form's rule)
        ledgers.setdefault(row.ledger.pk, row.ledger)
        by_ledger[row.ledger.pk] += row.amount
    sign = 1 if base in PARTY_DEBITED else -1
    total = sum(by_ledger.values(), ZERO)
    lines = [Line(ledger=party, amount=sign * total)]
    lines += [Line(ledger=ledgers[pk], amount=-sign * amount) for pk, amount in by_ledger.items()]
    return lines


def journal_kinds(
    source: list[tuple[StockItem, Decimal]], destination: list[tuple[StockItem, Decimal]]
) -> dict[int, tuple[MoveKind, MoveKind]]:
    """A Stock Journal's kinds, per item: an item with the same quantity on both sides is a
    transfer (it changes godown, not value); any other is consumed into, or produced by, a
    manufacture (or written off, with no destination)."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    into: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item, quantity in source:
        out[item.pk] += quantity
    for item, quantity in destination:
        into[item.pk] += quantity
    return {
        pk: (
            (MoveKind.TRANSFER, MoveKind.TRANSFER)
            if out[pk] == into[pk]
            else (MoveKind.CONSUME, MoveKind.PRODUCE)
        )
        for pk in out.keys() | into.keys()
    }


@dataclass(frozen=True)
class Shortfall:
    """An item's quantity in a godown that a save leaves below zero."""

    row: StockRow  # the first of the save's rows taking it out
    quantity: Decimal

    @property
    def text(self) -> str:
        unit = self.row.item.unit.symbol
        return (
            f"{self.row.item.name} in {self.row.godown.name} will be "
            f"{quantity_text(self.quantity)} {unit} after this voucher"
        )


def shortfalls(rows: list[StockRow], replaced: list[Move], moves: list[Move]) -> list[Shortfall]:
    """Each (item, godown) that `rows` take stock out of (less what the rows they replace took,
    `replaced`) and leave below zero, as of all dates: `moves` are the items' moves with the
    save's rows in them, replayed in order (a Physical Stock's count sets the quantity)."""
    taken: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    first: dict[tuple[int, int], StockRow] = {}
    for row in rows:
        if row.kind != MoveKind.PHYSICAL:
            key = (row.item.pk, row.godown.pk)
            taken[key] += row.quantity
            if row.quantity < 0:
                first.setdefault(key, row)
    for move in replaced:
        if move.kind != MoveKind.PHYSICAL and (move.item_id, move.godown_id) in taken:
            taken[(move.item_id, move.godown_id)] -= move.quantity
    watched = {key for key, quantity in taken.items() if quantity < 0 and key in first}
    after: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for move in moves:
        key = (move.item_id, move.godown_id)
        if key in watched:
            after[key] = (
                move.quantity if move.kind == MoveKind.PHYSICAL else after[key] + move.quantity
            )
    return [
        Shortfall(row=first[key], quantity=after[key])
        for key in sorted(watched, key=lambda k: (first[k].role, first[k].line))
        if after[key] < 0
    ]
