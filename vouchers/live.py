"""What a saved voucher alters on open screens: its Day Book row, its view, and the balances
of the ledgers its lines touch."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.text import slugify

from core.errors import NotFound
from core.records import Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.live import balances_patch
from vouchers.selectors import voucher_get

ROW = "vouchers/_day_book_table.html#row"


def register_region(type_name: str) -> str:
    """The region of a voucher type's register (its months, or a month's vouchers):
    "register-sales", "register-credit-note"."""
    return f"register-{slugify(type_name)}"


def voucher_live(patch: Patch, change: Change) -> None:
    before, after = change.before or {}, change.after or {}
    ledger_ids = {e["ledger_id"] for side in (before, after) for e in side.get("entries", [])}
    _day_book_patch(patch, change)
    patch.refresh.append(dom_id("voucher", change.object_id, "view"))
    types = {side["type"] for side in (before, after) if side.get("type")}
    patch.refresh += [register_region(name) for name in sorted(types)]
    if ledger_ids:
        balances_patch(patch, company=change.company, ledger_ids=ledger_ids)


def _day_book_patch(patch: Patch, change: Change) -> None:
    """The voucher's Day Book row: replaced in place, moved to its new day, or removed."""
    row_id = dom_id("voucher", change.object_id)
    voucher = None
    if change.verb != Change.Verb.DELETE:
        try:
            voucher = voucher_get(company=change.company, voucher_id=change.object_id)
        except NotFound:  # deleted since: a later Change will say so
            voucher = None
    if voucher is None:
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        return
    row = render_to_string(ROW, {"voucher": voucher}).strip()
    old_day = str((change.before or {}).get("date") or "")  # a date before the JSON round trip
    if change.verb == Change.Verb.CREATE or (old_day and old_day != voucher.date.isoformat()):
        # Delete first: a page rendered just after this save already has the row.
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        rows = dom_id("day-book", voucher.date.isoformat(), "rows")
        patch.oob(f'<tbody hx-swap-oob="beforeend:#{rows}">{row}</tbody>')
    else:
        patch.oob(row.replace(f'id="{row_id}"', f'id="{row_id}" hx-swap-oob="outerHTML"', 1))
