"""What a company's own Changes do to its open screens: a restore from a backup (the Change
whose snapshot names the archive, backups.restore) replaced what every screen shows, so it
asks for a resync and drops the figures kept for the company."""

from __future__ import annotations

from typing import Any

from core.records import LiveState, Patch

# The key under which a restore's Change names its archive (backups.restore.RESTORED_KEY).
RESTORED_KEY = "restored_from"


def restored(change: Any) -> bool:
    return isinstance(change.after, dict) and RESTORED_KEY in change.after


def company_note(change: Any, state: LiveState) -> None:
    """The kept figures (balances, groups) are of the books before the restore: read anew."""
    if restored(change):
        state.kept.clear()


def company_live(patch: Patch, change: Any, state: LiveState) -> None:
    if restored(change):
        patch.resync = True


# The list of the company's GST registrations (templates/companies/gst_registrations.html).
GST_REGISTRATIONS = "gst-registrations-list"


def gst_registration_live(patch: Patch, change: Any, state: LiveState) -> None:
    """A registration added or altered: the open GST Registrations pages fetch their list."""
    patch.refresh.append(GST_REGISTRATIONS)
