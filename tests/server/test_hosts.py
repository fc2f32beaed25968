"""Allowed hosts follow this computer's own addresses and the configured names, nothing else;
the socket handshake is held to the same list as the pages."""

import ipaddress
import os
import socket
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings

from server import network
from server.network import allowed_hosts, machine_addresses
from sync.auth import SameOriginValidator


def nic(family, address):
    return SimpleNamespace(family=family, address=address)


@pytest.fixture
def office_machine(monkeypatch):
    """A computer on the office LAN with Wi-Fi switched off and the name tally-pc."""
    interfaces = {
        "lo": [nic(socket.AF_INET, "127.0.0.1"), nic(socket.AF_INET6, "::1")],
        "eth0": [
            nic(socket.AF_INET, "192.168.1.10"),
            nic(socket.AF_INET6, "fe80::1%eth0"),
            nic(socket.AF_INET6, "fd00::10"),
            nic(getattr(socket, "AF_PACKET", 17), "02:00:00:00:00:01"),
        ],
        "wlan0": [nic(socket.AF_INET, "10.0.0.5")],
    }
    up = {"lo": True, "eth0": True, "wlan0": False}
    monkeypatch.setattr(network.psutil, "net_if_addrs", lambda: interfaces)
    monkeypatch.setattr(
        network.psutil, "net_if_stats", lambda: {n: SimpleNamespace(isup=u) for n, u in up.items()}
    )
    monkeypatch.setattr(network.socket, "gethostname", lambda: "Tally-PC")


def test_machine_addresses_are_those_of_interfaces_that_are_up(office_machine):
    assert machine_addresses() == [
        ipaddress.ip_address(ip) for ip in ("127.0.0.1", "192.168.1.10", "::1", "fd00::10")
    ]


def test_allowed_hosts_are_the_machines_names_and_the_configured_ones(office_machine):
    assert allowed_hosts(["tally.lan"]) == [
        "localhost",
        "127.0.0.1",
        "[::1]",
        "192.168.1.10",
        "[fd00::10]",
        "tally-pc",
        "tally-pc.local",
        "tally.lan",
    ]


def test_the_real_machine_is_allowed_and_nothing_foreign():
    hosts = allowed_hosts(["tally.lan"])
    assert {"localhost", "127.0.0.1", socket.gethostname().lower(), "tally.lan"} <= set(hosts)
    assert {network.url_host(ip) for ip in machine_addresses()} <= set(hosts)
    assert "*" not in hosts
    assert "evil.example" not in hosts


def test_the_fallback_hosts_are_looked_up_at_first_use_and_once(office_machine, monkeypatch):
    looked = []
    addresses = network.psutil.net_if_addrs
    monkeypatch.setattr(network.psutil, "net_if_addrs", lambda: looked.append(1) or addresses())
    hosts = network.MachineHosts()  # as settings build it: nothing looked up yet
    assert looked == []
    assert "tally-pc.local" in hosts
    assert "evil.example" not in hosts
    assert list(hosts)[-2:] == ["tally-pc", "tally-pc.local"] and len(hosts) == 7
    assert looked == [1]


@pytest.mark.skipif("ALLOWED_HOSTS" in os.environ, reason="ALLOWED_HOSTS set by the environment")
def test_settings_compute_the_hosts_instead_of_allowing_all():
    assert set(allowed_hosts()) <= set(settings.ALLOWED_HOSTS)
    assert "*" not in settings.ALLOWED_HOSTS


@pytest.mark.django_db
def test_a_foreign_host_header_gets_400(client):
    with override_settings(ALLOWED_HOSTS=allowed_hosts(["tally.lan"])):
        assert client.get("/login/", HTTP_HOST="evil.example").status_code == 400
        assert client.get("/login/", HTTP_HOST="tally.lan:9000").status_code == 200
        assert client.get("/login/", HTTP_HOST="127.0.0.1:9000").status_code == 200


async def accept(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})


def handshake(host: str, origin: str | None = None) -> bool:
    headers = [(b"host", host.encode())]
    if origin:
        headers.append((b"origin", origin.encode()))

    async def scenario():
        communicator = WebsocketCommunicator(SameOriginValidator(accept), "/ws/c/1/", headers)
        connected, _ = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return connected

    return async_to_sync(scenario)()


# The refusal is logged from a worker thread: it needs committed, shared tables.
@pytest.mark.django_db(transaction=True)
@override_settings(ALLOWED_HOSTS=["127.0.0.1", "tally.lan"])
def test_the_socket_refuses_a_host_that_pages_refuse():
    """DNS rebinding: evil.example's page, pointed at our address, is its own origin."""
    assert handshake("evil.example:9000", origin="http://evil.example:9000") is False
    assert handshake("") is False
    assert handshake("tally.lan:9000", origin="http://tally.lan:9000") is True
    assert handshake("127.0.0.1:9000") is True
