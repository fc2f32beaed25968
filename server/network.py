"""This computer's own addresses and names: what the office computers may call the server.

Settings import this module before Django is set up, so it must not import Django models.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

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
