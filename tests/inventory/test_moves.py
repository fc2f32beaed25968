"""`inventory.moves.moves_read`: the openings and every non-cancelled voucher's stock lines as
Moves, in (date, voucher, line) order, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from editlog.write import company_write
from inventory.models import Godown, StockLine
from inventory.moves import Move, MoveKind, moves_read
from inventory.services import godown_create, stock_item_create, unit_create
from tests.conftest import FY_START
from vouchers.drafts import Line, VoucherDraft
from vouchers.models import VoucherType
from vouchers.services import voucher_cancel, voucher_post

pytestmark = pytest.mark.django_db

D = Decimal
INVENTORY = ["Stock Journal", "Physical Stock", "Receipt Note", "Delivery Note"]


@pytest.fixture
def stock(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    godown_create(company=company, actor=alice, data={"name": "WH-B"})
    opening = [{"godown": "Main Location", "quantity": "100", "rate": "50"}]
    bowl = stock_item_create(
        company=company,
        actor=alice,
        data={"name": "Steel Bowl", "unit": "Nos", "opening": opening},
    )
    plate = stock_item_create(company=company, actor=alice, data={"name": "Plate", "unit": "Nos"})
    main = Godown.objects.get(company=company, is_main_location=True)
    wh_b = Godown.objects.get(company=company, name="WH-B")
    return bowl, plate, main, wh_b


def _post(company, actor, type_name, day, rows, lines=()):
    """A voucher whose save writes these stock rows: (item, godown, kind, quantity, amount)."""

    def write(voucher):
        StockLine.objects.bulk_create(
            StockLine(
                voucher=voucher,
                position=i,
                line=i,
                role=StockLine.Role.ITEMS,
                kind=kind,
                item=item,
                godown=godown,
                quantity=D(quantity),
                amount=D(amount),
            )  # fmt: skip
            for i, (item, godown, kind, quantity, amount) in enumerate(rows)
        )
        return {"items": [i for i, _ in enumerate(rows)]}

    draft = VoucherDraft(
        voucher_type=VoucherType.objects.get(company=company, name=type_name),
        date=day,
        narration="",
        lines=list(lines),
    )
    with company_write(company=company, actor=actor) as work:
        return voucher_post(work, draft, part=write)


def test_openings_then_lines_in_date_voucher_line_order(
    company, alice, ledgers, stock, django_assert_num_queries
):
    bowl, plate, main, wh_b = stock
    purchase = [Line(ledgers["purchase"], D("11200")), Line(ledgers["supplier"], D("-11200"))]
    late = _post(
        company, alice, "Stock Journal", dt.date(2026, 4, 28),
        [(bowl, wh_b, "TRANSFER", "-40", "0"), (bowl, main, "TRANSFER", "40", "0")],
    )  # fmt: skip
    early = _post(
        company, alice, "Purchase", dt.date(2026, 4, 5),
        [(bowl, main, "PURCHASE", "200", "11200"), (plate, wh_b, "PURCHASE", "5", "100")],
        purchase,
    )  # fmt: skip
    with django_assert_num_queries(2):
        moves = moves_read(company)
    assert moves == [
        Move(bowl.pk, main.pk, FY_START, MoveKind.OPENING, D("100"), D("5000"), None, 0),
        Move(bowl.pk, main.pk, dt.date(2026, 4, 5), MoveKind.PURCHASE, D("200"), D("11200"),
             early.pk, 0),
        Move(plate.pk, wh_b.pk, dt.date(2026, 4, 5), MoveKind.PURCHASE, D("5"), D("100"),
             early.pk, 1),
        Move(bowl.pk, wh_b.pk, dt.date(2026, 4, 28), MoveKind.TRANSFER, D("-40"), D("0"),
             late.pk, 0),
        Move(bowl.pk, main.pk, dt.date(2026, 4, 28), MoveKind.TRANSFER, D("40"), D("0"),
             late.pk, 1),
    ]  # fmt: skip
    # Narrowed to a date and to items: the same moves, fewer of them.
    assert [m.kind for m in moves_read(company, date_to=dt.date(2026, 4, 27))] == [
        MoveKind.OPENING,
        MoveKind.PURCHASE,
        MoveKind.PURCHASE,
    ]
    assert [m.quantity for m in moves_read(company, item_ids=[plate.pk])] == [D("5")]
    assert moves_read(company, date_to=FY_START - dt.timedelta(days=1)) == []


def test_a_cancelled_voucher_moves_nothing(company, alice, ledgers, stock):
    bowl, _plate, main, _wh_b = stock
    sale = [Line(ledgers["party"], D("800")), Line(ledgers["sales"], D("-800"))]
    voucher = _post(
        company, alice, "Sales", dt.date(2026, 4, 10), [(bowl, main, "SALE", "-10", "800")], sale
    )
    assert [m.kind for m in moves_read(company)] == [MoveKind.OPENING, MoveKind.SALE]
    voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    assert [m.kind for m in moves_read(company)] == [MoveKind.OPENING]


def test_the_queries_do_not_grow_with_the_vouchers(
    company, alice, ledgers, stock, django_assert_num_queries
):
    bowl, _plate, main, _wh_b = stock
    for day in range(1, 6):
        _post(
            company, alice, "Physical Stock", dt.date(2026, 5, day),
            [(bowl, main, "PHYSICAL", str(100 - day), "0")],
        )  # fmt: skip
    with django_assert_num_queries(2):
        moves = moves_read(company)
    assert [m.quantity for m in moves] == [D("100"), D("99"), D("98"), D("97"), D("96"), D("95")]


def test_a_new_company_has_the_inventory_voucher_types(company):
    bases = dict(VoucherType.objects.filter(company=company).values_list("name", "base"))
    assert bases["Stock Journal"] == "stock_journal"
    assert bases["Physical Stock"] == "physical_stock"
    assert bases["Receipt Note"] == "receipt_note"
    assert bases["Delivery Note"] == "delivery_note"


@pytest.mark.django_db(transaction=True)
def test_migration_0007_gives_an_older_company_the_inventory_voucher_types(company):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("vouchers", "0006_voucher_part_names")])
    older = VoucherType.objects.filter(company=company, name__in=INVENTORY)
    older.delete()  # a company made before them
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    names = VoucherType.objects.filter(company=company).values_list("name", flat=True)
    assert sorted(n for n in names if n in INVENTORY) == sorted(INVENTORY)
    assert VoucherType.objects.filter(company=company).count() == 12
