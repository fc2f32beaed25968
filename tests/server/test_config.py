"""ServerConfig validation speaks plainly, and config_update saves, logs and names restarts."""

import time
from types import SimpleNamespace

import pytest
from django.core.cache.backends import locmem
from django.core.exceptions import ValidationError

from config.models import ServerConfig
from config.selectors import CACHE_SECONDS, config_get
from server import limits
from server.services import config_update
from sync.models import ConnectionEvent

pytestmark = pytest.mark.django_db


def errors_of(**values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        ServerConfig(pk=1, **values).full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"port": 80}, "port", "Use a port from 1024 to 65535 (lower ones need root)."),
        ({"port": 70000}, "port", "Use a port from 1024 to 65535."),
        ({"address": "192.168.1.300"}, "address", "Enter a valid IPv4 or IPv6 address."),
        ({"address": "tally-server"}, "address", "Enter a valid IPv4 or IPv6 address."),
        ({"lock_timeout": 2}, "lock_timeout", "A lock timeout under 5 seconds would drop live"),
        ({"lock_timeout": 4000}, "lock_timeout", "Use at most 3600 seconds (one hour)."),
        ({"max_users": 20000}, "max_users", "Use at most 10000 users (0 means no limit)."),
        ({"max_connections": 200_000}, "max_connections", "Use at most 100000 connections."),
        ({"header_timeout": 0}, "header_timeout", "Use at least 1 second."),
        ({"header_timeout": 301}, "header_timeout", "Use at most 300 seconds (five minutes)."),
        (
            {"max_connections_per_address": 30, "max_sockets_per_address": 30},
            "max_connections_per_address",
            "Allow more connections per computer than open pages per computer (30)",
        ),
    ],
)
def test_out_of_range_values_are_refused_with_a_message(values, field, message):
    assert errors_of(**values)[field][0].startswith(message)


def test_bad_host_names_are_named_in_the_message():
    errors = errors_of(host_names="tally-server.local\nbad_name, -dash.lan")
    assert errors["host_names"] == [
        "Not a host name: bad_name, -dash.lan. Use letters, digits, dots and hyphens, "
        "e.g. tally-server or accounts.office.lan."
    ]


def test_the_defaults_are_valid():
    config = ServerConfig(pk=1)
    config.full_clean()
    assert (config.address, config.port, config.lock_timeout) == ("0.0.0.0", 9000, 30)


def test_the_connection_defaults_are_those_a_server_without_serve_applies():
    """The browser tests and the bench start the server without `serve` (server.limits' own
    defaults); a fresh install must behave the same."""
    config = ServerConfig(pk=1)
    assert (config.max_connections, config.max_connections_per_address) == (
        limits.MAX_CONNECTIONS,
        limits.MAX_CONNECTIONS_PER_ADDRESS,
    )
    assert config.header_timeout == limits.HEADER_TIMEOUT


def test_an_update_is_saved_and_logged_on_commit(alice, django_capture_on_commit_callbacks):
    config = config_get()
    config.port, config.lock_timeout = 9001, 60
    with django_capture_on_commit_callbacks(execute=True):
        restart = config_update(config=config, changed=["port", "lock_timeout"], actor=alice)

    assert restart == ["port"]
    assert ServerConfig.objects.get(pk=1).port == 9001
    event = ConnectionEvent.objects.get()
    assert event.kind == ConnectionEvent.Kind.CONFIG
    assert event.username == "alice"
    assert event.detail == "port 9000 → 9001, lock timeout 30 → 60"
    assert config_get().lock_timeout == 60  # the cached row was forgotten


def test_a_lock_timeout_change_needs_no_restart(alice, django_capture_on_commit_callbacks):
    config = config_get()
    config.lock_timeout = 45
    with django_capture_on_commit_callbacks(execute=True):
        assert config_update(config=config, changed=["lock_timeout"], actor=alice) == []


def test_host_names_written_differently_are_no_change(alice, django_capture_on_commit_callbacks):
    config = config_get()
    config.host_names = "tally.lan\naccounts.lan"
    config.save()
    config.host_names = "Tally.lan, accounts.lan"
    with django_capture_on_commit_callbacks(execute=True):
        restart = config_update(config=config, changed=["host_names"], actor=alice)
    assert restart == []
    assert not ConnectionEvent.objects.exists()


def test_an_invalid_update_saves_and_logs_nothing(alice, django_capture_on_commit_callbacks):
    config = config_get()
    config.port = 80
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        config_update(config=config, changed=["port"], actor=alice)
    assert callbacks == []
    assert not ServerConfig.objects.exists()  # never saved: the defaults still hold


@pytest.mark.django_db(transaction=True)
def test_nothing_is_logged_when_the_transaction_rolls_back(alice):
    from django.db import transaction

    config = config_get()
    config.port = 9002
    with pytest.raises(RuntimeError), transaction.atomic():
        config_update(config=config, changed=["port"], actor=alice)
        raise RuntimeError("the caller's transaction fails")
    assert not ServerConfig.objects.exists()
    assert not ConnectionEvent.objects.exists()


def test_another_processs_change_is_seen_within_the_cache_time(db, monkeypatch):
    """Another process's save does not clear this process's cache: the row is read again once
    it is CACHE_SECONDS old, and not before."""

    def age_cache(seconds: float) -> None:  # as if the row had been read `seconds` ago
        clock = SimpleNamespace(time=lambda: time.time() + seconds)
        monkeypatch.setattr(locmem, "time", clock)  # the clock the cache checks expiry by

    ServerConfig.objects.create(pk=1, max_users=0)
    assert config_get().max_users == 0
    ServerConfig.objects.filter(pk=1).update(max_users=3)  # as another process saves it
    age_cache(CACHE_SECONDS - 1)
    assert config_get().max_users == 0
    age_cache(CACHE_SECONDS)
    assert config_get().max_users == 3
