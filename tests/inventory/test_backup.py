"""Inventory masters in the Edit Log's reconciliation and in a backup: the books agree with
their latest Changes, and a copy restored from an archive carries every master."""

from pathlib import Path

import pytest

from backups.archive import backup_write
from backups.restore import restore
from books.reconcile import records_reconcile
from inventory.models import Godown, ItemOpening, StockGroup, StockItem, Unit
from inventory.services import (
    godown_alter,
    godown_create,
    stock_group_create,
    stock_item_create,
    unit_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    unit_create(company=company, actor=alice, data={"symbol": "kg", "decimal_places": 3})
    unit_create(company=company, actor=alice, data={"symbol": "Box"})
    unit_create(
        company=company,
        actor=alice,
        data={"first_unit": "Box", "conversion": "12.5", "second_unit": "kg"},
    )
    stock_group_create(company=company, actor=alice, data={"name": "Utensils"})
    stock_group_create(company=company, actor=alice, data={"name": "Bowls", "parent": "Utensils"})
    godown_create(company=company, actor=alice, data={"name": "Pune"})
    godown_create(company=company, actor=alice, data={"name": "Pune Shed", "parent": "Pune"})
    main = Godown.objects.get(company=company, is_main_location=True)
    godown_alter(company=company, godown=main, actor=alice, data={"name": "Shop"}, version=1)
    stock_item_create(
        company=company,
        actor=alice,
        data={
            "name": "Steel Bowl",
            "unit": "Nos",
            "group": "Bowls",
            "opening": [
                {"godown": "Shop", "quantity": "140", "rate": "56"},
                {"godown": "Pune Shed", "quantity": "60", "value": "3360"},
            ],
        },
    )
    stock_item_create(
        company=company,
        actor=alice,
        data={
            "name": "Sugar",
            "unit": "kg",
            "opening": [{"godown": "Pune", "quantity": "2.125", "rate": "40"}],
        },
    )
    return company


INVENTORY = ("unit:", "stock_group:", "godown:", "stock_item:")


def differences(company) -> list[str]:
    """The inventory masters' differences from the Edit Log (the fixture's members were added
    without Changes)."""
    return [str(d) for d in records_reconcile(company) if d.object_key.startswith(INVENTORY)]


def test_the_masters_reconcile_with_their_edit_log(stocked):
    assert differences(stocked) == []


def test_a_copy_restored_from_a_backup_carries_every_master(stocked, alice, tmp_path: Path):
    archive = tmp_path / "sharma.tsbk"
    backup_write(company=stocked, path=archive)
    copy = restore(archive=archive, mode="copy", actor=alice).company
    assert set(Unit.objects.filter(company=copy).values_list("symbol", flat=True)) == {
        "Box",
        "Box of 12.5 kg",
        "kg",
        "Nos",
    }
    assert StockGroup.objects.get(company=copy, name="Bowls").parent.name == "Utensils"
    main = Godown.objects.get(company=copy, is_main_location=True)
    assert main.name == "Shop"
    bowl = StockItem.objects.get(company=copy, name="Steel Bowl")
    openings = ItemOpening.objects.filter(item=bowl).order_by("godown__name")
    assert [(o.godown.name, str(o.quantity), str(o.value)) for o in openings] == [
        ("Pune Shed", "60.0000", "3360.00"),
        ("Shop", "140.0000", "7840.00"),
    ]
    assert differences(copy) == []


def test_vouchers_with_items_reconcile_and_come_back_in_a_copy(
    stocked, alice, ledgers, tmp_path: Path
):
    from inventory.models import StockLine
    from inventory.moves import moves_read
    from inventory.voucher_services import stock_voucher_alter, stock_voucher_create

    line = {"item": "Steel Bowl", "quantity": "10", "rate": "80", "ledger": "Sales"}
    sale = stock_voucher_create(
        company=stocked,
        actor=alice,
        data={"type": "Sales", "date": "2026-04-10", "party": "Cash", "items": [line]},
    )
    stock_voucher_alter(
        company=stocked,
        voucher=sale,
        actor=alice,
        version=1,
        data={"items": [{**line, "godowns": [{"godown": "Shop", "quantity": "4"},
                                             {"godown": "Pune Shed", "quantity": "6"}]}]},
    )  # fmt: skip
    stock_voucher_create(
        company=stocked,
        actor=alice,
        data={
            "type": "Stock Journal",
            "date": "2026-04-12",
            "source": [{"item": "Sugar", "godown": "Pune", "quantity": "1.5"}],
            "destination": [{"item": "Sugar", "godown": "Shop", "quantity": "1.5"}],
        },
    )
    vouchers = [str(d) for d in records_reconcile(stocked) if d.object_key.startswith("voucher:")]
    assert vouchers == []
    archive = tmp_path / "sharma.tsbk"
    backup_write(company=stocked, path=archive)
    copy = restore(archive=archive, mode="copy", actor=alice).company
    assert StockLine.objects.filter(voucher__company=copy).count() == 4

    def shown(company):
        items = dict(StockItem.objects.filter(company=company).values_list("pk", "name"))
        godowns = dict(Godown.objects.filter(company=company).values_list("pk", "name"))
        return [
            (items[m.item_id], godowns[m.godown_id], m.date, m.kind, m.quantity, m.value)
            for m in moves_read(company)
        ]

    assert shown(copy) == shown(stocked)
