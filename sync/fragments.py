"""What a Change looks like on screens: viewer-neutral HTML for htmx out-of-band swaps, rendered
once per Change, plus the ids of regions too costly to patch that browsers re-fetch. Each kind's
own regions come from its live patcher (core.records); the activity feed is everyone's."""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string

from core.records import LiveState, Patch, kind_get
from editlog.models import Change


def _activity_patch(patch: Patch, change: Change) -> None:
    item = render_to_string("sync/_activity_item.html", {"change": change}).strip()
    patch.oob(f'<ol hx-swap-oob="afterbegin:#dashboard-activity">{item}</ol>')


def changes_note(changes: Iterable[Change], state: LiveState) -> None:
    """Begin a batch: each kind notes what its Changes will need, read once for all of them."""
    state.batch_begin()
    for change in changes:
        kind = kind_get(change.object_type)
        if kind is not None and kind.live_note is not None:
            kind.live_note(change, state)


def change_patch(change: Change, state: LiveState | None = None) -> Patch:
    """Every screen region that `change` alters, rendered once for all viewers, from the
    company's kept `state` (`changes_note` has seen its batch); without one, from a state made
    for this Change alone."""
    if state is None:
        state = LiveState()
        changes_note([change], state)
    patch = Patch()
    kind = kind_get(change.object_type)
    if kind is not None and kind.live is not None:
        kind.live(patch, change, state)
    _activity_patch(patch, change)
    return patch
