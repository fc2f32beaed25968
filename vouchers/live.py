"""What a saved voucher alters on open screens: its Day Book row, its view, the write buttons
of its view and alteration screen once it is deleted or cancelled, and the balances of the
ledgers its lines touch — rendered from the Change's snapshot, with no read of the voucher."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.text import slugify

from core.records import LiveState, Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.live import balance_book, balances_patch, ledgers_note
from ledgers.models import Ledger
from vouchers.models import Entry, Voucher, VoucherType
from vouchers.parts import part_regions

ROW = "vouchers/_day_book_table.html#row"
GONE = "vouchers/_gone.html"
OUTSTANDINGS = "outstandings"  # the region of the open Outstandings reports


def register_region(type_name: str) -> str:
    """The region of a voucher type's register (its months, or a month's vouchers):
    "register-sales", "register-credit-note"."""
    return f"register-{slugify(type_name)}"


# A line's instrument and bank date (vouchers.bills.bank_snapshot): a bank ledger's line.
BANK_KEYS = frozenset({"instrument_type", "instrument_number", "instrument_date", "favouring"})


def reconciliation_region(ledger_id: int) -> str:
    """A bank ledger's Bank Reconciliation (banking): "ledger-4-reconciliation"."""
    return dom_id("ledger", ledger_id, "reconciliation")


def _bank_ledger_ids(change: Change, state: LiveState) -> set[int]:
    """The bank ledgers the voucher's lines were or are on: a line with an instrument or a bank
    date, or a ledger under a bank group as the kept balances know it (no query of its own)."""
    before, after = change.before or {}, change.after or {}
    lines = [e for side in (before, after) for e in side.get("entries", [])]
    ids = {e["ledger_id"] for e in lines if BANK_KEYS & e.keys() or "bank_date" in e}
    book = balance_book(state, change.company)
    banks = {group.pk for group in book.groups if group.is_cash_bank and not group.is_cash}
    held = book.ledgers
    return ids | {e["ledger_id"] for e in lines if held.get(e["ledger_id"], (None,))[0] in banks}


def _ledger_ids(change: Change) -> set[int]:
    before, after = change.before or {}, change.after or {}
    return {e["ledger_id"] for side in (before, after) for e in side.get("entries", [])}


def voucher_note(change: Change, state: LiveState) -> None:
    ledgers_note(state, _ledger_ids(change))


def voucher_live(patch: Patch, change: Change, state: LiveState) -> None:
    ledger_ids = _ledger_ids(change)
    _day_book_patch(patch, change)
    gone_patch(patch, change)
    if change.verb != Change.Verb.DELETE:  # a deleted voucher's view has nothing to fetch
        patch.refresh.append(dom_id("voucher", change.object_id, "view"))
    before, after = change.before or {}, change.after or {}
    types = {side["type"] for side in (before, after) if side.get("type")}
    patch.refresh += [register_region(name) for name in sorted(types)]
    if any(e.get("bills") for side in (before, after) for e in side.get("entries", [])):
        patch.refresh.append(OUTSTANDINGS)  # reports.views_outstandings: bills moved
    patch.refresh += part_regions(before, after)  # e.g. stock lines: the stock reports
    if ledger_ids:
        balances_patch(patch, state=state, company=change.company, ledger_ids=ledger_ids)
        patch.refresh += [
            reconciliation_region(pk) for pk in sorted(_bank_ledger_ids(change, state))
        ]


def gone_patch(patch: Patch, change: Change) -> None:
    """A deleted or cancelled voucher's write buttons (Alter, Cancel, Delete on its view; Accept
    on an alteration screen open for it) give way to who did it and when, on every screen at
    once: a notice marked `data-record-gone`, which makes the form around it read-only."""
    if change.verb not in (Change.Verb.DELETE, Change.Verb.CANCEL):
        return
    actions = dom_id("voucher", change.object_id, "actions")
    patch.oob(render_to_string(GONE, {"change": change, "actions": actions}).strip())


def voucher_recorded(change: Change) -> Voucher:
    """The voucher as its Change recorded it (`after`), as much as its Day Book row shows:
    unsaved objects, no query."""
    after: dict[str, Any] = change.after or {}
    voucher = Voucher(
        pk=change.object_id,
        company_id=change.company_id,
        voucher_type=VoucherType(name=after["type"]),
        number=after["number"],
        number_text=after.get("voucher_no", ""),
        date=dt.date.fromisoformat(str(after["date"])),
        narration=after["narration"],
        is_cancelled=after["cancelled"],
        version=after["version"],
    )
    entries = [
        Entry(
            position=position,
            amount=Decimal(str(line["debit"]))
            if "debit" in line
            else -Decimal(str(line["credit"])),
            ledger=Ledger(pk=line["ledger_id"], name=line["ledger"]),
        )
        for position, line in enumerate(after.get("entries", []))
    ]
    # What `voucher.entries.all()` answers (Voucher.total, lead_entry), as a prefetch leaves it.
    voucher._prefetched_objects_cache = {"entries": entries}  # type: ignore[attr-defined]
    return voucher


def _day_book_patch(patch: Patch, change: Change) -> None:
    """The voucher's Day Book row: replaced in place, moved to its new day, or removed."""
    row_id = dom_id("voucher", change.object_id)
    if change.verb == Change.Verb.DELETE:
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        return
    voucher = voucher_recorded(change)
    row = render_to_string(ROW, {"voucher": voucher}).strip()
    old_day = str((change.before or {}).get("date") or "")  # a date before the JSON round trip
    if change.verb == Change.Verb.CREATE or (old_day and old_day != voucher.date.isoformat()):
        # Delete first: a page rendered just after this save already has the row.
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        rows = dom_id("day-book", voucher.date.isoformat(), "rows")
        patch.oob(f'<tbody hx-swap-oob="beforeend:#{rows}">{row}</tbody>')
    else:
        patch.oob(row.replace(f'id="{row_id}"', f'id="{row_id}" hx-swap-oob="outerHTML"', 1))


# The Voucher Types list with each type's numbering (templates/vouchers/types.html).
VOUCHER_TYPES = "voucher-types-list"


def numbering_live(patch: Patch, change: Change, state: LiveState) -> None:
    """A type's numbering set: the open Voucher Types pages fetch their list."""
    patch.refresh.append(VOUCHER_TYPES)
