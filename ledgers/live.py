"""What a saved ledger or group alters on open screens, and the balances every save that moves
money repaints (vouchers.live calls `balances_patch` too)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from companies.models import Company
from core.money import format_balance
from core.records import Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.selectors import (
    PROFIT_AND_LOSS_LEDGER,
    chart_build,
    group_list,
    group_sums_get,
    ledger_list,
)

# The reports every balance feeds, re-fetched by open pages (their as-of day is the viewer's).
FINAL_ACCOUNTS = ["trial-balance", "profit-loss", "balance-sheet"]


def balances_patch(
    patch: Patch,
    *,
    company: Company,
    ledger_ids: Iterable[int],
    left_groups: frozenset[str] = frozenset(),
) -> None:
    """Closing balances of the ledgers touched, and the totals of every group above them (and
    above `left_groups`, groups a ledger was moved out of)."""
    # Profit & Loss A/c too: a save dated in an earlier year moves the result it carries.
    ledgers = list(
        ledger_list(company=company).filter(Q(pk__in=ledger_ids) | PROFIT_AND_LOSS_LEDGER)
    )
    for ledger in ledgers:
        cell = dom_id(ledger, "balance")
        text = format_balance(ledger.closing_balance)
        patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{text}</span>')
        # Its statement (Ledger Vouchers, or the Cash/Bank Book) and its Monthly Summary.
        patch.refresh += [dom_id(ledger, "statement"), dom_id(ledger, "monthly")]
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
    patch.refresh += FINAL_ACCOUNTS


def ledger_live(patch: Patch, change: Change) -> None:
    """The ledger list and cash/bank panel re-fetched, a deleted row gone, balances repainted
    (under the group the ledger left, too)."""
    patch.refresh += ["ledger-list", "dashboard-cash-bank", "cash-bank-books"]
    if change.verb == Change.Verb.DELETE:
        patch.oob(f'<tr id="{dom_id("ledger", change.object_id)}" hx-swap-oob="delete"></tr>')
    before_group = (change.before or {}).get("group")
    left_groups = frozenset({before_group} if before_group else ())
    balances_patch(
        patch, company=change.company, ledger_ids={change.object_id}, left_groups=left_groups
    )


def group_live(patch: Patch, change: Change) -> None:
    patch.refresh.append("ledger-list")


def closing_stock_live(patch: Patch, change: Change) -> None:
    """Closing stock moves the Profit & Loss A/c and Balance Sheet, and the ledger's list of
    values."""
    patch.refresh += ["profit-loss", "balance-sheet", "closing-stock"]
