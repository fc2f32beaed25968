"""Every lock transition: acquire, conflict (holder named), renew, heartbeat, release, release on
disconnect, take-over only after expiry, break by an owner, refusal for viewers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.functions import Now

from config.models import ServerConfig
from config.selectors import config_forget, config_get
from core.errors import Locked, NotAllowed, StaleVersion
from locking.models import EditLock
from locking.services import (
    lock_acquire,
    lock_break,
    lock_heartbeat,
    lock_release,
    locks_expire,
    locks_of_company,
    locks_release_for_connection,
)
from locking.signals import lock_changed
from tests.conftest import sale
from vouchers.models import Voucher
from vouchers.services import voucher_alter, voucher_delete


@pytest.fixture
def resource(voucher):
    return f"voucher:{voucher.pk}"


@pytest.fixture
def announcements():
    heard: list[dict] = []

    def listen(**kwargs):
        heard.append(
            {
                "resource": kwargs["resource"],
                "holder": kwargs["holder"].username if kwargs["holder"] else None,
                "broken_by": kwargs["broken_by"],
            }
        )

    lock_changed.connect(listen, dispatch_uid="test-listen")
    yield heard
    lock_changed.disconnect(dispatch_uid="test-listen")


def age(resource: str, seconds: int) -> None:
    """Make a lease look `seconds` old, as if its browser had died that long ago."""
    EditLock.objects.filter(resource=resource).update(
        heartbeat_at=Now() - dt.timedelta(seconds=seconds)
    )


def test_acquire_names_the_holder_to_the_next_person(
    company, alice, bob, resource, announcements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lock = lock_acquire(company=company, resource=resource, actor=bob, connection_id="page-1")
    assert (lock.holder, lock.connection_id) == (bob, "page-1")
    assert announcements == [{"resource": resource, "holder": "bob", "broken_by": ""}]
    with pytest.raises(Locked) as caught:
        lock_acquire(company=company, resource=resource, actor=alice)
    assert caught.value.holder == "bob"
    assert str(caught.value).startswith("In use by bob since ")
    assert "it opens for you when bob saves or leaves" in str(caught.value)


def test_the_holder_renews_without_a_fuss(company, bob, resource):
    first = lock_acquire(company=company, resource=resource, actor=bob, connection_id="a")
    again = lock_acquire(company=company, resource=resource, actor=bob, connection_id="b")
    assert again.pk == first.pk
    assert again.acquired_at == first.acquired_at
    assert again.connection_id == "b"


def test_heartbeat_keeps_the_lease_of_that_page(company, bob, resource):
    lock_acquire(company=company, resource=resource, actor=bob, connection_id="page-1")
    age(resource, 20)
    assert lock_heartbeat(actor=bob, connection_id="other-page") == 0
    assert lock_heartbeat(actor=bob, connection_id="page-1") == 1
    assert locks_expire() == []


def test_a_lease_is_taken_over_only_after_it_expires(company, alice, bob, resource, settings):
    lock_acquire(company=company, resource=resource, actor=bob)
    age(resource, config_get().lock_timeout - 5)
    with pytest.raises(Locked):
        lock_acquire(company=company, resource=resource, actor=alice)
    age(resource, config_get().lock_timeout + 1)
    assert lock_acquire(company=company, resource=resource, actor=alice).holder == alice


def test_the_lease_follows_the_configured_lock_timeout(company, alice, bob, resource):
    ServerConfig.objects.update_or_create(pk=1, defaults={"lock_timeout": 120})
    config_forget()
    lock_acquire(company=company, resource=resource, actor=bob)
    age(resource, 100)  # past the default 30 s, within the configured 120 s
    with pytest.raises(Locked):
        lock_acquire(company=company, resource=resource, actor=alice)
    assert locks_expire() == []


def test_release_lets_go_and_only_the_holder_can(company, alice, bob, resource, announcements):
    lock_acquire(company=company, resource=resource, actor=bob)
    assert lock_release(company=company, resource=resource, actor=alice) is False
    assert lock_release(company=company, resource=resource, actor=bob) is True
    assert not EditLock.objects.exists()


def test_a_closed_socket_releases_its_pages_locks(company, alice, bob, ledgers, resource):
    lock_acquire(company=company, resource=resource, actor=bob, connection_id="page-1")
    ledger = f"ledger:{ledgers['party'].pk}"
    lock_acquire(company=company, resource=ledger, actor=bob, connection_id="page-2")
    assert locks_release_for_connection(actor=alice, connection_id="page-1") == 0  # not hers
    assert locks_release_for_connection(actor=bob, connection_id="page-1") == 1
    assert list(EditLock.objects.values_list("resource", flat=True)) == [ledger]


def test_the_sweeper_frees_a_dead_browsers_lease(company, bob, resource, settings, caplog):
    lock_acquire(company=company, resource=resource, actor=bob)
    age(resource, config_get().lock_timeout + 1)
    assert [lock.resource for lock in locks_expire()] == [resource]
    assert "expired: no heartbeat" in caplog.text
    assert locks_of_company(company=company) == {}


def test_an_owner_breaks_a_lock_and_the_holder_is_told(
    company, alice, bob, resource, announcements, django_capture_on_commit_callbacks
):
    lock_acquire(company=company, resource=resource, actor=bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert lock_break(company=company, resource=resource, actor=alice)
    assert announcements[-1] == {"resource": resource, "holder": None, "broken_by": "alice"}


def test_only_owners_break_locks(company, alice, bob, resource):
    lock_acquire(company=company, resource=resource, actor=alice)
    with pytest.raises(NotAllowed):
        lock_break(company=company, resource=resource, actor=bob)


def test_viewers_take_no_locks(company, charlie, resource):
    with pytest.raises(NotAllowed):
        lock_acquire(company=company, resource=resource, actor=charlie)


def test_a_save_while_someone_else_holds_the_lock_is_refused(
    company, alice, bob, voucher, resource
):
    lock_acquire(company=company, resource=resource, actor=bob)
    with pytest.raises(Locked):
        voucher_alter(company=company, voucher=voucher, actor=alice, data=sale("5"), version=1)
    with pytest.raises(Locked):
        voucher_delete(company=company, voucher=voucher, actor=alice, version=1)
    assert Voucher.objects.get(pk=voucher.pk).version == 1


def test_the_holders_save_releases_the_lock(company, bob, voucher, resource):
    lock_acquire(company=company, resource=resource, actor=bob)
    voucher_alter(company=company, voucher=voucher, actor=bob, data=sale("5"), version=1)
    assert not EditLock.objects.exists()


def test_an_expired_holder_still_cannot_overwrite_a_newer_version(
    company, alice, bob, voucher, resource, settings
):
    """The version check is the backstop behind the lock."""
    lock_acquire(company=company, resource=resource, actor=bob)
    age(resource, config_get().lock_timeout + 1)
    lock_acquire(company=company, resource=resource, actor=alice)
    voucher_alter(company=company, voucher=voucher, actor=alice, data=sale("7"), version=1)
    with pytest.raises(StaleVersion) as caught:
        voucher_alter(company=company, voucher=voucher, actor=bob, data=sale("9"), version=1)
    assert (caught.value.current_version, caught.value.altered_by) == (2, "alice")
