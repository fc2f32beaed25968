"""change_diff: what a Change altered, as a reader wants it — changed fields only, voucher
lines compared line by line, amounts in Indian grouping, dates as Tally writes them."""

from __future__ import annotations

from types import SimpleNamespace

from core.records import kind_get
from editlog.selectors import (
    FieldChange,
    change_diff,
    change_diff_of,
    entries_diff,
    entry_text,
    value_text,
)

# Each kind's labels, amounts and field order are its app's registration (core.records).
VOUCHER, LEDGER, MEMBERSHIP = kind_get("voucher"), kind_get("ledger"), kind_get("membership")


def voucher(**changes):
    snapshot = {
        "id": 17,
        "type": "Sales",
        "number": 5,
        "date": "2026-11-26",
        "narration": "Invoice 17",
        "cancelled": False,
        "version": 1,
        "entries": [
            {"ledger_id": 3, "ledger": "Sharma Enterprises", "debit": "100000.00"},
            {"ledger_id": 4, "ledger": "Sales", "credit": "100000.00"},
        ],
    }
    return {**snapshot, **changes}


def line(ledger_id, ledger, side, amount):
    return {"ledger_id": ledger_id, "ledger": ledger, side: amount}


PARTY, SALES = (
    line(3, "Sharma Enterprises", "debit", "100000.00"),
    line(4, "Sales", "credit", "100000.00"),
)


def test_an_alteration_shows_only_the_changed_fields():
    before, after = voucher(), voucher(narration="Invoice 18", date="2026-11-27", version=2)
    assert change_diff(kind=VOUCHER, before=before, after=after) == [
        FieldChange("Date", "26-Nov-2026", "27-Nov-2026"),
        FieldChange("Narration", "Invoice 17", "Invoice 18"),
    ]


def test_nothing_changed_is_an_empty_diff():
    assert change_diff(kind=VOUCHER, before=voucher(), after=voucher(version=2)) == []


def test_key_order_does_not_matter():
    """jsonb gives keys back in its own order; the diff reads in a fixed one."""
    shuffled = dict(reversed(list(voucher(narration="x").items())))
    assert change_diff(kind=VOUCHER, before=voucher(), after=shuffled) == [
        FieldChange("Narration", "Invoice 17", "x")
    ]


def test_changed_amounts_are_compared_line_by_line_in_indian_grouping():
    after = voucher(
        entries=[
            line(3, "Sharma Enterprises", "debit", "90000.00"),
            line(4, "Sales", "credit", "90000.00"),
        ]
    )
    assert change_diff(kind=VOUCHER, before=voucher(), after=after) == [
        FieldChange(
            "Line 1", "Sharma Enterprises 1,00,000.00 Dr", "Sharma Enterprises 90,000.00 Dr"
        ),
        FieldChange("Line 2", "Sales 1,00,000.00 Cr", "Sales 90,000.00 Cr"),
    ]


def test_an_unchanged_line_is_not_shown():
    rent = line(9, "Rent", "debit", "500.00")
    after = voucher(entries=[PARTY, rent, line(4, "Sales", "credit", "100500.00")])
    assert change_diff(kind=VOUCHER, before=voucher(), after=after) == [
        FieldChange("Line 2", None, "Rent 500.00 Dr"),
        FieldChange("Line 3", "Sales 1,00,000.00 Cr", "Sales 1,00,500.00 Cr"),
    ]


def test_added_and_removed_lines():
    cash = line(1, "Cash", "debit", "10.00")
    added = change_diff(kind=VOUCHER, before=voucher(), after=voucher(entries=[PARTY, SALES, cash]))
    assert added == [FieldChange("Line 3", after="Cash 10.00 Dr")]
    removed = change_diff(
        kind=VOUCHER, before=voucher(entries=[cash, PARTY, SALES]), after=voucher()
    )
    assert removed == [FieldChange("Line 1", before="Cash 10.00 Dr")]


def test_a_line_moved_to_another_ledger_is_one_changed_line():
    bank = line(7, "HDFC Bank", "debit", "100000.00")
    assert change_diff(kind=VOUCHER, before=voucher(), after=voucher(entries=[bank, SALES])) == [
        FieldChange("Line 1", "Sharma Enterprises 1,00,000.00 Dr", "HDFC Bank 1,00,000.00 Dr")
    ]


def test_a_creation_shows_what_was_created():
    assert change_diff(kind=VOUCHER, before=None, after=voucher()) == [
        FieldChange("Type", after="Sales"),
        FieldChange("Number", after="5"),
        FieldChange("Date", after="26-Nov-2026"),
        FieldChange("Narration", after="Invoice 17"),
        FieldChange("Line 1", after="Sharma Enterprises 1,00,000.00 Dr"),
        FieldChange("Line 2", after="Sales 1,00,000.00 Cr"),
    ]


def test_a_deletion_shows_what_was_deleted():
    ledger = {"id": 3, "name": "Rent", "group": "Indirect Expenses", "opening_balance": "0.00",
              "gstin": "", "state": "", "version": 2}  # fmt: skip
    assert change_diff(kind=LEDGER, before=ledger, after=None) == [
        FieldChange("Name", before="Rent"),
        FieldChange("Group", before="Indirect Expenses"),
    ]


def change(verb, before, after, object_type="voucher"):
    return SimpleNamespace(verb=verb, before=before, after=after, object_type=object_type)


def test_a_cancellation_shows_what_the_voucher_was():
    cancelled = voucher(cancelled=True, entries=[], version=2)
    rows = change_diff_of(change("cancel", voucher(), cancelled))
    assert [row.label for row in rows] == [
        "Type",
        "Number",
        "Date",
        "Narration",
        "Line 1",
        "Line 2",
    ]
    assert all(row.after is None for row in rows)


def test_change_diff_of_picks_the_sides_by_verb():
    assert change_diff_of(change("create", None, {"name": "Rent"}, "ledger")) == [
        FieldChange("Name", after="Rent")
    ]
    assert change_diff_of(change("delete", {"name": "Rent"}, None, "ledger")) == [
        FieldChange("Name", before="Rent")
    ]
    assert change_diff_of(change("alter", {"name": "Rent"}, {"name": "Office Rent"}, "ledger")) == [
        FieldChange("Name", "Rent", "Office Rent")
    ]


def test_ledger_opening_balance_shows_its_side():
    before = {"name": "Sharma", "opening_balance": "0.00", "gstin": ""}
    after = {"name": "Sharma", "opening_balance": "-500.00", "gstin": "27AAPFU0939F1ZV"}
    assert change_diff(kind=LEDGER, before=before, after=after) == [
        FieldChange("Opening balance", "0.00", "500.00 Cr"),
        FieldChange("GSTIN", "", "27AAPFU0939F1ZV"),
    ]


def test_membership_role():
    before, after = {"user": "bob", "role": "viewer"}, {"user": "bob", "role": "accountant"}
    assert change_diff(kind=MEMBERSHIP, before=before, after=after) == [
        FieldChange("Role", "viewer", "accountant")
    ]


def test_values_as_tally_shows_them():
    assert value_text("opening_balance", "150000.50", LEDGER) == "1,50,000.50 Dr"
    assert value_text("debit", "1234567.00") == "12,34,567.00"
    assert value_text("debit", "not money") == "not money"
    assert value_text("books_beginning", "2026-04-01") == "01-Apr-2026"
    assert value_text("narration", "2026-13-45") == "2026-13-45"
    assert value_text("cancelled", True) == "Yes"
    assert value_text("anything", None) == ""
    assert value_text("extra", {"b": 1, "a": "₹"}) == '{"a": "₹", "b": 1}'
    assert entry_text({"ledger": "Sales", "credit": "5.00"}) == "Sales 5.00 Cr"


def test_snapshots_that_are_not_objects_do_not_break_the_page():
    assert change_diff(before=None, after=None) == []
    assert change_diff(before=["odd"], after=None) == []
    assert change_diff(before={"entries": ["odd"]}, after={"entries": ["odder"]}) == [
        FieldChange("Line 1", "odd", "odder")
    ]


def test_a_change_of_bills_or_cheque_alone_shows_on_its_line():
    line = {"ledger_id": 3, "ledger": "Sharma Enterprises", "credit": "10000.00"}
    before = [{**line, "bills": [{"type": "Agst Ref", "name": "INV-1", "credit": "10000.00"}]}]
    after = [
        {
            **line,
            "bills": [
                {"type": "Agst Ref", "name": "INV-1", "credit": "6000.00"},
                {"type": "On Account", "name": "", "credit": "4000.00"},
            ],
            "instrument_type": "Cheque",
            "instrument_number": "004512",
            "bank_date": "2026-11-28",
        }
    ]
    (row,) = entries_diff(before, after)
    assert row.label == "Line 1"
    assert row.before == "Sharma Enterprises 10,000.00 Cr — Agst Ref INV-1 10,000.00 Cr"
    assert row.after == (
        "Sharma Enterprises 10,000.00 Cr — Agst Ref INV-1 6,000.00 Cr; "
        "On Account 4,000.00 Cr · Cheque 004512 cleared 28-Nov-2026"
    )
