"""What a saved statement format or statement line alters on open screens: the bank's
statement page (its lines and proposals) and its Bank Reconciliation, fetched again."""

from __future__ import annotations

from core.records import LiveState, Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from vouchers.live import reconciliation_region


def statement_region(ledger_id: int) -> str:
    """A bank's statement lines and their proposals: "ledger-4-bank-statement"."""
    return dom_id("ledger", ledger_id, "bank-statement")


def statement_live(patch: Patch, change: Change, state: LiveState) -> None:
    ids = {side["ledger_id"] for side in (change.before, change.after) if side}
    for pk in sorted(ids):
        patch.refresh += [statement_region(pk), reconciliation_region(pk)]
