"""Inventory masters as Tally writes them (FORMAT.md §2, §4) imported into alice's company:
Tally's order, openings per godown and their signs, identities, Alter and Delete, refusals by
name, a dry run."""

from __future__ import annotations

import codecs
import io
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backups.archive import backup_write
from backups.restore import restore
from companies.auth import token_issue
from companies.models import Company
from editlog.models import Change
from inventory.models import Godown, ItemOpening, StockGroup, StockItem, Unit
from inventory.services import godown_create, stock_group_create, stock_item_create, unit_create
from inventory.snapshots import (
    godown_snapshot,
    stock_group_snapshot,
    stock_item_snapshot,
    unit_snapshot,
)
from tallyxml.importing import Result, import_streams, rolled_back
from tallyxml.models import TallyKey
from tests.tallyxml.test_api import collection, legacy, post
from tests.tallyxml.test_api import parsed as api_parsed
from tests.tallyxml.test_importing import envelope, load
from tests.tallyxml.test_writing import empty_company, exported, imported, objects, parsed

made = itertools.count()

pytestmark = pytest.mark.django_db


def unit(name: str, *, places: int = 0, alter: int = 1, extra: str = "") -> str:
    return (
        f'<UNIT NAME="{name}" RESERVEDNAME=""><NAME>{name}</NAME><GUID>u-{name}</GUID>'
        f"<ORIGINALNAME>{name}s</ORIGINALNAME><GSTREPUOM>&#4; Not Applicable</GSTREPUOM>"
        f"<ISSIMPLEUNIT>Yes</ISSIMPLEUNIT><ALTERID> {alter}</ALTERID>"
        f"<DECIMALPLACES> {places}</DECIMALPLACES>{extra}</UNIT>"
    )


COMPOUND = (
    '<UNIT NAME="Box of 10 Nos"><GUID>u-box10</GUID><ISSIMPLEUNIT>No</ISSIMPLEUNIT>'
    "<BASEUNITS>Box</BASEUNITS><ADDITIONALUNITS>Nos</ADDITIONALUNITS>"
    "<CONVERSION> 10</CONVERSION><ALTERID> 4</ALTERID></UNIT>"
)


def tree(tag: str, name: str, parent: str = "&#4; Primary", extra: str = "") -> str:
    return (
        f'<{tag} NAME="{name}" ACTION="Create"><GUID>{tag}-{name}</GUID>'
        f"<PARENT>{parent}</PARENT><ALTERID> 1</ALTERID>{extra}</{tag}>"
    )


def batch(godown: str, quantity: str, value: str, name: str = "Primary Batch") -> str:
    return (
        f"<BATCHALLOCATIONS.LIST><GODOWNNAME>{godown}</GODOWNNAME><BATCHNAME>{name}</BATCHNAME>"
        f"<OPENINGBALANCE>{quantity}</OPENINGBALANCE><OPENINGVALUE>{value}</OPENINGVALUE>"
        "<OPENINGRATE>56.00/Nos</OPENINGRATE></BATCHALLOCATIONS.LIST>"
    )


def item(
    name: str = "Steel Bowl",
    *,
    parent: str = "Steel",
    units: str = "Nos",
    alter: int = 1,
    guid: str = "i-bowl",
    action: str = "Create",
    opening: str = "",
    extra: str = "",
) -> str:
    return (
        f'<STOCKITEM NAME="{name}" ACTION="{action}"><GUID>{guid}</GUID><PARENT>{parent}</PARENT>'
        f"<COSTINGMETHOD>Avg. Cost</COSTINGMETHOD><BASEUNITS>{units}</BASEUNITS>"
        f"<ALTERID> {alter}</ALTERID>{opening}{extra}</STOCKITEM>"
    )


# NOTES A.4's Steel Bowl: 200 Nos at 56.00 = 11,200.00, of which 7,840.00 in Main Location
# (two batches) and 3,360.00 in Godown B.
BOWL_OPENING = (
    "<OPENINGBALANCE> 200 Nos</OPENINGBALANCE><OPENINGVALUE>-11200.00</OPENINGVALUE>"
    "<OPENINGRATE>56.00/Nos</OPENINGRATE>"
    + batch("Main Location", " 100 Nos", "-5600.00")
    + batch("Main Location", " 40 Nos", "-2240.00", name="Lot 2")
    + batch("Godown B", " 60 Nos", "-3360.00")
)
# Children before their parents, items before their units: Tally's order is made here.
MASTERS = (
    item(opening=BOWL_OPENING),
    tree("STOCKGROUP", "Steel", "Kitchenware", "<ISADDABLE>No</ISADDABLE>"),
    tree("STOCKGROUP", "Kitchenware"),
    tree("GODOWN", "Shelf 1", "Godown B"),
    tree("GODOWN", "Godown B"),
    tree("GODOWN", "Main Location"),
    COMPOUND,
    unit("Nos"),
    unit("Box"),
    unit("kg", places=3),
)


def openings(company: Company, name: str = "Steel Bowl") -> list[tuple[str, str, str, str]]:
    rows = ItemOpening.objects.filter(item__company=company, item__name=name)
    return [
        (
            row.godown.name,
            f"{row.quantity:f}".rstrip("0").rstrip("."),
            f"{row.rate}",
            f"{row.value}",
        )
        for row in rows.select_related("godown").order_by("godown__name")
    ]


def test_inventory_masters_come_in_in_tallys_order_with_a_change_each(
    company: Company, alice: User
) -> None:
    last = Change.objects.filter(company=company).order_by("seq").last().seq
    result = load(company, alice, *MASTERS)
    assert result.counters() == {
        "created": 9, "altered": 0, "deleted": 0, "ignored": 1, "errors": 0, "cancelled": 0,
    }, result.lines  # fmt: skip
    assert result.lines == []
    box = Unit.objects.get(company=company, symbol="Box of 10 Nos")
    assert (box.first_unit.symbol, box.conversion, box.second_unit.symbol) == (
        "Box", Decimal("10"), "Nos",
    )  # fmt: skip
    kg = Unit.objects.get(company=company, symbol="kg")
    assert (kg.decimal_places, kg.formal_name, kg.uqc) == (3, "kgs", "")
    steel = StockGroup.objects.get(company=company, name="Steel")
    assert (steel.parent.name, steel.quantities_addable) == ("Kitchenware", False)
    shelf = Godown.objects.get(company=company, name="Shelf 1")
    assert shelf.parent.name == "Godown B"
    bowl = StockItem.objects.get(company=company, name="Steel Bowl")
    assert (bowl.group, bowl.unit.symbol, bowl.costing_method) == (steel, "Nos", "avg_cost")
    assert openings(company) == [
        ("Godown B", "60", "56.00", "3360.00"),
        ("Main Location", "140", "56.00", "7840.00"),
    ]
    changes = Change.objects.filter(company=company, seq__gt=last)
    kinds = sorted(changes.values_list("object_type", flat=True))
    assert kinds == ["godown"] * 2 + ["stock_group"] * 2 + ["stock_item"] + ["unit"] * 4


def test_importing_the_same_masters_again_changes_nothing(company: Company, alice: User) -> None:
    load(company, alice, *MASTERS)
    last = Change.objects.filter(company=company).order_by("seq").last().seq
    result = load(company, alice, *MASTERS)
    assert result.counters()["ignored"] == 10
    assert (result.created, result.altered, result.errors) == (0, 0, 0)
    assert not Change.objects.filter(company=company, seq__gt=last).exists()


def test_a_new_alterid_alters_and_a_guid_follows_a_rename(company: Company, alice: User) -> None:
    load(company, alice, *MASTERS)
    opening = "<OPENINGBALANCE> 10 Nos</OPENINGBALANCE><OPENINGVALUE>-500.00</OPENINGVALUE>"
    renamed = item("Steel Bowl 500 ml", alter=2, action="Alter", opening=opening)
    result = load(company, alice, renamed, unit("Nos", alter=2, extra="<FORMALNAME>x</FORMALNAME>"))
    assert (result.altered, result.ignored, result.created, result.errors) == (1, 1, 0, 0)
    bowl = StockItem.objects.get(company=company, name="Steel Bowl 500 ml")
    assert (bowl.version, StockItem.objects.filter(company=company).count()) == (2, 1)
    assert openings(company, bowl.name) == [("Main Location", "10", "50.00", "500.00")]
    change = Change.objects.filter(company=company, object_type="stock_item").last()
    assert (change.verb, change.before["name"], change.after["name"]) == (
        "alter", "Steel Bowl", "Steel Bowl 500 ml",
    )  # fmt: skip


def test_action_delete_deletes_and_a_master_in_use_is_refused_by_name(
    company: Company, alice: User
) -> None:
    load(company, alice, *MASTERS)
    gone = item(action="Delete", alter=2)
    in_use = '<UNIT NAME="Box" ACTION="Delete"><GUID>u-Box</GUID></UNIT>'
    main = '<GODOWN NAME="Main Location" ACTION="Delete"></GODOWN>'
    result = load(company, alice, in_use, gone, main)
    assert (result.deleted, result.errors) == (1, 2)
    assert not StockItem.objects.filter(company=company).exists()
    assert result.lines == [
        "Refused Unit Box: Box is part of the compound unit Box of 10 Nos.",
        "Refused Godown Main Location: Main Location is Tally's Main Location: it may be "
        "renamed, never deleted.",
    ]
    change = Change.objects.filter(company=company, object_type="stock_item").last()
    assert change.verb == "delete"


def test_refused_items_are_named_with_their_reason_and_the_rest_come_in(
    company: Company, alice: User
) -> None:
    credit = "<OPENINGBALANCE> 5 Nos</OPENINGBALANCE><OPENINGVALUE>250.00</OPENINGVALUE>"
    fraction = "<OPENINGBALANCE> 2.5 Nos</OPENINGBALANCE><OPENINGVALUE>-25.00</OPENINGVALUE>"
    short = "<OPENINGBALANCE> -3 Nos</OPENINGBALANCE><OPENINGVALUE>150.00</OPENINGVALUE>"
    result = load(
        company,
        alice,
        unit("Nos"),
        item("Cr Bowl", parent="&#4; Primary", guid="a", opening=credit),
        item("Half Bowl", parent="&#4; Primary", guid="b", opening=fraction),
        item("Short Bowl", parent="&#4; Primary", guid="c", opening=short),
        item("Lost Bowl", parent="Nowhere", guid="d"),
        item("Odd Bowl", parent="&#4; Primary", guid="e", units="Dozen"),
        '<STOCKITEM NAME="Bad Bowl"><OPENINGBALANCE>lots</OPENINGBALANCE></STOCKITEM>',
        item("Good Bowl", parent="&#4; Primary", guid="f"),
    )
    assert (result.created, result.errors) == (2, 6)
    assert result.lines == [
        "Refused Stock Item Bad Bowl: Bad Bowl: opening quantity 'lots' is not a quantity",
        "Refused Stock Item Cr Bowl: Main Location: its opening value is 250.00 Cr; stock in "
        "hand is Dr (Tally writes it negative).",
        "Refused Stock Item Half Bowl: Nos takes whole numbers: 2.5 has 1.",
        "Refused Stock Item Short Bowl: Main Location: its opening quantity is -3; opening "
        "stock is never short.",
        "Refused Stock Item Lost Bowl: No stock group called Nowhere.",
        "Refused Stock Item Odd Bowl: Choose the item's unit, such as Nos.",
    ]
    assert list(StockItem.objects.filter(company=company).values_list("name", flat=True)) == [
        "Good Bowl"
    ]


def test_a_compound_units_quantity_hsn_of_either_generation_and_costing(
    company: Company, alice: User
) -> None:
    """`2 Box 5 Nos` is 2.5 boxes of 10; TallyPrime 3's HSNDETAILS win over GSTDETAILS; a
    costing method not kept here is Avg. Cost, said in a line."""
    opening = (
        "<OPENINGBALANCE> 2 Box 5 Nos</OPENINGBALANCE><OPENINGVALUE>-250.00</OPENINGVALUE>"
        "<OPENINGRATE>100.00/Box</OPENINGRATE>"
    )
    hsn = (
        "<GSTDETAILS.LIST><APPLICABLEFROM>20170701</APPLICABLEFROM><HSNCODE>7323</HSNCODE>"
        "</GSTDETAILS.LIST><HSNDETAILS.LIST><APPLICABLEFROM>20230401</APPLICABLEFROM>"
        "<HSNCODE>73239990</HSNCODE></HSNDETAILS.LIST>"
    )
    boxed = item("Spoons", parent="", units="Box of 10 Nos", opening=opening, extra=hsn)
    boxed = boxed.replace("Avg. Cost", "Std. Cost")
    dozen = unit("Nos", places=1)
    result = load(company, alice, unit("Box", places=1), dozen, COMPOUND, boxed)
    assert (result.created, result.errors) == (4, 0), result.lines
    assert result.lines == ["Stock Item Spoons: costing method Std. Cost kept as Avg. Cost"]
    spoons = StockItem.objects.get(company=company, name="Spoons")
    assert spoons.hsn_sac == "73239990"
    assert openings(company, "Spoons") == [("Main Location", "2.5", "100.00", "250.00")]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_writes_nothing_and_says_the_same(company: Company, alice: User) -> None:
    last = Change.objects.filter(company=company).order_by("seq").last().seq
    with rolled_back():
        dry: Result = import_streams(
            company=company, actor=alice, streams=[io.BytesIO(envelope(*MASTERS))]
        )
    assert (dry.created, dry.errors) == (9, 0)
    assert not StockItem.objects.filter(company=company).exists()
    assert not Unit.objects.filter(company=company).exists()
    assert not Change.objects.filter(company=company, seq__gt=last).exists()
    assert load(company, alice, *MASTERS).counters() == dry.counters()


# -- export, and the round trip ----------------------------------------------------------------


def masters_of(company: Company) -> dict[str, list[dict[str, Any]]]:
    """Every inventory master as the Edit Log keeps it, without its id and version."""

    def shown(snapshot: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in snapshot.items() if k not in ("id", "version")}

    return {
        "units": sorted((shown(unit_snapshot(u)) for u in Unit.objects.filter(company=company)),
                        key=lambda s: s["symbol"]),
        "groups": [shown(stock_group_snapshot(g))
                   for g in StockGroup.objects.filter(company=company).order_by("name")],
        "godowns": [shown(godown_snapshot(g))
                    for g in Godown.objects.filter(company=company).order_by("name")],
        "items": [shown(stock_item_snapshot(i))
                  for i in StockItem.objects.filter(company=company).order_by("name")],
    }  # fmt: skip


def test_the_export_writes_the_openings_in_tallys_signs(company: Company, alice: User) -> None:
    load(company, alice, *MASTERS)
    root = parsed(company)
    assert [u.get("NAME") for u in objects(root, "UNIT")] == [
        "Box", "kg", "Nos", "Box of 10 Nos",
    ]  # fmt: skip
    assert [g.get("NAME") for g in objects(root, "GODOWN")] == ["Godown B", "Shelf 1"]
    (bowl,) = objects(root, "STOCKITEM")
    assert (bowl.findtext("GUID"), bowl.findtext("PARENT"), bowl.findtext("BASEUNITS")) == (
        "i-bowl", "Steel", "Nos",
    )  # fmt: skip
    assert (
        bowl.findtext("OPENINGBALANCE"), bowl.findtext("OPENINGVALUE"),
        bowl.findtext("OPENINGRATE"),
    ) == (" 200 Nos", "-11200.00", "56.00/Nos")  # fmt: skip
    batches = [
        (b.findtext("GODOWNNAME"), b.findtext("OPENINGBALANCE"), b.findtext("OPENINGVALUE"))
        for b in bowl.findall("BATCHALLOCATIONS.LIST")
    ]
    assert batches == [
        ("Godown B", " 60 Nos", "-3360.00"),
        ("Main Location", " 140 Nos", "-7840.00"),
    ]


def test_the_masters_round_trip_into_an_empty_company_and_back_into_their_own(
    company: Company, alice: User
) -> None:
    tenths = [unit("Nos", places=1) if m == unit("Nos") else m for m in MASTERS]
    spoons = item("Spoons", parent="", units="Box of 10 Nos", guid="i-spoons", opening=(
        "<OPENINGBALANCE> 2 Box 5 Nos</OPENINGBALANCE><OPENINGVALUE>-250.00</OPENINGVALUE>"
    ))  # fmt: skip
    assert load(company, alice, *tenths, spoons).errors == 0
    assert openings(company, "Spoons") == [("Main Location", "2.5", "100.00", "250.00")]
    data = exported(company)
    copy = empty_company(alice)
    result = imported(copy, alice, data)
    assert (result.errors, result.lines) == (0, [])
    assert masters_of(copy) == masters_of(company)
    seq = Company.objects.get(pk=company.pk).last_seq
    again = imported(company, alice, data)
    assert (again.created, again.altered, again.errors) == (0, 0, 0), again.lines
    assert Company.objects.get(pk=company.pk).last_seq == seq


@st.composite
def stock_masters(draw: st.DrawFn) -> dict[str, Any]:
    """Random units, stock groups and godowns in random trees, items in random groups with
    openings in random godowns at random quantities (as their unit allows) and rates."""
    units = draw(st.lists(st.tuples(st.sampled_from(["Nos", "kg", "Ltr", "Mtr"]),
                                    st.integers(0, 3)), min_size=1, max_size=3,
                          unique_by=lambda u: u[0]))  # fmt: skip
    groups = draw(st.lists(st.integers(-1, 5), max_size=4))  # parent index; -1 Primary
    godowns = draw(st.lists(st.integers(-1, 5), max_size=3))
    items = []
    for n in range(draw(st.integers(0, 4))):
        symbol, places = draw(st.sampled_from(units))
        rows = draw(st.lists(st.tuples(
            st.integers(-1, len(godowns) - 1),
            st.integers(1, 10**6).map(lambda q, p=places: Decimal(q) / 10**p),
            st.integers(0, 10**7).map(lambda r: Decimal(r) / 100),
        ), max_size=3, unique_by=lambda r: r[0]))  # fmt: skip
        group = draw(st.integers(-1, len(groups) - 1))
        items.append((f"Item {n}", symbol, group, draw(st.booleans()), rows))
    return {"units": units, "groups": groups, "godowns": godowns, "items": items}


def stock_write(company: Company, alice: User, drawn: dict[str, Any]) -> None:
    for symbol, places in drawn["units"]:
        unit_create(company=company, actor=alice, data={"symbol": symbol, "decimal_places": places})
    for kind, create, called in (("groups", stock_group_create, "Group"),
                                 ("godowns", godown_create, "Godown")):  # fmt: skip
        for n, parent in enumerate(drawn[kind]):
            under = f"{called} {parent}" if 0 <= parent < n else "Primary"
            create(company=company, actor=alice, data={"name": f"{called} {n}", "parent": under})
    for name, symbol, group, fifo, rows in drawn["items"]:
        opening = [
            {"godown": f"Godown {g}" if g >= 0 else "Main Location", "quantity": f"{q:f}",
             "rate": f"{r}"}
            for g, q, r in rows
        ]  # fmt: skip
        stock_item_create(company=company, actor=alice, data={
            "name": name, "unit": symbol, "group": f"Group {group}" if group >= 0 else "Primary",
            "costing_method": "fifo" if fifo else "avg_cost", "opening": opening,
        })  # fmt: skip


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=stock_masters())
def test_random_inventory_masters_round_trip(
    alice: User, company_creation_open: None, drawn: dict[str, Any]
) -> None:
    """import(export(masters)) into an empty company gives the same masters, to the paisa and
    the last decimal of a quantity; into their own company it changes nothing."""
    company = empty_company(alice, f"Stock {next(made)}")
    stock_write(company, alice, drawn)
    data = exported(company)
    copy = empty_company(alice, f"Stock Copy {next(made)}")
    result = imported(copy, alice, data)
    assert result.errors == 0, result.lines
    assert masters_of(copy) == masters_of(company)
    again = imported(company, alice, data)
    assert (again.created, again.altered, again.errors) == (0, 0, 0), again.lines


def test_the_command_counts_the_inventory_masters(
    company: Company, alice: User, tmp_path: Path
) -> None:
    load(company, alice, *MASTERS)
    out = io.StringIO()
    path = tmp_path / "masters.xml"
    call_command("export_tally", "--masters-only", company=company.name, output=str(path),
                 stdout=out)  # fmt: skip
    assert "4 units, 2 stock groups, 2 godowns, 1 stock items" in out.getvalue()


# -- Tally's XML API ---------------------------------------------------------------------------


@pytest.fixture
def tally(alice: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=alice)}"})


def test_the_stock_collections_honour_fetch_with_typed_leaves(
    tally: Client, company: Company, alice: User
) -> None:
    load(company, alice, *MASTERS)
    fetch = "Name, Parent, BaseUnits, OpeningBalance, OpeningValue, OpeningRate, Guid"
    root = api_parsed(post(tally, collection("StockItem", fetch)))
    (bowl,) = root.findall("BODY/DATA/COLLECTION/STOCKITEM")
    assert bowl.get("NAME") == "Steel Bowl"
    assert [(leaf.tag, leaf.get("TYPE"), leaf.text or "") for leaf in bowl] == [
        ("NAME", "String", "Steel Bowl"),
        ("PARENT", "String", "Steel"),
        ("BASEUNITS", "String", "Nos"),
        ("OPENINGBALANCE", "Quantity", " 200 Nos"),
        ("OPENINGVALUE", "Amount", "-11200.00"),
        ("OPENINGRATE", "Rate", "56.00/Nos"),
        ("GUID", "String", "i-bowl"),
    ]
    root = api_parsed(post(tally, collection("Godown", "Name, Parent")))
    godowns = {g.get("NAME"): g.findtext("PARENT") for g in root.iter("GODOWN")}
    assert godowns == {"Godown B": "Primary", "Main Location": "Primary", "Shelf 1": "Godown B"}
    root = api_parsed(post(tally, collection("StockGroup", "Name, Parent, IsAddable")))
    steel = root.find("BODY/DATA/COLLECTION/STOCKGROUP[@NAME='Steel']")
    assert (steel.findtext("PARENT"), steel.findtext("ISADDABLE")) == ("Kitchenware", "No")
    fetch = "Name, IsSimpleUnit, DecimalPlaces, BaseUnits, AdditionalUnits, Conversion"
    root = api_parsed(post(tally, collection("Units", fetch)))
    box = root.find("BODY/DATA/COLLECTION/UNIT[@NAME='Box of 10 Nos']")
    assert [leaf.text or "" for leaf in box] == ["Box of 10 Nos", "No", "0", "Box", "Nos", "10"]


def test_the_list_of_accounts_names_the_stock_masters_where_tally_does(
    tally: Client, company: Company, alice: User
) -> None:
    load(company, alice, *MASTERS)
    root = api_parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Stock Items")))
    assert [e[0].tag for e in root.iter("TALLYMESSAGE")] == ["STOCKITEM"]
    root = api_parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Godowns")))
    assert {e.get("NAME") for e in root.iter("GODOWN")} == {"Godown B", "Main Location", "Shelf 1"}
    root = api_parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="All Inventory Masters")))
    tags = [e[0].tag for e in root.iter("TALLYMESSAGE")]
    assert tags == ["UNIT"] * 4 + ["STOCKGROUP"] * 2 + ["GODOWN"] * 3 + ["STOCKITEM"]
    root = api_parsed(post(tally, legacy("List of Accounts")))
    every = {e[0].tag for e in root.iter("TALLYMESSAGE")}
    assert {"GROUP", "LEDGER", "VOUCHERTYPE", "UNIT", "STOCKGROUP", "GODOWN", "STOCKITEM"} <= every
    root = api_parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Ledgers")))
    assert not list(root.iter("STOCKITEM"))


def test_stock_masters_imported_through_the_api_in_utf16(
    tally: Client, company: Company, alice: User
) -> None:
    body = envelope(*MASTERS).decode()
    response = post(tally, body, "utf-16-le", bom=True)
    answer = api_parsed(response, "utf-16-le")
    assert (answer.findtext("CREATED"), answer.findtext("ERRORS")) == ("9", "0")
    assert StockItem.objects.filter(company=company, name="Steel Bowl").exists()


# -- the command, the Edit Log, a restored copy -------------------------------------------------


def test_the_command_reads_a_utf16_masters_file_and_the_edit_log_reconciles(
    alice: User, company_creation_open: None, tmp_path: Path
) -> None:
    """Tally's own file export (UTF-16LE with a BOM) through `import_tally` into a company it
    creates; the books and the Edit Log agree afterwards, the inventory masters included."""
    path = tmp_path / "Masters.xml"
    path.write_bytes(codecs.BOM_UTF16_LE + envelope(*MASTERS).decode().encode("utf-16-le"))
    out = io.StringIO()
    call_command("import_tally", str(path), company="Stock Co", user="alice", stdout=out)
    assert "CREATED 9" in out.getvalue() and "ERRORS 0" in out.getvalue()
    company = Company.objects.get(name="Stock Co")
    assert openings(company)[1] == ("Main Location", "140", "56.00", "7840.00")
    checked = io.StringIO()
    call_command("verify_editlog", "--reconcile", stdout=checked)  # CommandError when damaged
    assert "Edit Log and books of 1 company verified" in checked.getvalue()


def test_a_copy_restored_from_a_backup_keeps_the_stock_masters_identities(
    company: Company, alice: User, tmp_path: Path
) -> None:
    """TallyKey is archived with the company and its inventory records remapped in a copy:
    the same file into the copy changes nothing, a rename in Tally still follows the GUID."""
    load(company, alice, *MASTERS)
    manifest = backup_write(company=company, path=tmp_path / "stock.tsbk")
    restore(archive=manifest.path, mode="copy", name="Copied", actor=alice)
    copy = Company.objects.get(name="Copied")
    keys = TallyKey.objects.filter(company=copy, kind="stockitem")
    assert [key.stock_item.company_id for key in keys] == [copy.pk]
    assert load(copy, alice, *MASTERS).counters()["ignored"] == 10
    renamed = load(copy, alice, item("Bowl", alter=2, opening=BOWL_OPENING))
    assert (renamed.altered, renamed.created) == (1, 0)
    assert list(StockItem.objects.filter(company=copy).values_list("name", flat=True)) == ["Bowl"]
