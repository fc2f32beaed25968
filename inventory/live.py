"""What a saved inventory master alters on open screens: its list is fetched again (a list
region answers its own partial), and a deleted row goes at once."""

from __future__ import annotations

from core.records import LiveState, Patch
from core.templatetags.tally import dom_id
from editlog.models import Change

# The list regions each kind's Change makes stale: a unit's or a group's new name shows in the
# stock items' list too.
# The stock reports show names, groups and units; an item's opening stock and costing method
# move its values, in the final accounts too (when accounts are integrated with inventory).
STOCK_REPORTS = ["stock-summary", "stock-item-vouchers"]
FINAL_ACCOUNTS = ["profit-loss", "balance-sheet"]
REGIONS = {
    "unit": ["unit-list", "stock-item-list", *STOCK_REPORTS],
    "stock_group": ["stock-group-list", "stock-item-list", "stock-summary"],
    "godown": ["godown-list", "stock-item-list", *STOCK_REPORTS],
    "stock_item": ["stock-item-list", *STOCK_REPORTS, *FINAL_ACCOUNTS],
}
# What a voucher with stock lines makes stale (its part's `refresh`, vouchers.parts).
STOCK_LINES = (*STOCK_REPORTS, *FINAL_ACCOUNTS)


def master_live(patch: Patch, change: Change, state: LiveState) -> None:
    """The lists the master shows in re-fetched; a deleted master's row removed."""
    patch.refresh += REGIONS[change.object_type]
    if change.verb == Change.Verb.DELETE:
        row = dom_id(change.object_type.replace("_", ""), change.object_id)
        patch.oob(f'<tr id="{row}" hx-swap-oob="delete"></tr>')
