"""The connection limits a server process reads from its environment (server.limits): defaults
without `serve`, a cap always under the descriptor limit, refusals that say why, and a log that
a client hammering the port cannot fill."""

import resource

import pytest

from server import limits
from server.limits import Limits, RefusalLog, connection_cap, limits_read, refusal


def test_without_the_environment_the_defaults_apply():
    """The browser tests and the bench start the server without `serve`: they get these."""
    assert limits_read({}, descriptors=20_000) == Limits(
        max_connections=1000, per_address=200, header_timeout=10.0, asked=1000, descriptors=20_000
    )


def test_the_environment_sets_each_limit():
    environ = {
        "TALLYSYNC_MAX_CONNECTIONS": "300",
        "TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS": "0",
        "TALLYSYNC_HEADER_TIMEOUT": "0.5",
    }
    read = limits_read(environ, descriptors=20_000)
    assert (read.max_connections, read.per_address, read.header_timeout) == (300, 0, 0.5)
    assert str(read) == (
        "at most 300 connections at once (any per address), request heads within 0.5 s"
    )


@pytest.mark.parametrize(
    ("name", "value", "advice"),
    [
        ("TALLYSYNC_MAX_CONNECTIONS", "-1", "use a whole number, 0 or more (0: no limit)"),
        ("TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS", "lots", "use a whole number, 0 or more"),
        ("TALLYSYNC_HEADER_TIMEOUT", "0", "use a number of seconds above 0"),
        ("TALLYSYNC_HEADER_TIMEOUT", "inf", "use a number of seconds above 0"),
        ("TALLYSYNC_HEADER_TIMEOUT", "nan", "use a number of seconds above 0"),
    ],
)
def test_a_malformed_value_stops_the_start_naming_it(name, value, advice):
    with pytest.raises(ValueError) as caught:
        limits_read({name: value}, descriptors=20_000)
    assert str(caught.value).startswith(f"{name}={value!r}: {advice}")


@pytest.mark.parametrize(
    ("asked", "descriptors", "cap"),
    [
        (1000, 1024, 768),  # a common default limit: 256 kept for the process's own files
        (1000, 4096, 1000),  # room enough: the configured cap
        (0, 4096, 3840),  # no cap of its own: the descriptor limit's
        (1000, 300, 150),  # a very low limit keeps half
        (1000, resource.RLIM_INFINITY, 1000),
    ],
)
def test_the_cap_stays_under_the_descriptor_limit(asked, descriptors, cap):
    assert connection_cap(asked=asked, descriptors=descriptors) == cap


def test_a_cap_lowered_by_the_descriptor_limit_is_said_with_the_numbers():
    assert limits_read({}, descriptors=1024).descriptor_warning() == (
        "The descriptor limit (1024) holds the server to 768 connections at once, under the "
        "1000 configured: raise LimitNOFILE (docs/operations.md)."
    )
    assert limits_read({}, descriptors=20_000).descriptor_warning() is None
    only_descriptors = {"TALLYSYNC_MAX_CONNECTIONS": "0"}
    assert limits_read(only_descriptors, descriptors=1024).descriptor_warning() is None


LIMITS = Limits(max_connections=10, per_address=3, header_timeout=1, asked=10, descriptors=1024)


def test_a_connection_under_both_caps_is_accepted():
    assert refusal(LIMITS, address="10.0.0.5", open_total=9, open_from_address=2) is None


def test_the_server_wide_cap_refuses_everyone_saying_so():
    refused = refusal(LIMITS, address="10.0.0.5", open_total=10, open_from_address=0)
    assert refused is not None
    assert refused.kind == "server"
    assert refused.text == (
        "This server has 10 connections open, as many as it takes at once. Try again in a moment."
    )


def test_the_per_address_cap_names_the_computer():
    refused = refusal(LIMITS, address="10.0.0.5", open_total=3, open_from_address=3)
    assert refused is not None
    assert refused.kind == "address"
    assert refused.text == (
        "This computer (10.0.0.5) has 3 connections to this server open, as many as it takes "
        "from one computer. Close some pages and try again."
    )


def test_no_per_address_cap_when_it_is_zero_or_the_address_unknown():
    unlimited = Limits(max_connections=10, per_address=0, header_timeout=1, asked=10, descriptors=0)
    assert refusal(unlimited, address="10.0.0.5", open_total=5, open_from_address=5) is None
    assert refusal(LIMITS, address=None, open_total=5, open_from_address=5) is None


def test_refusals_are_logged_once_per_kind_every_ten_seconds_then_counted():
    now = [100.0]
    log = RefusalLog(every=10, clock=lambda: now[0])
    assert log.line("address", "Refused a connection: A") == "Refused a connection: A"
    assert log.line("address", "Refused a connection: A") is None
    assert log.line("server", "Refused a connection: S") == "Refused a connection: S"
    now[0] += 9.9
    assert log.line("address", "Refused a connection: A") is None
    now[0] += 0.1
    assert log.line("address", "Refused a connection: A") == (
        "Refused a connection: A (2 more refused since the last line)"
    )


def test_serve_raises_its_soft_descriptor_limit_to_the_hard_one(monkeypatch):
    rlimit = [1024, 524_288]
    monkeypatch.setattr(limits.resource, "getrlimit", lambda which: tuple(rlimit))
    monkeypatch.setattr(
        limits.resource, "setrlimit", lambda which, value: rlimit.__setitem__(0, value[0])
    )
    assert limits.descriptors_raise() == 524_288
