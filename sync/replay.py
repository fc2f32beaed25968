"""Catch-up from the Edit Log: the Changes a socket missed, as frames, in seq order."""

from __future__ import annotations

from collections.abc import Callable

from companies.models import Company
from editlog.models import Change
from sync.fragments import change_patch
from sync.protocol import change_frame

RETENTION = 1000  # Changes a client may be behind and still replay; beyond that it re-fetches


def frames_since(
    *, company_id: int, since: int, cached: Callable[[int, int], str | None]
) -> tuple[int, list[tuple[int, str]] | None]:
    """(last seq, frames after `since`) — or (last seq, None) when `since` is past retention.

    A Change superseded later in the range by another Change of the same object is sent as a
    placeholder frame: the later frame renders that object's current state anyway.
    """
    last = Company.objects.values_list("last_seq", flat=True).get(pk=company_id)
    if last - since > RETENTION:
        return last, None
    changes = list(
        Change.objects.filter(company_id=company_id, seq__gt=since, seq__lte=last)
        .select_related("company")
        .order_by("seq")
    )
    newest = {change.object_key: change.seq for change in changes}
    frames = []
    for change in changes:
        text = cached(company_id, change.seq)
        if text is None:
            current = newest[change.object_key] == change.seq
            text = change_frame(change, change_patch(change) if current else None)
        frames.append((change.seq, text))
    return last, frames
