"""Changing the server's configuration: one row, saved and logged in the connection event log."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from config.models import ServerConfig, host_names_split
from config.selectors import config_forget
from sync.models import ConnectionEvent
from sync.registry import event_record


def config_update(
    *, config: ServerConfig, changed: list[str], actor: AbstractBaseUser
) -> list[str]:
    """Validate and save `config` (the row of pk 1), log what changed on commit, and return the
    changed fields that take effect only after a restart. Raises ValidationError."""
    config.full_clean()
    # Not durable: the admin calls this inside its own transaction.
    with transaction.atomic():
        # Never saved before: what it replaces are the defaults.
        saved = ServerConfig.objects.select_for_update().filter(pk=config.pk).first()
        saved = saved or ServerConfig(pk=config.pk)
        config.save()
        differences = _differences(before=saved, after=config, fields=changed)
        transaction.on_commit(config_forget)
        if differences:
            record = partial(
                event_record,
                kind=ConnectionEvent.Kind.CONFIG,
                username=actor.get_username(),
                detail=", ".join(
                    f"{name.replace('_', ' ')} {old} → {new}"
                    for name, (old, new) in differences.items()
                ),
            )
            transaction.on_commit(record, robust=True)
    return [name for name in ServerConfig.RESTART_FIELDS if name in differences]


def _differences(
    *, before: ServerConfig | None, after: ServerConfig, fields: list[str]
) -> dict[str, tuple[str, str]]:
    """The fields among `fields` whose shown value differs, as (before, after)."""
    found = {}
    for name in fields:
        old = _shown(name, getattr(before, name, ""))
        new = _shown(name, getattr(after, name))
        if old != new:
            found[name] = (old, new)
    return found


def _shown(name: str, value: Any) -> str:
    if name == "host_names":
        # One per line or comma separated: the same names written differently are no change.
        return ", ".join(host_names_split(value)) or "(none)"
    return str(value)
