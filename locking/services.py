"""Edit locks as leases: acquire, heartbeat, release, break, expire. Times are the database's.

A lock serialises people; the version check of every alteration is the backstop, so even a
holder whose lease ran out cannot overwrite a newer version.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Now

from companies.access import membership_require, writer_require
from companies.models import Company
from config.selectors import config_get
from core.errors import Invalid, Locked
from core.records import kind_get
from locking.models import EditLock
from locking.signals import lock_changed

log = logging.getLogger(__name__)


def _stale_before() -> Now:
    """The database's now less the lock timeout: a heartbeat older than this has expired."""
    return Now() - Value(dt.timedelta(seconds=config_get().lock_timeout))


def _announce(
    lock: EditLock | None, *, company_id: int, resource: str, broken_by: str = ""
) -> None:
    def send() -> None:
        lock_changed.send(
            sender=EditLock,
            company_id=company_id,
            resource=resource,
            holder=lock.holder if lock else None,
            since=lock.acquired_at if lock else None,
            broken_by=broken_by,
        )

    transaction.on_commit(send, robust=True)


def resource_check(resource: str) -> str:
    """`resource` names a record of a lockable kind (core.records): "voucher:17"."""
    name, _, pk = resource.partition(":")
    kind = kind_get(name)
    if kind is None or not kind.lockable or not (pk.isascii() and pk.isdigit()):
        raise Invalid.field("resource", 'Name a record like "voucher:17" or "ledger:4".')
    return resource


def _locked_by(lock: EditLock) -> Locked:
    return Locked(
        holder=lock.holder.get_username(), holder_id=lock.holder_id, since=lock.acquired_at
    )


def lock_acquire(
    *, company: Company, resource: str, actor: AbstractBaseUser, connection_id: str = ""
) -> EditLock:
    """Take (or renew) the lock on `resource` for `actor`; a lease idle past the timeout is
    taken over. Raises Locked (423) naming the holder, or NotAllowed for a viewer."""
    writer_require(company=company, actor=actor)
    resource_check(resource)
    mine = EditLock.objects.filter(company=company, resource=resource)
    with transaction.atomic(durable=True):
        for _ in range(3):  # the holder may let go between our steps: look again
            renewed = mine.filter(holder=actor).update(
                connection_id=connection_id, heartbeat_at=Now()
            )
            if renewed or _take_over_or_insert(mine, company, resource, actor, connection_id):
                break
            live = (
                mine.filter(heartbeat_at__gte=_stale_before())
                .exclude(holder=actor)
                .select_related("holder")
                .first()
            )
            if live is not None:
                raise _locked_by(live)
        else:
            raise Invalid.field("resource", "This record is changing hands: try again.")
        lock = mine.select_related("holder").get()
        if not renewed:
            _announce(lock, company_id=company.pk, resource=resource)
    return lock


def _take_over_or_insert(
    mine: QuerySet[EditLock],
    company: Company,
    resource: str,
    actor: AbstractBaseUser,
    connection_id: str,
) -> bool:
    """Take an expired lease over, or create the lock; False if someone holds a live one."""
    if mine.filter(heartbeat_at__lt=_stale_before()).update(
        holder=actor, connection_id=connection_id, acquired_at=Now(), heartbeat_at=Now()
    ):
        return True
    try:
        with transaction.atomic():
            EditLock.objects.create(
                company=company,
                resource=resource,
                holder=actor,
                connection_id=connection_id,
                acquired_at=Now(),
                heartbeat_at=Now(),
            )
    except IntegrityError:
        return False
    return True


def lock_check(*, company: Company, resource: str, actor: AbstractBaseUser) -> None:
    """Raise Locked if someone else holds a live lock on `resource` (saves call this)."""
    lock = (
        EditLock.objects.filter(
            company=company, resource=resource, heartbeat_at__gte=_stale_before()
        )
        .exclude(holder=actor)
        .select_related("holder")
        .first()
    )
    if lock is not None:
        raise _locked_by(lock)


def lock_heartbeat(*, actor: AbstractBaseUser, connection_id: str) -> int:
    """Keep alive the locks `actor` holds through this page's socket; returns how many."""
    if not connection_id:
        return 0
    return EditLock.objects.filter(holder=actor, connection_id=connection_id).update(
        heartbeat_at=Now()
    )


def _delete_announcing(locks: QuerySet[EditLock], broken_by: str = "") -> list[EditLock]:
    gone = list(locks.select_related("holder"))
    if gone:
        EditLock.objects.filter(pk__in=[lock.pk for lock in gone]).delete()
    for lock in gone:
        _announce(None, company_id=lock.company_id, resource=lock.resource, broken_by=broken_by)
    return gone


def lock_release(*, company: Company, resource: str, actor: AbstractBaseUser) -> bool:
    """Let go of `actor`'s lock on `resource` (save, cancel, leaving the page)."""
    # On its own, or inside the save that ends the alteration (no savepoint needed there).
    with transaction.atomic(savepoint=False):
        locks = EditLock.objects.filter(company=company, resource=resource, holder=actor)
        return bool(_delete_announcing(locks))


def locks_release_for_connection(*, actor: AbstractBaseUser, connection_id: str) -> int:
    """Release the locks `actor` held through a page whose socket has closed."""
    if not connection_id:
        return 0
    with transaction.atomic(durable=True):
        locks = EditLock.objects.filter(connection_id=connection_id, holder=actor)
        return len(_delete_announcing(locks))


def lock_break(*, company: Company, resource: str, actor: AbstractBaseUser) -> bool:
    """An owner frees a lock someone else holds; the holder's screen is told who did."""
    membership_require(company=company, actor=actor)
    with transaction.atomic(durable=True):
        locks = EditLock.objects.filter(company=company, resource=resource)
        gone = _delete_announcing(locks, broken_by=actor.get_username())
    for lock in gone:
        log.info("lock on %s held by %s broken by %s", resource, lock.holder, actor)
    return bool(gone)


def locks_expire() -> list[EditLock]:
    """Free every lease whose holder stopped sending heartbeats (a crashed browser)."""
    with transaction.atomic(durable=True):
        gone = _delete_announcing(EditLock.objects.filter(heartbeat_at__lt=_stale_before()))
    for lock in gone:
        log.info(
            "lock on %s of company %s held by %s expired: no heartbeat for %s s",
            lock.resource,
            lock.company_id,
            lock.holder,
            config_get().lock_timeout,
        )
    return gone


def locks_of_company(*, company: Company) -> dict[str, dict]:
    """Live locks by resource, for pages to show 🔒 with the holder's name."""
    locks = EditLock.objects.filter(company=company, heartbeat_at__gte=_stale_before())
    return {
        lock.resource: {"id": lock.holder_id, "name": lock.holder.get_username()}
        for lock in locks.select_related("holder")
    }
