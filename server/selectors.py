"""What the Server Monitor shows: connected clients, users per company, transfer rates, the
connection event log and the server itself — read from sync's registry, so every process counts."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection as database
from django.utils import timezone

import tallysync
from backups.folder import folder_path, last_good
from backups.schedule import WARN_AFTER
from companies.models import Company
from config.selectors import config_get
from sync.context_processors import ping_ms
from sync.models import Connection, ConnectionEvent, TrafficSample
from sync.registry import PROCESS, STARTED_AT, connections_live

RATE_WINDOW = 60  # seconds of transfer history on the chart
NOW_WINDOW = 6  # seconds that make up "now"
BUCKET = 2  # seconds per chart point (the registry flushes every 2 s)
EVENTS_SHOWN = 50
CLIENTS_SHOWN = 200  # rows of the clients table; the counts above it cover them all
BROWSERS = [("Edg", "Edge"), ("OPR", "Opera"), ("Chrome", "Chrome"), ("Firefox", "Firefox")]
SYSTEMS = [("Windows", "Windows"), ("Android", "Android"), ("Mac OS", "macOS"), ("Linux", "Linux")]


@dataclass
class Client:
    row: Connection
    company_name: str
    lag: int | None
    ping_age: float | None  # seconds since the last ping; None before the first
    responding: bool

    @property
    def browser(self) -> str:
        return browser_name(self.row.browser)


def browser_name(agent: str) -> str:
    """ "Chrome 131 on Windows" from a User-Agent header; its start if the browser is unknown."""
    found = next(((token, label) for token, label in BROWSERS if f"{token}/" in agent), None)
    if found is None:
        return agent[:40] or "—"
    major = re.search(rf"{found[0]}/(\d+)", agent)
    system = next((label for token, label in SYSTEMS if token in agent), "")
    name = f"{found[1]} {major.group(1)}" if major else found[1]
    return f"{name} on {system}" if system else name


def clients_get(*, now: dt.datetime) -> list[Client]:
    """Every open socket of every process, oldest first, with its lag and ping age."""
    rows = list(connections_live(now=now).select_related("user").order_by("connected_at"))
    companies = {
        pk: (name, last_seq)
        for pk, name, last_seq in Company.objects.filter(
            pk__in={r.company_id for r in rows}
        ).values_list("pk", "name", "last_seq")
    }
    silent_after = 2 * ping_ms() / 1000 + 2  # two missed pings, and a little slack
    clients = []
    for row in rows:
        ping_age = (now - row.last_ping_at).total_seconds() if row.last_ping_at else None
        quiet = ping_age if ping_age is not None else (now - row.connected_at).total_seconds()
        name, last_seq = companies[row.company_id]  # Connection.company is a CASCADE key
        lag = last_seq - row.ack_seq if row.ack_seq is not None else None
        clients.append(
            Client(
                row=row,
                company_name=name,
                lag=lag,
                ping_age=ping_age,
                responding=quiet <= silent_after,
            )
        )
    return clients


def users_per_company(clients: list[Client]) -> list[dict[str, Any]]:
    users: dict[str, set[str]] = defaultdict(set)
    for client in clients:
        users[client.company_name].add(client.row.user.get_username())
    return [{"company": name, "users": sorted(users[name])} for name in sorted(users)]


def rates_get(*, now: dt.datetime) -> dict[str, Any]:
    """Messages/s and bytes/s in and out: now, over the last minute, and per chart bucket; and
    the processes that sent samples in that minute."""
    since = now - dt.timedelta(seconds=RATE_WINDOW)
    samples = list(
        TrafficSample.objects.filter(at__gt=since).values_list(
            "process", "at", "messages_in", "messages_out", "bytes_in", "bytes_out"
        )
    )
    buckets = [[0, 0, 0, 0] for _ in range(RATE_WINDOW // BUCKET)]
    recent = [0, 0, 0, 0]
    for _, at, *counts in samples:
        index = min(int((at - since).total_seconds() // BUCKET), len(buckets) - 1)
        for i, count in enumerate(counts):
            buckets[index][i] += count
            if (now - at).total_seconds() <= NOW_WINDOW:
                recent[i] += count
    minute = [sum(b[i] for b in buckets) for i in range(4)]
    keys = ("messages_in", "messages_out", "bytes_in", "bytes_out")
    return {
        "now": {k: recent[i] / NOW_WINDOW for i, k in enumerate(keys)},
        "minute": {k: minute[i] / RATE_WINDOW for i, k in enumerate(keys)},
        "chart": chart_points([b[1] / BUCKET for b in buckets], [b[0] / BUCKET for b in buckets]),
        "processes": {process for process, *_ in samples},
    }


def chart_points(sent: list[float], received: list[float]) -> dict[str, Any]:
    """SVG polyline points (100 × 30 view box) for messages/s out and in."""
    top = max([*sent, *received, 1.0])
    step = 100 / max(len(sent) - 1, 1)

    def line(values: list[float]) -> str:
        return " ".join(f"{i * step:.1f},{30 - 28 * v / top:.1f}" for i, v in enumerate(values))

    return {"sent": line(sent), "received": line(received), "top": top}


def events_get(*, kind: str = "") -> list[ConnectionEvent]:
    """The newest events (of one kind, if named), each with its company's name."""
    events = ConnectionEvent.objects.all()
    if kind in ConnectionEvent.Kind.values:
        events = events.filter(kind=kind)
    shown = list(events[:EVENTS_SHOWN])
    names = dict(
        Company.objects.filter(pk__in={e.company_id for e in shown}).values_list("pk", "name")
    )
    for event in shown:
        event.company_name = names.get(event.company_id, "")  # type: ignore[attr-defined]
    return shown


def server_info_get(*, clients: list[Client], sending: set[str]) -> dict[str, Any]:
    """Version, start, backends, and the processes serving sockets (or `sending` samples)."""
    config = config_get()
    processes = {PROCESS, *(c.row.process for c in clients), *sending}
    users = {c.row.user_id for c in clients}
    return {
        "version": tallysync.__version__,
        "process": PROCESS,
        "started_at": STARTED_AT,
        "database": f"{database.display_name} {_database_version()}",
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rpartition(".")[2],
        "processes": sorted(processes),
        "max_users": config.max_users,
        "users": len(users),
    }


def _database_version() -> str:
    version = getattr(database, "pg_version", None)
    if version:
        return f"{version // 10000}.{version % 10000}"
    return sqlite3.sqlite_version


def backups_get(*, now: dt.datetime) -> dict[str, Any]:
    """Every company's last good backup in the backup folder, its age, and a warning when it is
    older than WARN_AFTER (or there is none); the schedule as configured."""
    config = config_get()
    folder = folder_path()
    newest = last_good(folder)
    rows = []
    for pk, name, chain_id in Company.objects.order_by("name", "pk").values_list(
        "pk", "name", "chain_id"
    ):
        archive = newest.get(chain_id)
        at = archive.at if archive else None
        warn = at is None or now - at > WARN_AFTER
        rows.append({"company_id": pk, "company": name, "at": at, "warn": warn})
    return {
        "folder": folder,
        "enabled": config.backup_enabled,
        "time": config.backup_time,
        "companies": rows,
        "warnings": sum(row["warn"] for row in rows),
    }


def monitor_get() -> dict[str, Any]:
    now = timezone.now()
    clients = clients_get(now=now)
    rates = rates_get(now=now)
    return {
        "now": now,
        "clients": clients[:CLIENTS_SHOWN],
        "clients_count": len(clients),
        "clients_hidden": max(0, len(clients) - CLIENTS_SHOWN),
        "silent_count": sum(not c.responding for c in clients),
        "companies": users_per_company(clients),
        "rates": rates,
        "server": server_info_get(clients=clients, sending=rates["processes"]),
        "ping_seconds": ping_ms() // 1000,
        "backups": backups_get(now=now),
    }
