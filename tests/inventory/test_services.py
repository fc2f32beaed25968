"""Inventory masters' services: creation, alteration and deletion through the unit of work,
their refusals (naming the field and the rule), Edit Log entries, locks and versions."""

from decimal import Decimal

import pytest

from core.errors import Invalid, Locked, NotAllowed, StaleVersion
from editlog.models import Change
from editlog.selectors import FieldChange, change_diff_of
from editlog.write import company_write
from inventory.forms import stock_group_draft, stock_item_draft, unit_draft
from inventory.models import Godown, ItemOpening, StockGroup, StockItem, Unit
from inventory.services import (
    godown_alter,
    godown_create,
    godown_delete,
    master_post,
    master_repost,
    master_unpost,
    stock_group_alter,
    stock_group_create,
    stock_group_delete,
    stock_item_alter,
    stock_item_create,
    stock_item_delete,
    unit_alter,
    unit_create,
    unit_delete,
)
from locking.services import lock_acquire

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as refusal:
        call(**kwargs)
    return refusal.value.errors


@pytest.fixture
def nos(company, alice) -> Unit:
    return unit_create(
        company=company, actor=alice, data={"symbol": "Nos", "formal_name": "Numbers"}
    )


@pytest.fixture
def kg(company, alice) -> Unit:
    return unit_create(company=company, actor=alice, data={"symbol": "kg", "decimal_places": 3})


@pytest.fixture
def main_location(company) -> Godown:
    return Godown.objects.get(company=company, is_main_location=True)


@pytest.fixture
def bowl(company, alice, nos, main_location) -> StockItem:
    return stock_item_create(
        company=company,
        actor=alice,
        data={
            "name": "Steel Bowl",
            "unit": "Nos",
            "opening": [{"godown": "Main Location", "quantity": "100", "rate": "50"}],
        },
    )


def test_a_new_company_has_its_main_location(company, main_location):
    assert main_location.name == "Main Location"
    assert Godown.objects.filter(company=company).count() == 1


def test_a_unit_is_created_with_its_change(company, alice, nos):
    assert (nos.symbol, nos.decimal_places, nos.version) == ("Nos", 0, 1)
    change = Change.objects.get(object_type="unit", object_id=nos.pk)
    assert change.verb == "create"
    assert change.after["symbol"] == "Nos"


@pytest.mark.parametrize("places", ["5", "-1", "two"])
def test_decimal_places_out_of_range_are_refused(company, alice, places):
    errors = refused(
        unit_create, company=company, actor=alice, data={"symbol": "Ltr", "decimal_places": places}
    )
    assert errors == {"decimal_places": ["Number of decimal places is 0 to 4."]}
    assert not Unit.objects.filter(symbol="Ltr").exists()


def test_unit_symbols_are_unique_whatever_the_case(company, alice, nos):
    errors = refused(unit_create, company=company, actor=alice, data={"symbol": "NOS"})
    assert errors == {"symbol": ["A unit with the symbol NOS already exists."]}


def test_a_compound_unit_is_named_from_its_parts(company, alice, nos):
    box = unit_create(company=company, actor=alice, data={"symbol": "Box"})
    compound = unit_create(
        company=company,
        actor=alice,
        data={"first_unit": "Box", "conversion": "10", "second_unit": "nos"},
    )
    assert compound.symbol == "Box of 10 Nos"
    assert (compound.first_unit, compound.second_unit, compound.conversion) == (
        box,
        nos,
        Decimal("10"),
    )


def test_a_compound_unit_joins_two_different_units(company, alice, nos):
    errors = refused(
        unit_create,
        company=company,
        actor=alice,
        data={"first_unit": "Nos", "conversion": "10", "second_unit": "Nos"},
    )
    assert errors == {"second_unit": ["A compound unit joins two different units."]}


def test_a_unit_in_use_is_not_deleted(company, alice, nos, bowl):
    errors = refused(unit_delete, company=company, unit=nos, actor=alice, version=1)
    assert errors == {"__all__": ["Nos is the unit of 1 stock item."]}
    assert Unit.objects.filter(pk=nos.pk).exists()


def test_an_unused_unit_is_deleted_with_its_change(company, alice, kg):
    unit_delete(company=company, unit=kg, actor=alice, version=1)
    assert not Unit.objects.filter(pk=kg.pk).exists()
    change = Change.objects.filter(object_type="unit").order_by("seq").last()
    assert (change.verb, change.before["symbol"]) == ("delete", "kg")


def test_a_stock_item_opens_with_value_quantity_times_rate(bowl, main_location):
    opening = ItemOpening.objects.get(item=bowl)
    assert (opening.godown, opening.quantity, opening.rate, opening.value) == (
        main_location,
        Decimal("100"),
        Decimal("50.00"),
        Decimal("5000.00"),
    )
    assert bowl.costing_method == StockItem.Costing.AVG_COST
    assert bowl.group is None  # Primary


def test_an_opening_value_given_is_kept_and_its_rate_follows(company, alice, kg, main_location):
    item = stock_item_create(
        company=company,
        actor=alice,
        data={
            "name": "Sugar",
            "unit": "kg",
            "opening": [{"godown": "Main Location", "quantity": "2.5", "value": "100"}],
        },
    )
    opening = item.openings.get()
    assert (opening.rate, opening.value) == (Decimal("40.00"), Decimal("100.00"))


def test_an_opening_quantity_with_more_decimals_than_its_unit_is_refused(company, alice, nos):
    errors = refused(
        stock_item_create,
        company=company,
        actor=alice,
        data={
            "name": "Steel Bowl",
            "unit": "Nos",
            "opening": [{"godown": "Main Location", "quantity": "2.5", "rate": "50"}],
        },
    )
    assert errors == {"opening.0.quantity": ["Nos takes whole numbers: 2.5 has 1."]}
    assert not StockItem.objects.exists()


def test_an_opening_names_a_godown_once_and_a_godown_that_exists(company, alice, nos):
    errors = refused(
        stock_item_create,
        company=company,
        actor=alice,
        data={
            "name": "Steel Bowl",
            "unit": "Nos",
            "opening": [
                {"godown": "Main Location", "quantity": "1", "rate": "5"},
                {"godown": "main location", "quantity": "2", "rate": "5"},
                {"godown": "Pune", "quantity": "2", "rate": "5"},
            ],
        },
    )
    assert errors == {
        "opening.1.godown": ["Main Location is named twice."],
        "opening.2.godown": ["No godown by that name."],
    }


def test_a_stock_item_needs_a_unit_and_a_known_costing_method(company, alice):
    errors = refused(
        stock_item_create,
        company=company,
        actor=alice,
        data={"name": "Steel Bowl", "costing_method": "LIFO"},
    )
    assert errors == {
        "unit": ["Choose the item's unit, such as Nos."],
        "costing_method": ["The costing method is Avg. Cost, FIFO or Last Purchase Cost."],
    }


def test_fewer_decimal_places_than_an_opening_uses_are_refused(company, alice, kg, main_location):
    stock_item_create(
        company=company,
        actor=alice,
        data={
            "name": "Sugar",
            "unit": "kg",
            "opening": [{"godown": "Main Location", "quantity": "2.25", "rate": "40"}],
        },
    )
    errors = refused(
        unit_alter, company=company, unit=kg, actor=alice, data={"decimal_places": 1}, version=1
    )
    assert errors == {
        "decimal_places": ["An item's opening stock: kg takes 1 decimals: 2.25 has 2."]
    }
    assert Unit.objects.get(pk=kg.pk).version == 1  # nothing written


def test_a_stock_item_alteration_replaces_its_opening_and_is_logged(company, alice, bowl):
    godown_create(company=company, actor=alice, data={"name": "Pune"})
    altered = stock_item_alter(
        company=company,
        item=bowl,
        actor=alice,
        version=1,
        data={
            "name": "Steel Bowl 12cm",
            "opening": [{"godown": "Pune", "quantity": "40", "rate": "56"}],
        },
    )
    assert altered.version == 2
    assert [(o.godown.name, o.value) for o in altered.openings.all()] == [
        ("Pune", Decimal("2240.00"))
    ]
    diff = change_diff_of(altered.change)
    assert diff[0] == FieldChange("Name", "Steel Bowl", "Steel Bowl 12cm")
    assert [d.label for d in diff] == ["Name", "Opening balance"]


def test_a_stale_version_is_refused_naming_who_altered_it(company, alice, bob, bowl):
    stock_item_alter(company=company, item=bowl, actor=bob, data={"hsn_sac": "7323"}, version=1)
    with pytest.raises(StaleVersion) as stale:
        stock_item_alter(
            company=company, item=bowl, actor=alice, data={"hsn_sac": "7324"}, version=1
        )
    assert stale.value.current_version == 2
    assert StockItem.objects.get(pk=bowl.pk).hsn_sac == "7323"


def test_an_item_another_user_is_altering_waits_for_them(company, alice, bob, bowl):
    lock_acquire(company=company, resource=f"stock_item:{bowl.pk}", actor=bob)
    with pytest.raises(Locked):
        stock_item_alter(
            company=company, item=bowl, actor=alice, data={"hsn_sac": "7323"}, version=1
        )
    with pytest.raises(Locked):
        stock_item_delete(company=company, item=bowl, actor=alice, version=1)


def test_a_viewer_cannot_create_masters(company, charlie):
    with pytest.raises(NotAllowed):
        godown_create(company=company, actor=charlie, data={"name": "Pune"})
    assert Godown.objects.filter(company=company).count() == 1


def test_main_location_is_renamed_but_never_deleted(company, alice, main_location):
    renamed = godown_alter(
        company=company, godown=main_location, actor=alice, data={"name": "Shop"}, version=1
    )
    assert (renamed.name, renamed.is_main_location) == ("Shop", True)
    errors = refused(godown_delete, company=company, godown=renamed, actor=alice, version=2)
    assert errors == {
        "__all__": ["Shop is Tally's Main Location: it may be renamed, never deleted."]
    }


def test_a_godown_with_opening_stock_or_godowns_under_it_stays(company, alice, bowl):
    pune = godown_create(company=company, actor=alice, data={"name": "Pune"})
    godown_create(company=company, actor=alice, data={"name": "Pune Shed", "parent": "Pune"})
    errors = refused(godown_delete, company=company, godown=pune, actor=alice, version=1)
    assert errors == {"__all__": ["Pune has godowns under it; move them first."]}


def test_a_group_cannot_be_its_own_ancestor(company, alice):
    metals = stock_group_create(company=company, actor=alice, data={"name": "Metals"})
    steel = stock_group_create(
        company=company, actor=alice, data={"name": "Steel", "parent": "Metals"}
    )
    errors = refused(
        stock_group_alter,
        company=company,
        group=metals,
        actor=alice,
        data={"parent": "Steel"},
        version=1,
    )
    assert errors == {
        "parent": ["Metals cannot go under Steel: a stock group cannot be its own ancestor."]
    }
    errors = refused(
        stock_group_alter,
        company=company,
        group=steel,
        actor=alice,
        data={"parent": "Steel"},
        version=1,
    )
    assert "parent" in errors
    assert StockGroup.objects.get(pk=metals.pk).parent is None


def test_a_godown_cannot_be_its_own_ancestor(company, alice):
    pune = godown_create(company=company, actor=alice, data={"name": "Pune"})
    godown_create(company=company, actor=alice, data={"name": "Pune Shed", "parent": "Pune"})
    errors = refused(
        godown_alter,
        company=company,
        godown=pune,
        actor=alice,
        data={"parent": "Pune Shed"},
        version=1,
    )
    assert errors == {
        "parent": ["Pune cannot go under Pune Shed: a godown cannot be its own ancestor."]
    }


def test_a_group_with_items_is_not_deleted_and_an_empty_one_is(company, alice, nos):
    group = stock_group_create(
        company=company, actor=alice, data={"name": "Utensils", "quantities_addable": False}
    )
    assert group.quantities_addable is False
    item = stock_item_create(
        company=company, actor=alice, data={"name": "Tumbler", "unit": "Nos", "group": "utensils"}
    )
    errors = refused(stock_group_delete, company=company, group=group, actor=alice, version=1)
    assert errors == {"__all__": ["Utensils has stock items; move them first."]}
    stock_item_alter(company=company, item=item, actor=alice, data={"group": "Primary"}, version=1)
    stock_group_delete(company=company, group=group, actor=alice, version=1)
    assert not StockGroup.objects.exists()


def test_nothing_is_recorded_when_a_save_is_refused(company, alice, nos):
    last = Change.objects.filter(company=company).order_by("seq").last().seq
    refused(unit_create, company=company, actor=alice, data={"symbol": "nos"})
    assert Change.objects.filter(company=company).order_by("seq").last().seq == last


def test_masters_post_many_in_one_unit_of_work_with_a_change_each(company, alice, main_location):
    """What an import does: a unit, a group and an item under them posted in one unit of work
    (the later drafts read what the earlier wrote), one Change per record."""

    last = Change.objects.filter(company=company).order_by("seq").last().seq
    with company_write(company=company, actor=alice) as work:
        unit = master_post(work, Unit, unit_draft(company=company, data={"symbol": "Pcs"}))
        group_data = {"name": "Kitchenware"}
        group = master_post(work, StockGroup, stock_group_draft(company=company, data=group_data))
        item_data = {
            "name": "Ladle",
            "unit": "Pcs",
            "group": "Kitchenware",
            "opening": [{"godown": "Main Location", "quantity": "3", "value": "100"}],
        }
        item = master_post(work, StockItem, stock_item_draft(company=company, data=item_data))
    changes = Change.objects.filter(company=company, seq__gt=last).order_by("seq")
    assert [(c.object_type, c.object_id, c.verb) for c in changes] == [
        ("unit", unit.pk, "create"),
        ("stock_group", group.pk, "create"),
        ("stock_item", item.pk, "create"),
    ]
    opening = ItemOpening.objects.get(item=item)
    assert (opening.quantity, opening.rate, opening.value) == (
        Decimal("3"),
        Decimal("33.33"),
        Decimal("100.00"),
    )


def test_master_repost_and_unpost_keep_the_versions_and_the_rules(company, alice, kg, bowl):

    with company_write(company=company, actor=alice) as work:
        draft = unit_draft(company=company, data={"formal_name": "Kilograms"}, current=kg)
        altered = master_repost(work, kg, draft, version=1)
    assert (altered.formal_name, altered.version, altered.change.verb) == ("Kilograms", 2, "alter")
    with pytest.raises(StaleVersion), company_write(company=company, actor=alice) as work:
        master_repost(work, kg, draft, version=1)
    nos = bowl.unit
    with pytest.raises(Invalid) as refusal, company_write(company=company, actor=alice) as work:
        master_unpost(work, nos, version=nos.version)
    assert refusal.value.errors == {"__all__": ["Nos is the unit of 1 stock item."]}
    with company_write(company=company, actor=alice) as work:
        master_unpost(work, altered, version=2)
    assert not Unit.objects.filter(pk=kg.pk).exists()
