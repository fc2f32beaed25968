"""Stock valuation: each item's opening, inwards, outwards and closing over a period, valued by
its costing method (Tally's year-to-date Avg. Cost by default, FIFO, Last Purchase Cost), as a
pure function of a list of `Move`s (../shared/books/NOTES.md A.3; worked examples A.4).

One pass over the moves in (date, order), all items together: a manufacture values its
production at what its consumption cost on its date (NOTES A.2), so the consumed items' rates
must be known when the product's move is read.

Avg. Cost (Tally's annual weighted average, [T2]): an item's rate at a day is its financial
year's (opening value + inward value) ÷ (opening quantity + inward quantity) up to that day;
inwards are purchases and productions, less purchase returns at their own value. Outwards never
change the rate, so a sale is costed at the rate of the report's day (the annual average
restates earlier outwards: A1's S-1 is 54.00 on 10-Apr, 56.00 on 30-Apr). Transfers and physical
stock adjustments are not inwards (they would distort the average: NOTES deviation) and a sales
return comes back at the rate, not at its sale value. With no inward quantity the rate is the
last positive one. A year's opening is the previous year's closing (quantity and value).
Closing value = quantity × rate to the paisa; a godown's value is its quantity at the item's
rate (rates are item-level).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from inventory.moves import Move, MoveKind

ZERO = Decimal("0")
PAISA = Decimal("0.01")

AVG_COST = "avg_cost"  # StockItem.Costing's values, plain so the engine stays a pure module
FIFO = "fifo"
LAST_PURCHASE = "last_purchase"
METHODS = (AVG_COST, FIFO, LAST_PURCHASE)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(PAISA, rounding=ROUND_HALF_UP)


@dataclass
class GodownStock:
    """One item in one godown over the period: quantities, and values at the item's rate."""

    godown_id: int
    opening_quantity: Decimal = ZERO
    opening_value: Decimal = ZERO
    inward_quantity: Decimal = ZERO
    outward_quantity: Decimal = ZERO
    closing_quantity: Decimal = ZERO
    closing_value: Decimal = ZERO


@dataclass
class ItemStock:
    """One item over the period, as a Stock Summary row: Opening | Inwards (at cost) |
    Outwards (at sale value, Tally's default) | Consumption (at cost) | Closing. Quantities
    reconcile: opening + inwards − outwards = closing; values: opening + inwards − consumption
    = closing."""

    item_id: int
    method: str
    opening_quantity: Decimal = ZERO
    opening_value: Decimal = ZERO
    inward_quantity: Decimal = ZERO
    inward_value: Decimal = ZERO
    outward_quantity: Decimal = ZERO
    outward_value: Decimal = ZERO
    closing_quantity: Decimal = ZERO
    closing_rate: Decimal = ZERO
    closing_value: Decimal = ZERO
    godowns: dict[int, GodownStock] = field(default_factory=dict)

    @property
    def consumption(self) -> Decimal:
        return self.opening_value + self.inward_value - self.closing_value

    @property
    def opening_rate(self) -> Decimal:
        return rate_of(self.opening_value, self.opening_quantity)

    @property
    def inward_rate(self) -> Decimal:
        return rate_of(self.inward_value, self.inward_quantity)

    @property
    def outward_rate(self) -> Decimal:
        return rate_of(self.outward_value, self.outward_quantity)


def rate_of(value: Decimal, quantity: Decimal) -> Decimal:
    """A rate to the paisa, as a report shows it (0 for no quantity)."""
    return money(value / quantity) if quantity else ZERO


class _Book:
    """One item's running state: the year's opening and inwards (Avg. Cost), its cost layers
    (FIFO), its last purchase rate, and its quantity in each godown."""

    def __init__(self, item_id: int, method: str, year_start: dt.date) -> None:
        self.item_id = item_id
        self.method = method
        self.year_start = year_start
        self.year_quantity = ZERO  # the year's opening + inwards quantity (Avg. Cost)
        self.year_value = ZERO
        self.last_rate = ZERO  # the last positive rate, for a book with no inward quantity
        self.layers: deque[list[Decimal]] = deque()  # FIFO: [quantity, unit cost], oldest first
        self.deficit = ZERO  # FIFO: what went out beyond the layers (negative stock)
        self.godowns: dict[int, Decimal] = {}

    @property
    def quantity(self) -> Decimal:
        return sum(self.godowns.values(), ZERO)

    def rate(self) -> Decimal:
        """The exact (unrounded) rate the item's stock is valued at now."""
        if self.method == AVG_COST and self.year_quantity > 0:
            self.last_rate = self.year_value / self.year_quantity
        elif self.method == FIFO:
            quantity = sum((layer[0] for layer in self.layers), ZERO)
            if quantity > 0:
                self.last_rate = self.layer_value() / quantity
        return self.last_rate

    def layer_value(self) -> Decimal:
        return sum((quantity * cost for quantity, cost in self.layers), ZERO)

    def value(self) -> Decimal:
        quantity = self.quantity
        if self.method == AVG_COST and self.year_quantity > 0:
            return money(quantity * self.year_value / self.year_quantity)
        if self.method == FIFO and quantity > 0 and not self.deficit:
            return money(self.layer_value())
        return money(quantity * self.rate())

    def value_of(self, quantity: Decimal) -> Decimal:
        return money(quantity * self.rate())

    def year_begin(self, year_start: dt.date) -> None:
        """A new financial year opens at the last one's closing (quantity and value)."""
        value = self.value()
        self.year_start = year_start
        self.year_quantity = self.quantity
        self.year_value = value
        self.rate()

    def add(self, godown_id: int, quantity: Decimal) -> None:
        self.godowns[godown_id] = self.godowns.get(godown_id, ZERO) + quantity

    def inward(self, quantity: Decimal, value: Decimal) -> None:
        """Stock in at cost: the average's inwards, a FIFO layer, the last purchase rate."""
        self.year_quantity += quantity
        self.year_value += value
        if quantity > 0:
            if self.method == FIFO:
                self.layer_add(quantity, value / quantity)
            elif self.method == LAST_PURCHASE:
                self.last_rate = value / quantity
        self.rate()

    def layer_add(self, quantity: Decimal, cost: Decimal) -> None:
        """A FIFO layer; stock that went out before it came in (negative stock) is made good
        from it first."""
        covered = min(quantity, self.deficit)
        self.deficit -= covered
        if quantity > covered:
            self.layers.append([quantity - covered, cost])
        else:
            self.last_rate = cost

    def outward_cost(self, quantity: Decimal, *, newest: bool = False) -> Decimal:
        """What `quantity` going out costs: at the rate, or FIFO's layers (oldest first; a
        purchase return takes the newest, the purchase it returns)."""
        if self.method != FIFO:
            return self.value_of(quantity)
        rate = self.rate()
        cost, left = ZERO, quantity
        while left > 0 and self.layers:
            layer = self.layers[-1] if newest else self.layers[0]
            taken = min(left, layer[0])
            cost += taken * layer[1]
            layer[0] -= taken
            left -= taken
            if layer[0] == 0:
                self.layers.pop() if newest else self.layers.popleft()
        self.deficit += left
        return money(cost + left * rate)

    def restore(self, quantity: Decimal) -> Decimal:
        """Stock back at cost (a sales return, a physical excess): at the rate; FIFO re-adds a
        layer at it. Not an inward of the average."""
        rate = self.rate()
        if self.method == FIFO and quantity > 0:
            self.layer_add(quantity, rate)
        return money(quantity * rate)


@dataclass
class _Period:
    date_from: dt.date
    date_to: dt.date
    items: dict[int, ItemStock] = field(default_factory=dict)
    opened: bool = False


def stock_valuation(
    moves: Iterable[Move],
    *,
    year_begins: Callable[[dt.date], dt.date],
    date_to: dt.date,
    date_from: dt.date | None = None,
    methods: Mapping[int, str] | None = None,
) -> dict[int, ItemStock]:
    """Every moved item's stock over `date_from`..`date_to` (from the start of `date_to`'s
    financial year unless given), by item id. `moves` in (date, order); `year_begins(day)`
    is the first day of the financial year holding `day`; `methods` an item's costing method
    (Avg. Cost unless named)."""
    date_from = date_from or year_begins(date_to)
    methods = methods or {}
    books: dict[int, _Book] = {}
    period = _Period(date_from, date_to)
    dated = (move for move in moves if move.date <= date_to)
    for (day, _voucher), group in groupby(dated, key=lambda move: (move.date, move.voucher_id)):
        if day >= date_from and not period.opened:
            _open(period, books, year_begins)
        voucher_moves = list(group)
        cost = ZERO
        for move in voucher_moves:
            if move.kind != MoveKind.PRODUCE:
                book = _book(books, move, methods, year_begins)
                cost += _apply(period, book, move, day >= date_from)
        produced = [move for move in voucher_moves if move.kind == MoveKind.PRODUCE]
        for move, share in zip(produced, _shares(cost, produced), strict=True):
            book = _book(books, move, methods, year_begins)
            _produce(period, book, move, share, day >= date_from)
    if not period.opened:
        _open(period, books, year_begins)
    return _close(period, books, year_begins)


def _book(
    books: dict[int, _Book],
    move: Move,
    methods: Mapping[int, str],
    year_begins: Callable[[dt.date], dt.date],
) -> _Book:
    year = year_begins(move.date)
    book = books.get(move.item_id)
    if book is None:
        book = books[move.item_id] = _Book(move.item_id, methods.get(move.item_id, AVG_COST), year)
    elif year > book.year_start:
        book.year_begin(year)
    return book


def _row(period: _Period, book: _Book) -> ItemStock:
    row = period.items.get(book.item_id)
    if row is None:
        row = period.items[book.item_id] = ItemStock(book.item_id, book.method)
    return row


def _godown(row: ItemStock, godown_id: int) -> GodownStock:
    stock = row.godowns.get(godown_id)
    if stock is None:
        stock = row.godowns[godown_id] = GodownStock(godown_id)
    return stock


def _open(period: _Period, books: dict[int, _Book], year_begins: Callable) -> None:
    """The period's opening: each book brought to the period's year, its stock as it stands."""
    period.opened = True
    year = year_begins(period.date_from)
    for book in books.values():
        if year > book.year_start:
            book.year_begin(year)
        row = _row(period, book)
        row.opening_quantity = book.quantity
        row.opening_value = book.value()
        for godown_id, quantity in book.godowns.items():
            stock = _godown(row, godown_id)
            stock.opening_quantity = quantity
            stock.opening_value = book.value_of(quantity)


def _apply(period: _Period, book: _Book, move: Move, inside: bool) -> Decimal:
    """Book one move (not a production); returns what it consumed into a manufacture."""
    quantity, kind = move.quantity, move.kind
    if kind == MoveKind.PHYSICAL:
        quantity = move.quantity - book.godowns.get(move.godown_id, ZERO)
    book.add(move.godown_id, quantity)
    inward = outward = ZERO  # the period's columns: inward value, outward (sale) value
    consumed = ZERO
    if kind == MoveKind.OPENING:
        book.inward(quantity, move.value)
    elif kind == MoveKind.PURCHASE:
        book.inward(quantity, move.value)
        inward = move.value
    elif kind == MoveKind.PURCHASE_RETURN:
        book.outward_cost(-quantity, newest=True)
        book.inward(quantity, -move.value)
        inward = -move.value
    elif kind == MoveKind.SALE:
        book.outward_cost(-quantity)
        outward = move.value
    elif kind == MoveKind.SALE_RETURN:
        book.restore(quantity)
        outward = -move.value
    elif kind == MoveKind.CONSUME:
        consumed = book.outward_cost(-quantity)
    elif kind == MoveKind.PHYSICAL:
        if quantity > 0:
            inward = book.restore(quantity)
        else:
            book.outward_cost(-quantity)
    if inside or kind == MoveKind.OPENING:
        _column(period, book, move, quantity, inward, outward, opening=not inside)
    return consumed


def _produce(period: _Period, book: _Book, move: Move, cost: Decimal, inside: bool) -> None:
    """A manufacture's product: in at its share of the consumption's cost plus its own
    additional cost (`move.value`)."""
    value = cost + move.value
    book.add(move.godown_id, move.quantity)
    book.inward(move.quantity, value)
    if inside:
        _column(period, book, move, move.quantity, value, ZERO, opening=False)


def _column(
    period: _Period,
    book: _Book,
    move: Move,
    quantity: Decimal,
    inward: Decimal,
    outward: Decimal,
    *,
    opening: bool,
) -> None:
    """Add a move to the period's row: an opening dated in the period (the books' first day)
    to the opening, a transfer only to its godowns, anything else to inwards or outwards."""
    row = _row(period, book)
    stock = _godown(row, move.godown_id)
    if move.kind == MoveKind.OPENING:
        if period.opened or not opening:
            row.opening_quantity += quantity
            row.opening_value += move.value
            stock.opening_quantity += quantity
            stock.opening_value += move.value
        return
    if quantity > 0:
        stock.inward_quantity += quantity
    else:
        stock.outward_quantity -= quantity
    if move.kind == MoveKind.TRANSFER:
        return
    if move.kind in (MoveKind.SALE, MoveKind.SALE_RETURN, MoveKind.CONSUME) or (
        move.kind == MoveKind.PHYSICAL and quantity < 0
    ):
        row.outward_quantity -= quantity
    else:
        row.inward_quantity += quantity
    row.inward_value += inward
    row.outward_value += outward


def _shares(cost: Decimal, produced: list[Move]) -> list[Decimal]:
    """A manufacture's consumption cost split over its products by quantity (the last takes
    what rounding leaves)."""
    total = sum((move.quantity for move in produced), ZERO)
    shares: list[Decimal] = []
    for index, move in enumerate(produced):
        last = index == len(produced) - 1
        shares.append(cost - sum(shares, ZERO) if last else money(cost * move.quantity / total))
    return shares


def _close(period: _Period, books: dict[int, _Book], year_begins: Callable) -> dict[int, ItemStock]:
    year = year_begins(period.date_to)
    for book in books.values():
        if year > book.year_start:
            book.year_begin(year)
        row = _row(period, book)
        row.closing_quantity = book.quantity
        row.closing_value = book.value()
        row.closing_rate = money(book.rate())
        for godown_id, quantity in book.godowns.items():
            stock = _godown(row, godown_id)
            stock.closing_quantity = quantity
            stock.closing_value = book.value_of(quantity)
    return period.items
