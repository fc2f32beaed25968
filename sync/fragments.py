"""What a Change looks like on screens: viewer-neutral HTML for htmx out-of-band swaps, rendered
once per Change, plus the ids of regions too costly to patch that browsers re-fetch."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string

from companies.models import Company
from core.money import format_balance
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.selectors import chart_build, group_list, group_sums_get, ledger_list
from vouchers.models import Voucher
from vouchers.selectors import voucher_get

ROW = "vouchers/_day_book_table.html#row"


@dataclass
class Patch:
    """Out-of-band HTML and regions to re-fetch, for one Change."""

    html: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)

    def oob(self, fragment: str) -> None:
        # Inside <template>, table rows parse as rows wherever they are swapped to.
        self.html.append(f"<template>{fragment}</template>")


def _voucher_patch(patch: Patch, change: Change) -> set[int]:
    """Day Book rows and the voucher view; returns the ledgers whose balances moved."""
    before, after = change.before or {}, change.after or {}
    ledger_ids = {e["ledger_id"] for side in (before, after) for e in side.get("entries", [])}
    row_id = dom_id("voucher", change.object_id)
    voucher = None
    if change.verb != Change.Verb.DELETE:
        try:
            voucher = voucher_get(company=change.company, voucher_id=change.object_id)
        except Voucher.DoesNotExist:  # deleted since: a later Change will say so
            voucher = None
    old_day = str(before.get("date") or "")  # a date before the JSON round trip, text after
    if voucher is None:
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
    else:
        row = render_to_string(ROW, {"voucher": voucher}).strip()
        day = voucher.date.isoformat()
        moved = bool(old_day and old_day != day)
        if change.verb == Change.Verb.CREATE or moved:
            # Delete first: a page rendered just after this save already has the row.
            patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
            rows = dom_id("day-book", voucher.date.isoformat(), "rows")
            patch.oob(f'<tbody hx-swap-oob="beforeend:#{rows}">{row}</tbody>')
        else:
            patch.oob(row.replace(f'id="{row_id}"', f'id="{row_id}" hx-swap-oob="outerHTML"', 1))
    patch.refresh.append(dom_id("voucher", change.object_id, "view"))
    return ledger_ids


def _balances_patch(
    patch: Patch, company: Company, ledger_ids: set[int], left_groups: frozenset[str] = frozenset()
) -> None:
    """Closing balances of the ledgers touched, and the totals of every group above them (and
    above `left_groups`, groups a ledger was moved out of)."""
    ledgers = list(ledger_list(company=company).filter(pk__in=ledger_ids))
    for ledger in ledgers:
        cell = dom_id(ledger, "balance")
        text = format_balance(ledger.closing_balance)
        patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{text}</span>')
        patch.refresh.append(dom_id(ledger, "statement"))
    roots = chart_build(
        groups=group_list(company=company), group_sums=group_sums_get(company=company)
    )
    touched = {ledger.group_id for ledger in ledgers}
    for root in roots:
        for node in root.walk():
            if any(n.group.pk in touched or n.group.name in left_groups for n in node.walk()):
                cell = dom_id(node.group, "balance")
                text = format_balance(node.total)
                patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{text}</span>')
    patch.refresh.append("trial-balance")


def _activity_patch(patch: Patch, change: Change) -> None:
    item = render_to_string("sync/_activity_item.html", {"change": change}).strip()
    patch.oob(f'<ol hx-swap-oob="afterbegin:#dashboard-activity">{item}</ol>')


def change_patch(change: Change) -> Patch:
    """Every screen region that `change` alters, rendered once for all viewers."""
    patch = Patch()
    ledger_ids: set[int] = set()
    left_groups: frozenset[str] = frozenset()
    if change.object_type == "voucher":
        ledger_ids = _voucher_patch(patch, change)
    elif change.object_type == "ledger":
        ledger_ids = {change.object_id}
        before_group = (change.before or {}).get("group")
        left_groups = frozenset({before_group} if before_group else ())
        patch.refresh += ["ledger-list", "dashboard-cash-bank"]
        if change.verb == Change.Verb.DELETE:
            patch.oob(f'<tr id="{dom_id("ledger", change.object_id)}" hx-swap-oob="delete"></tr>')
    elif change.object_type == "group":
        patch.refresh.append("ledger-list")
    if ledger_ids:
        _balances_patch(patch, change.company, ledger_ids, left_groups)
    _activity_patch(patch, change)
    return patch
