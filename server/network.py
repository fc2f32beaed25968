"""This computer's own addresses and names: what the office computers may call the server.

Settings import this module before Django is set up, so it must not import Django models.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Iterator

import psutil

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names every computer has for itself; "[::1]" is how Django spells the IPv6 loopback in a Host
# header ("::1" without brackets never matches one).
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def machine_addresses() -> list[Address]:
    """Every IPv4 and non-link-local IPv6 address of every interface that is up, IPv4 first."""
    stats = psutil.net_if_stats()
    found: set[Address] = set()
    for interface, addresses in psutil.net_if_addrs().items():
        if interface in stats and not stats[interface].isup:
            continue
        for address in addresses:
            if address.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            # An IPv6 address may carry its zone, e.g. "fe80::1%eth0".
            ip = ipaddress.ip_address(address.address.split("%")[0])
            if not ip.is_link_local:
                found.add(ip)
    return sorted(found, key=lambda ip: (ip.version, ip))


def host_name() -> str:
    """This computer's name, lower case (office computers may reach it as NAME or NAME.local)."""
    return socket.gethostname().lower()


def url_host(ip: Address | str) -> str:
    """An address as it appears in a URL or a Host header: IPv6 in brackets."""
    ip = ipaddress.ip_address(ip)
    return f"[{ip}]" if ip.version == 6 else str(ip)


def allowed_hosts(config_names: Iterable[str] = ()) -> list[str]:
    """The Host header values to accept: loopback, this computer's addresses and name, and the
    configured extra names; nothing else."""
    name = host_name()
    names = [
        *LOOPBACK_NAMES,
        *(url_host(ip) for ip in machine_addresses()),
        *([name, f"{name}.local"] if name else []),
        *config_names,
    ]
    return list(dict.fromkeys(names))


class MachineHosts(list[str]):
    """allowed_hosts(), looked up when a request first needs it rather than when settings are
    imported (every manage.py command would scan the interfaces), then kept for the process, as
    `manage.py serve` keeps the list it computed at start. A list, because Django insists."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._filled = False

    def _fill(self) -> None:
        if self._filled:
            return
        with self._lock:  # two first requests at once: one looks, the other waits for it
            if not self._filled:
                super().extend(allowed_hosts())
                self._filled = True

    def __iter__(self) -> Iterator[str]:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __contains__(self, item: object) -> bool:
        self._fill()
        return super().__contains__(item)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]  # an int or a slice, as list's
        self._fill()
        return super().__getitem__(index)

    def __eq__(self, other: object) -> bool:
        self._fill()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # as list's: defining __eq__ would drop it anyway

    def __repr__(self) -> str:
        self._fill()
        return super().__repr__()


def open_addresses(bind: str, addresses: list[Address]) -> list[Address]:
    """The addresses other computers can open when the server listens on `bind`.

    A wildcard bind serves every address of its family (IPv4 for 0.0.0.0, both for ::); a
    specific one only itself. Loopback only when nothing else is there.
    """
    listen = ipaddress.ip_address(bind)
    if not listen.is_unspecified:
        return [listen]
    usable = [ip for ip in addresses if listen.version == 6 or ip.version == 4]
    lan = [ip for ip in usable if not ip.is_loopback]
    return lan or [ipaddress.ip_address("127.0.0.1")]
