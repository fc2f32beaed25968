"""The valuation engine over plain Moves (no database): NOTES.md A.4's worked examples A1–A4
to the paisa, FIFO and Last Purchase Cost on the same data, years, and the reconciliations
over random move streams."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.moves import Move, MoveKind
from inventory.valuation import AVG_COST, FIFO, LAST_PURCHASE, money, stock_valuation

BOWL, FLOUR, SUGAR, BISCUITS = 1, 2, 3, 4
MAIN, WH_B = 10, 11
D = Decimal


def april(day: int, year: int = 2026) -> dt.date:
    return dt.date(year, 4, day)


def year_begins(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def move(day, kind, quantity, value="0", godown=MAIN, voucher=None, item=BOWL, order=0):
    return Move(item, godown, day, kind, D(quantity), D(value), voucher, order)


def a1() -> list[Move]:
    """A1 — Steel Bowl (Nos), FY from 1-Apr."""
    return [
        move(april(1), MoveKind.OPENING, 100, 5000),
        move(april(5), MoveKind.PURCHASE, 200, 11200, voucher=1),
        move(april(10), MoveKind.SALE, -150, 12000, voucher=2),
        move(april(20), MoveKind.PURCHASE, 100, 6200, godown=WH_B, voucher=3),
        move(april(25), MoveKind.SALE, -50, 4250, voucher=4),
        move(april(28), MoveKind.TRANSFER, -40, godown=WH_B, voucher=5, order=1),
        move(april(28), MoveKind.TRANSFER, 40, godown=MAIN, voucher=5, order=2),
    ]


APRIL_30 = dt.date(2026, 4, 30)


def value(moves, day=APRIL_30, **kwargs):
    return stock_valuation(moves, year_begins=year_begins, date_to=day, **kwargs)


def test_a1_rates_closing_and_consumption_at_30_april():
    bowl = value(a1())[BOWL]
    assert (bowl.closing_quantity, bowl.closing_rate, bowl.closing_value) == (
        200,
        D("56.00"),
        D("11200.00"),
    )
    assert bowl.consumption == D("11200.00")


def test_a1_at_10_april_the_rate_is_54_and_the_closing_8100():
    bowl = value(a1(), april(10))[BOWL]
    assert (bowl.closing_quantity, bowl.closing_rate, bowl.closing_value) == (
        150,
        D("54.00"),
        D("8100.00"),
    )
    assert bowl.consumption == D("8100.00")


def test_a1_stock_summary_columns_1_to_30_april():
    bowl = value(a1(), date_from=april(1))[BOWL]
    assert (bowl.opening_quantity, bowl.opening_rate, bowl.opening_value) == (
        100,
        D("50.00"),
        D("5000"),
    )
    assert (bowl.inward_quantity, bowl.inward_rate, bowl.inward_value) == (
        300,
        D("58.00"),
        D("17400"),
    )
    assert (bowl.outward_quantity, bowl.outward_rate, bowl.outward_value) == (
        200,
        D("81.25"),
        D("16250"),
    )
    assert bowl.consumption == D("11200.00")


def test_a2_godowns_at_the_items_rate_and_the_transfer_not_an_inward():
    bowl = value(a1())[BOWL]
    main, wh_b = bowl.godowns[MAIN], bowl.godowns[WH_B]
    assert (main.closing_quantity, main.closing_value) == (140, D("7840.00"))
    assert (wh_b.closing_quantity, wh_b.closing_value) == (60, D("3360.00"))
    assert (main.inward_quantity, wh_b.outward_quantity) == (240, 40)
    assert bowl.inward_quantity == 300  # the transfer's 40 is not an inward of the item
    without_transfer = value(a1()[:-2])[BOWL]
    assert (without_transfer.closing_quantity, without_transfer.closing_value) == (
        200,
        D("11200.00"),
    )


def test_a3_physical_stock_adjusts_quantity_at_the_rate():
    moves = [*a1(), move(april(30), MoveKind.PHYSICAL, 137, voucher=6)]
    bowl = value(moves)[BOWL]
    assert (bowl.closing_quantity, bowl.closing_rate, bowl.closing_value) == (
        197,
        D("56.00"),
        D("11032.00"),
    )
    assert bowl.godowns[MAIN].closing_value == D("7672.00")
    assert bowl.consumption - value(a1())[BOWL].consumption == D(
        "168.00"
    )  # gross profit falls by 168


def test_a4_manufacture_values_production_at_consumption_plus_additional_cost():
    moves = [
        move(april(1), MoveKind.OPENING, 50, 2000, item=FLOUR),
        move(april(1), MoveKind.OPENING, 10, 500, item=SUGAR),
        move(april(12), MoveKind.CONSUME, -10, item=FLOUR, voucher=7, order=1),
        move(april(12), MoveKind.CONSUME, -2, item=SUGAR, voucher=7, order=2),
        move(april(12), MoveKind.PRODUCE, 20, 100, item=BISCUITS, voucher=7, order=3),
    ]
    stock = value(moves)
    assert (stock[BISCUITS].closing_value, stock[BISCUITS].closing_rate) == (
        D("600.00"),
        D("30.00"),
    )
    assert stock[BISCUITS].inward_value == D("600.00")
    assert (stock[FLOUR].closing_rate, stock[SUGAR].closing_rate) == (D("40.00"), D("50.00"))
    assert (stock[FLOUR].closing_value, stock[FLOUR].consumption) == (D("1600.00"), D("400.00"))


def test_fifo_and_last_purchase_cost_on_a1():
    fifo = value(a1(), methods={BOWL: FIFO})[BOWL]
    assert (fifo.closing_value, fifo.consumption) == (D("11800.00"), D("10600.00"))
    assert fifo.godowns[MAIN].closing_value + fifo.godowns[WH_B].closing_value == D("11800.00")
    last = value(a1(), methods={BOWL: LAST_PURCHASE})[BOWL]
    assert (last.closing_rate, last.closing_value) == (D("62.00"), D("12400.00"))


def test_a_purchase_return_leaves_the_average_at_its_own_rate():
    moves = [
        move(april(1), MoveKind.PURCHASE, 100, 12000, voucher=1),
        move(april(2), MoveKind.PURCHASE, 50, 6250, voucher=2),
        move(april(3), MoveKind.PURCHASE_RETURN, -5, 600, voucher=3),
    ]
    item = value(moves)[BOWL]
    # (12,000 + 6,250 − 600) / (150 − 5) = 121.72…
    assert item.closing_rate == D("121.72")
    assert item.closing_value == D("17650.00")
    assert item.inward_quantity == 145


def test_a_sales_return_comes_back_at_the_rate_not_its_sale_value():
    moves = [*a1(), move(april(29), MoveKind.SALE_RETURN, 10, 850, voucher=8)]
    bowl = value(moves)[BOWL]
    assert (bowl.closing_quantity, bowl.closing_rate, bowl.closing_value) == (
        210,
        D("56.00"),
        D("11760.00"),
    )
    assert (bowl.outward_quantity, bowl.outward_value) == (190, D("15400"))


def test_the_next_year_opens_at_the_last_years_closing_and_averages_anew():
    moves = [*a1(), move(dt.date(2027, 4, 10), MoveKind.PURCHASE, 200, 13000, voucher=9)]
    bowl = value(moves, dt.date(2027, 4, 30))[BOWL]
    assert (bowl.opening_quantity, bowl.opening_value) == (200, D("11200.00"))
    # (11,200 + 13,000) / 400 = 60.50
    assert (bowl.closing_rate, bowl.closing_value) == (D("60.50"), D("24200.00"))


def test_a_period_inside_the_year_opens_at_the_day_befores_closing():
    bowl = value(a1(), date_from=april(11))[BOWL]
    assert (bowl.opening_quantity, bowl.opening_value) == (150, D("8100.00"))
    assert (bowl.inward_quantity, bowl.outward_quantity, bowl.closing_quantity) == (100, 50, 200)


def test_no_inward_quantity_keeps_the_last_positive_rate():
    moves = [
        move(april(1), MoveKind.OPENING, 10, 500),
        move(april(2), MoveKind.SALE, -15, 900, voucher=1),
    ]
    item = value(moves)[BOWL]
    assert (item.closing_quantity, item.closing_value) == (-5, D("-250.00"))


# --- random move streams ------------------------------------------------------------------

ITEMS, GODOWNS = (1, 2, 3), (10, 11, 12)
quantities = st.integers(min_value=1, max_value=500).map(D)
prices = st.integers(min_value=100, max_value=20000).map(lambda paise: D(paise) / 100)


@st.composite
def streams(draw):
    moves: list[Move] = []
    for item in ITEMS:
        for godown in draw(st.lists(st.sampled_from(GODOWNS), max_size=2, unique=True)):
            quantity = draw(quantities)
            moves.append(
                Move(
                    item,
                    godown,
                    april(1),
                    MoveKind.OPENING,
                    quantity,
                    money(quantity * draw(prices)),
                )
            )
    for voucher in range(1, draw(st.integers(0, 40)) + 1):
        day = april(1) + dt.timedelta(days=draw(st.integers(0, 500)))
        item, godown = draw(st.sampled_from(ITEMS)), draw(st.sampled_from(GODOWNS))
        kind = draw(st.sampled_from([k for k in MoveKind if k != MoveKind.OPENING]))
        quantity = draw(quantities)
        amount = money(quantity * draw(prices))
        if kind == MoveKind.TRANSFER:
            other = draw(st.sampled_from([g for g in GODOWNS if g != godown]))
            moves += [
                Move(item, godown, day, kind, -quantity, D(0), voucher, 1),
                Move(item, other, day, kind, quantity, D(0), voucher, 2),
            ]
        elif kind in (MoveKind.CONSUME, MoveKind.PRODUCE):
            product = draw(st.sampled_from([i for i in ITEMS if i != item]))
            moves += [
                Move(item, godown, day, MoveKind.CONSUME, -quantity, D(0), voucher, 1),
                Move(
                    product,
                    godown,
                    day,
                    MoveKind.PRODUCE,
                    draw(quantities),
                    money(draw(prices)),
                    voucher,
                    2,
                ),
            ]
        else:
            outward = kind in (MoveKind.SALE, MoveKind.PURCHASE_RETURN)
            moves.append(
                Move(
                    item, godown, day, kind, -quantity if outward else quantity, amount, voucher, 1
                )
            )
    moves.sort(key=lambda m: (m.date, m.voucher_id or 0, m.order))
    return moves


def book_quantity(moves, item, godown, day):
    """Quantity in a godown by counting the moves (a physical count sets it); an opening is
    the books' first figure, so it counts in a period that starts on its day."""
    quantity = D(0)
    for m in moves:
        counts = m.date <= day or m.kind == MoveKind.OPENING
        if counts and m.item_id == item and m.godown_id == godown:
            quantity = m.quantity if m.kind == MoveKind.PHYSICAL else quantity + m.quantity
    return quantity


@settings(max_examples=150, deadline=None)
@given(
    streams(),
    st.integers(0, 500),
    st.integers(0, 400),
    st.sampled_from([AVG_COST, FIFO, LAST_PURCHASE]),
)
def test_quantities_and_values_reconcile(moves, until, length, method):
    date_to = april(1) + dt.timedelta(days=until)
    date_from = max(year_begins(date_to), date_to - dt.timedelta(days=length))
    methods = dict.fromkeys(ITEMS, method)
    stock = value(moves, date_to, date_from=date_from, methods=methods)
    before = value(moves, date_from - dt.timedelta(days=1), methods=methods)
    for item, row in stock.items():
        assert (
            row.opening_quantity + row.inward_quantity - row.outward_quantity
            == row.closing_quantity
        )
        if item in before and date_from > april(1):  # the period opens at the day before's closing
            assert (row.opening_quantity, row.opening_value) == (
                before[item].closing_quantity,
                before[item].closing_value,
            )
        assert row.closing_quantity == sum(g.closing_quantity for g in row.godowns.values())
        for godown, g in row.godowns.items():
            assert g.opening_quantity + g.inward_quantity - g.outward_quantity == g.closing_quantity
            assert g.closing_quantity == book_quantity(moves, item, godown, date_to)
            assert g.opening_quantity == book_quantity(
                moves, item, godown, date_from - dt.timedelta(days=1)
            )
        godown_values = sum(g.closing_value for g in row.godowns.values())
        assert abs(godown_values - row.closing_value) <= D("0.01") * len(row.godowns)


@settings(max_examples=150, deadline=None)
@given(streams())
def test_avg_cost_over_a_whole_year_consumes_the_outwards_at_the_years_rate(moves):
    """Opening + inwards − closing is what went out, at the rate (no manufacture, no counts)."""
    moves = [
        m for m in moves if m.kind not in (MoveKind.PRODUCE, MoveKind.CONSUME, MoveKind.PHYSICAL)
    ]
    stock = value(moves, dt.date(2027, 3, 31), date_from=april(1))
    for row in stock.values():
        if row.opening_quantity + row.inward_quantity <= 0:
            continue
        rate = (row.opening_value + row.inward_value) / (row.opening_quantity + row.inward_quantity)
        assert abs(row.consumption - row.outward_quantity * rate) <= D("0.01")
