"""Frames read from the Edit Log, in seq order: the live feed a hub sends on (`frames_after`) and
the catch-up of a socket that missed some (`frames_since`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from companies.models import Company
from config.selectors import config_get
from core.records import LiveState
from editlog.models import Change
from sync.fragments import change_patch, changes_note
from sync.protocol import change_frame

FEED_BATCH = 500  # Changes read and rendered per query while a hub catches up


def frames_after(
    *,
    company_id: int,
    after: int,
    upto: int | None = None,
    cached: Callable[[int, int], str | None] = lambda company_id, seq: None,
    limit: int | None = None,
    state: LiveState | None = None,
) -> list[tuple[int, str]]:
    """The frames of the company's committed Changes after seq `after` (up to `upto`, at most
    `limit`), in seq order, each rendered once unless `cached` has it. Commits follow the seq
    order (a seq is taken and committed under the company lock), so what this reads has no
    gaps a later commit could fill.

    A Change of an object deleted later in the range is sent as a placeholder frame (seq
    only): whatever it drew, the delete takes away.

    `state` is what the company's live patchers keep (the hub's, for the company); every Change
    read is noted in it, rendered or not, so what it keeps follows the log.
    """
    changes = Change.objects.filter(company_id=company_id, seq__gt=after).order_by("seq")
    if upto is not None:
        changes = changes.filter(seq__lte=upto)
    changes = list(
        changes.select_related("company")[:limit] if limit else changes.select_related("company")
    )
    deleted = {c.object_key: c.seq for c in changes if c.verb == Change.Verb.DELETE}
    state = state if state is not None else LiveState()
    changes_note(changes, state)
    frames = []
    for change in changes:
        text = cached(company_id, change.seq)
        if text is None:
            gone = deleted.get(change.object_key, 0) > change.seq
            text = change_frame(change, None if gone else change_patch(change, state))
        frames.append((change.seq, text))
    return frames


def frames_since(
    *,
    company_id: int,
    since: int,
    cached: Callable[[int, int], str | None],
    state: LiveState | None = None,
) -> tuple[int, list[tuple[int, str]] | None]:
    """(last seq, frames after `since`) — or (last seq, None) when `since` is past retention."""
    last = Company.objects.values_list("last_seq", flat=True).get(pk=company_id)
    if not _replayable(company_id=company_id, since=since, last=last):
        return last, None
    frames = frames_after(company_id=company_id, after=since, upto=last, cached=cached, state=state)
    return last, frames


def _replayable(*, company_id: int, since: int, last: int) -> bool:
    """Within ServerConfig's resume retention: not too many Changes, nor too long away (and not
    ahead of the database, as after a restore from backup)."""
    config = config_get()
    if since > last or last - since > config.resume_retention:
        return False
    if not config.resume_retention_hours or since == last:
        return True
    oldest = timezone.now() - dt.timedelta(hours=config.resume_retention_hours)
    missed = Change.objects.filter(company_id=company_id, seq=since + 1)
    return missed.filter(at__gte=oldest).exists()
