"""Connection registry benchmark: per-frame counting, the 2 s counter flush, connect + close and
the Server Monitor, each against a baseline timed in the same run (interleaved, on the same
SQLite file). JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 26)
FY_START = dt.date(2026, 4, 1)
ROWS, HOLDERS, SAMPLE_EVERY = 1000, 40, 2  # live sockets, distinct users holding them, seconds
NARRATION_ASCII = "Invoice for Sharma Enterprises"
NARRATION_NON_ASCII = "₹ 1,00,000 बिक्री — शर्मा एंटरप्राइजेज को बीजक"
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
Case = Callable[[], object] | tuple[Callable[[], object], Callable[[], object]]  # fn, untimed setup


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def summary(samples: list[float], digits: int = 3) -> dict[str, Any]:
    ordered = sorted(samples)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return {
        "median": round(statistics.median(ordered), digits),
        "p95": round(p95, digits),
        "runs": len(ordered),
    }


def interleaved(cases: dict[str, Case], runs: int, warmups: int) -> dict[str, dict[str, Any]]:
    """Time every case once per round, round after round, so that load on the machine falls on
    the cases and their baseline alike. A case is a callable, or (callable, untimed setup)."""
    plan = [
        (name, *(case if isinstance(case, tuple) else (case, None))) for name, case in cases.items()
    ]
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(warmups + runs):
        for name, fn, setup in plan:
            if setup is not None:
                setup()
            start = time.perf_counter()
            fn()
            elapsed = (time.perf_counter() - start) * 1000
            if round_ >= warmups:
                samples[name].append(elapsed)
    return {name: {**summary(s), "unit": "ms"} for name, s in samples.items()}


def dumps(value: Any, indent: str = "") -> str:
    """JSON, indented, with each object or list of plain values on one line when it fits."""
    flat = json.dumps(value, ensure_ascii=False)
    leaves = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list) or (
        not any(isinstance(v, dict | list) for v in leaves) and len(indent) + len(flat) <= 96
    ):
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + dumps(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + f"\n{indent}}}"


def ratio(a: dict[str, Any], b: dict[str, Any]) -> float:
    return round(a["median"] / b["median"], 3)


def git_commit() -> dict[str, Any]:
    """HEAD and whether the working tree differs from it (read-only git: no index lock)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    changed = [line for line in status.stdout.splitlines() if line.strip()]
    registry_files = ("sync/registry.py", "sync/models.py", "server/selectors.py")
    return {
        "head": head.stdout.strip(),
        "working_tree_dirty": bool(changed),
        "changed_paths": len(changed),
        "note": "the registry code measured is uncommitted work on top of HEAD"
        if any(p in status.stdout for p in registry_files)
        else "",
    }


# ---------------------------------------------------------------------------------------------
# The office: users, companies, ledgers


class Office:
    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from books.services import company_create
        from companies.models import Membership
        from ledgers.services import ledger_create

        users = get_user_model().objects
        self.owner = users.create_user("owner", is_staff=True)  # staff create companies
        self.member = users.create_user("accountant")
        self.staff = users.create_user("admin", is_staff=True)
        self.holders = [users.create_user(f"user{i:02d}") for i in range(HOLDERS)]
        self.companies = [
            company_create(
                actor=self.owner, name=name, state="Maharashtra", financial_year_start=FY_START
            )
            for name in ("Sharma Traders", "Gupta Stores", "Mehta & Sons")
        ]
        self.company = self.companies[0]  # the dashboard's: its books stay the same size
        # The timed saves go to a company of their own, so the dashboard baseline does not grow.
        self.saves = company_create(
            actor=self.owner, name="Bench Saves", financial_year_start=FY_START
        )
        Membership.objects.create(user=self.member, company=self.company, role="accountant")
        for company in (self.company, self.saves):
            for name, group in (
                ("Sharma Enterprises", "Sundry Debtors"),
                ("Sales", "Sales Accounts"),
            ):
                ledger_create(
                    company=company, actor=self.owner, data={"name": name, "group": group}
                )

    def sale(self, narration: str = NARRATION_ASCII, *, books: bool = False) -> Any:
        """One two-line sales voucher, as tests/conftest.py `sale()` builds it: in the bench's
        own company, or (`books`) in the dashboard's company."""
        from vouchers.services import voucher_create

        data = {
            "type": "Sales",
            "date": DAY.isoformat(),
            "narration": narration,
            "entries": [
                {"ledger": "Sharma Enterprises", "debit": "100000.00"},
                {"ledger": "Sales", "credit": "100000.00"},
            ],
        }
        company = self.company if books else self.saves
        return voucher_create(company=company, actor=self.owner, data=data)


def set_limit(max_users: int) -> None:
    from config.models import ServerConfig
    from config.selectors import config_forget

    ServerConfig.objects.update_or_create(pk=1, defaults={"max_users": max_users})
    config_forget()


def processes() -> list[str]:
    """Three server processes of this host that are alive (the registry skips the rows of
    local processes that no longer run): this one, our parent, and pid 1."""
    from sync.registry import HOST, PROCESS

    return [PROCESS, f"{HOST}:{os.getppid()}", f"{HOST}:1"]


def connections_make(office: Office, count: int, rng: random.Random) -> list[str]:
    """`count` live Connection rows over HOLDERS users, 3 companies and 3 processes."""
    from django.utils import timezone

    from companies.models import Company
    from sync.models import Connection

    now, procs = timezone.now(), processes()
    last_seq = dict(Company.objects.values_list("pk", "last_seq"))
    rows = []
    for i in range(count):
        company = office.companies[i % 3]
        pinged = i % 10 != 0  # one in ten has not pinged yet
        rows.append(
            Connection(
                id=f"bench{i:06d}{rng.getrandbits(40):010x}",
                process=procs[i % 3],
                user=office.holders[i % HOLDERS],
                company=company,
                ip=f"192.168.{1 + i // 250}.{1 + i % 250}",
                browser=AGENTS[i % len(AGENTS)],
                connected_at=now - dt.timedelta(seconds=rng.uniform(60, 8 * 3600)),
                last_ping_at=now - dt.timedelta(seconds=rng.uniform(0, 10)) if pinged else None,
                seen_at=now,
                ack_seq=max(last_seq[company.pk] - rng.choice((0, 0, 0, 1, 3)), 0)
                if pinged
                else None,
                clock_skew_ms=rng.randint(-900, 900) if pinged else None,
                messages_in=rng.randint(0, 3000),
                messages_out=rng.randint(0, 30000),
                bytes_in=rng.randint(0, 300_000),
                bytes_out=rng.randint(0, 30_000_000),
            )
        )
    Connection.objects.bulk_create(rows, batch_size=500)
    return [row.id for row in rows]


# ---------------------------------------------------------------------------------------------
# 1. Per-frame counting


def frames_render(office: Office) -> dict[str, str]:
    """Real change frames as the publisher renders them, and the same non-ASCII message without
    JSON's \\u escapes (what the counter would see if frames carried raw UTF-8)."""
    from sync.fragments import change_patch
    from sync.protocol import change_frame

    ascii_frame = change_frame(change := office.sale(books=True).change, change_patch(change))
    non_ascii = office.sale(NARRATION_NON_ASCII, books=True).change
    non_ascii_frame = change_frame(non_ascii, change_patch(non_ascii))
    raw = json.dumps(json.loads(non_ascii_frame), ensure_ascii=False, separators=(",", ":"))
    return {"ascii": ascii_frame, "non_ascii_narration": non_ascii_frame, "raw_utf8": raw}


def frame_counting(frames: dict[str, str], samples: int, loops: int) -> dict[str, Any]:
    from sync import registry
    from sync.consumers import INBOX

    def per_call(fn: Callable[[Any, Any], object], a: Any, b: Any) -> float:
        start = time.perf_counter_ns()
        for _ in range(loops):
            fn(a, b)
        return (time.perf_counter_ns() - start) / loops

    def hop(queue: asyncio.Queue, item: tuple[str, int, str]) -> None:
        queue.put_nowait(item)  # Hub -> CompanyConsumer.deliver
        queue.get_nowait()  # CompanyConsumer._write's inbox.get() when a frame waits

    def noop(a: Any, b: Any) -> None:
        return None

    async def run() -> dict[str, list[float]]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=INBOX)
        stats = registry.SocketStats(connection_id="bench")
        ping = json.dumps({"type": "ping", "seq": 12345, "client_time": "2026-11-26T10:00:00.000Z"})
        cases: dict[str, tuple[Callable[[Any, Any], object], Any, Any]] = {
            "baseline_queue_hop": (hop, queue, ("frame", 1, frames["ascii"])),
            **{f"sent_{k}": (registry.sent, stats, text) for k, text in frames.items()},
            "received_ping": (registry.received, stats, ping),
            "empty_call": (noop, stats, frames["ascii"]),
        }
        out: dict[str, list[float]] = {name: [] for name in cases}
        for round_ in range(2 + samples):
            for name, (fn, a, b) in cases.items():
                ns = per_call(fn, a, b)
                if round_ >= 2:
                    out[name].append(ns)
        return out

    timings = {name: {**summary(s, 1), "unit": "ns/call"} for name, s in asyncio.run(run()).items()}
    base = timings["baseline_queue_hop"]
    return {
        "frames": {
            k: {"chars": len(t), "utf8_bytes": len(t.encode()), "is_ascii": t.isascii()}
            for k, t in frames.items()
        },
        "loops_per_sample": loops,
        "results": timings,
        "ratios": {f"{k}_over_queue_hop": ratio(timings[f"sent_{k}"], base) for k in frames},
    }


# ---------------------------------------------------------------------------------------------
# 2. The flush, 3. connect + close


def flush_bulk_update_before(*, totals: Any, seconds: float, dirty: list[Any]) -> None:
    """registry.flush as it was first written, the baseline of the one that replaced it:
    bulk_update (CASE WHEN expressions built in Python) inside the IMMEDIATE transaction."""
    from django.db import transaction
    from django.utils import timezone

    from sync import registry
    from sync.models import Connection, TrafficSample

    now = timezone.now()
    rows = [
        Connection(
            id=s.connection_id,
            messages_in=s.messages_in,
            messages_out=s.messages_out,
            bytes_in=s.bytes_in,
            bytes_out=s.bytes_out,
            ack_seq=s.ack_seq,
            clock_skew_ms=s.clock_skew_ms,
            last_ping_at=s.last_ping_at,
            seen_at=now,
        )
        for s in dirty
    ]
    with transaction.atomic():
        if rows:
            Connection.objects.bulk_update(rows, registry.FLUSHED_FIELDS, batch_size=200)
        if totals.messages_in or totals.messages_out:
            TrafficSample.objects.create(
                process=registry.PROCESS, at=now, seconds=seconds, **vars(totals)
            )


def flush_bench(office: Office, ids: list[str], runs: int, warmups: int) -> dict[str, Any]:
    from django.db import connection

    from sync import registry
    from sync.models import Connection, TrafficSample

    counter = iter(range(1, 10**9))
    totals = registry.Traffic(messages_in=40, messages_out=900, bytes_in=3600, bytes_out=1_300_000)

    def dirty(n: int, k: int | None = None) -> list[registry.SocketStats]:
        k, now = k or next(counter), dt.datetime.now(dt.UTC)
        return [
            registry.SocketStats(
                connection_id=cid,
                messages_in=k,
                messages_out=10 * k,
                bytes_in=100 * k,
                bytes_out=1500 * k,
                ack_seq=k,
                clock_skew_ms=-40 - k % 7,
                last_ping_at=now,
            )
            for cid in ids[:n]
        ]

    def flush(n: int, how: Callable[..., None] = registry.flush) -> Case:
        batch: list[list[registry.SocketStats]] = []

        def setup() -> None:  # what ProcessTraffic.take hands the flushing thread
            batch[:] = [dirty(n)]

        return (lambda: how(totals=totals, seconds=2.0, dirty=batch[0]), setup)

    def take(n: int) -> Case:
        """ProcessTraffic.take on the event loop: copies the dirty sockets' stats."""
        traffic = registry.ProcessTraffic()

        def setup() -> None:
            traffic.dirty = {s.connection_id: s for s in dirty(n)}

        return (lambda: traffic.take(time.monotonic()), setup)

    def save_during(how: Callable[..., None]) -> Callable[[], None]:
        """A voucher_create started 10 ms after a 200-socket flush began in another thread of
        this process (as the server runs the flush in a worker thread beside the requests)."""

        def flusher(batch: list[registry.SocketStats]) -> None:
            try:
                how(totals=totals, seconds=2.0, dirty=batch)
            finally:
                connection.close()

        def run() -> None:
            thread = threading.Thread(target=flusher, args=(dirty(200),))
            thread.start()
            time.sleep(0.010)
            start = time.perf_counter()
            office.sale()
            samples[how.__name__].append((time.perf_counter() - start) * 1000)
            thread.join()

        return run

    # Both flushes write the same values (seen_at aside: it is each flush's own now).
    def state() -> list[tuple]:
        fields = [f for f in registry.FLUSHED_FIELDS if f != "seen_at"]
        return list(Connection.objects.filter(pk__in=ids).order_by("pk").values_list(*fields))

    before, same = dirty(len(ids), 10**6), dirty(len(ids), 10**6 + 1)
    registry.flush(totals=totals, seconds=2.0, dirty=before)
    flush_bulk_update_before(totals=totals, seconds=2.0, dirty=same)
    theirs = state()
    registry.flush(totals=totals, seconds=2.0, dirty=before)
    registry.flush(totals=totals, seconds=2.0, dirty=same)
    if state() != theirs:
        raise SystemExit("the bulk_update flush does not write what registry.flush writes")

    cases: dict[str, Case] = {
        "baseline_voucher_create": office.sale,
        "flush_sample_only": flush(0),
        **{f"flush_{n}": flush(n) for n in (10, 200, 1000)},
        "heartbeat_and_prune_1000": registry.heartbeat_and_prune,
        **{f"take_{n}": take(n) for n in (200, 1000)},
        **{
            f"before_bulk_update_flush_{n}": flush(n, flush_bulk_update_before)
            for n in (10, 200, 1000)
        },
    }
    results = interleaved(cases, runs, warmups)
    log("   a save while a 200-socket flush runs")
    samples: dict[str, list[float]] = {"flush": [], "flush_bulk_update_before": []}
    contention = interleaved(
        {
            "voucher_create_alone": office.sale,
            "voucher_create_during_flush_200": save_during(registry.flush),
            "voucher_create_during_before_bulk_update_flush_200": save_during(
                flush_bulk_update_before
            ),
        },
        runs,
        warmups,
    )
    for name, how in (
        ("flush_200", "flush"),
        ("before_bulk_update_flush_200", "flush_bulk_update_before"),
    ):
        # the save alone, not the thread's start and join that interleaved() timed around it
        contention[f"voucher_create_during_{name}"] = {
            **summary(samples[how][warmups:]),
            "unit": "ms",
        }
    TrafficSample.objects.all().delete()
    base = results["baseline_voucher_create"]
    flush_200 = results["flush_200"]["median"]
    heartbeat = results["heartbeat_and_prune_1000"]["median"]
    every_ms, heartbeat_ms = registry.FLUSH_EVERY * 1000, registry.HEARTBEAT_EVERY * 1000
    return {
        "live_rows": len(ids),
        "results": results,
        "ratios": {
            f"{name}_over_voucher_create": ratio(r, base)
            for name, r in results.items()
            if name.startswith(("flush", "heartbeat", "before"))
        },
        "at_1000_sockets_pinging_every_10s": {
            "dirty_per_flush": 200,
            "flush_share_of_write_time": round(flush_200 / every_ms, 4),
            "heartbeat_share_of_write_time": round(heartbeat / heartbeat_ms, 4),
            "before_bulk_update_flush_share_of_write_time": round(
                results["before_bulk_update_flush_200"]["median"] / every_ms, 4
            ),
        },
        "save_while_flushing": {
            "results": contention,
            "ratios": {
                f"{name}_over_alone": ratio(r, contention["voucher_create_alone"])
                for name, r in contention.items()
                if name != "voucher_create_alone"
            },
        },
    }


def connect_bench(office: Office, runs: int, warmups: int) -> dict[str, Any]:
    from django.contrib.auth.models import AbstractBaseUser
    from django.utils import timezone

    from sync import registry

    ids = iter(range(10**9))
    opened: list[str] = []

    def open_() -> None:
        opened.append(f"open{next(ids):012d}")
        registry.connection_open(
            connection_id=opened[-1],
            user=office.member,
            company_id=office.company.pk,
            ip="192.168.1.77",
            browser=AGENTS[0],
        )

    def close() -> None:
        registry.connection_close(
            stats=registry.SocketStats(connection_id=opened.pop()),
            username=office.member.get_username(),
            company_id=office.company.pk,
            ip="192.168.1.77",
            code=1001,
        )

    def seats(user: AbstractBaseUser) -> Callable[[], None]:
        return lambda: registry.seats_check(limit=50, user=user, now=timezone.now())

    out: dict[str, Any] = {}
    for limit in (0, 50):
        set_limit(limit)
        cases: dict[str, Case] = {
            "baseline_voucher_create": office.sale,
            "open": open_,
            "close": close,
        }
        if limit:
            cases["seats_check_alone"] = seats(office.member)
        results = interleaved(cases, runs, warmups)
        results["open_plus_close"] = {
            "median": round(results["open"]["median"] + results["close"]["median"], 3),
            "unit": "ms (sum of the medians)",
        }
        base = results["baseline_voucher_create"]
        out[f"max_users_{limit}"] = {
            "results": results,
            "ratios": {
                f"{name}_over_voucher_create": ratio(results[name], base)
                for name in ("open", "close", "open_plus_close", "seats_check_alone")
                if name in results
            },
        }
    set_limit(0)
    live = registry.connections_live().values("user").distinct().count()
    return {"live_rows": registry.connections_live().count(), "distinct_users": live, **out}


# ---------------------------------------------------------------------------------------------
# 4. The Server Monitor


class MonitorScene:
    """Live rows, 60 s of traffic samples from 3 processes and the event log, kept current:
    `freshen` (untimed, before each request) moves every timestamp forward by the time passed,
    so rows stay live and samples stay in the chart's 60 s window."""

    def __init__(self, office: Office, rng: random.Random) -> None:
        from django.utils import timezone

        from sync import registry
        from sync.models import ConnectionEvent, TrafficSample

        self.office, self.rng = office, rng
        TrafficSample.objects.all().delete()
        now, samples = timezone.now(), []
        for process in processes():
            for k in range(60 // SAMPLE_EVERY):
                n = rng.randint(5, 400)
                samples.append(
                    TrafficSample(
                        process=process,
                        at=now - dt.timedelta(seconds=k * SAMPLE_EVERY + rng.random()),
                        seconds=SAMPLE_EVERY,
                        messages_in=n // 5,
                        messages_out=n,
                        bytes_in=90 * n // 5,
                        bytes_out=1400 * n,
                    )
                )
        TrafficSample.objects.bulk_create(samples)
        kinds = [registry.Kind.CONNECT, registry.Kind.DISCONNECT, registry.Kind.RESUME]
        ConnectionEvent.objects.bulk_create(
            ConnectionEvent(
                at=now - dt.timedelta(seconds=i),
                kind=kinds[i % 3],
                process=processes()[i % 3],
                username=office.holders[i % HOLDERS].get_username(),
                company_id=office.companies[i % 3].pk,
                ip=f"192.168.1.{1 + i % 250}",
                code=1001 if kinds[i % 3] == registry.Kind.DISCONNECT else None,
                detail="page closed or reloaded"
                if kinds[i % 3] == registry.Kind.DISCONNECT
                else "",
            )
            for i in range(120)
        )
        self.last = now

    def freshen(self) -> None:
        from django.db.models import F
        from django.utils import timezone

        from sync.models import Connection, TrafficSample

        now = timezone.now()
        delta, self.last = now - self.last, now
        Connection.objects.update(
            seen_at=now,
            connected_at=F("connected_at") + delta,
            last_ping_at=F("last_ping_at") + delta,
        )
        TrafficSample.objects.update(at=F("at") + delta)


def monitor_bench(office: Office, runs: int, warmups: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from server.selectors import CLIENTS_SHOWN
    from sync.models import Connection, ConnectionEvent, TrafficSample

    Connection.objects.all().delete()
    set_limit(0)
    scene = MonitorScene(office, rng)
    staff, member = Client(), Client()
    staff.force_login(office.staff)
    member.force_login(office.member)
    poll = {"HX-Request": "true", "HX-Current-URL": "http://testserver/monitor/"}
    pages: dict[str, Callable[[], Any]] = {
        "monitor_full": lambda: staff.get("/monitor/"),
        "monitor_poll_live": lambda: staff.get(
            "/monitor/", headers={**poll, "HX-Target": "monitor-live"}
        ),
        "monitor_poll_events": lambda: staff.get(
            "/monitor/", headers={**poll, "HX-Target": "monitor-events"}
        ),
        "baseline_dashboard": lambda: member.get(f"/c/{office.company.pk}/"),
    }

    def checked(name: str, fn: Callable[[], Any]) -> Callable[[], None]:
        def call() -> None:
            response = fn()
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")

        return call

    def census(rows: int, limit: int = 0) -> dict[str, Any]:
        """Each page's query count and size once, then (see timings) the same pages timed."""
        set_limit(limit)
        out = {}
        for name, fn in pages.items():
            scene.freshen()
            with CaptureQueriesContext(connection) as queries:
                response = fn()
            if response.status_code != 200:
                raise SystemExit(f"{name} with {rows} rows: HTTP {response.status_code}")
            body = response.content.decode()
            out[name] = {"queries": len(queries), "kib": round(len(body) / 1024, 1)}
            if name.startswith("monitor") and name != "monitor_poll_events":
                shown = body.count('<tr id="client-')
                if shown != min(rows, CLIENTS_SHOWN):  # the page shows at most CLIENTS_SHOWN
                    raise SystemExit(f"{name}: {shown} client rows shown, {rows} live")
                out[name]["client_rows_shown"] = shown
        return out

    def timings(limit: int = 0) -> dict[str, Any]:
        set_limit(limit)
        cases = {name: (checked(name, fn), scene.freshen) for name, fn in pages.items()}
        results = interleaved(cases, runs, warmups)
        base = results["baseline_dashboard"]
        return {
            "results": results,
            "ratios": {
                f"{n}_over_dashboard": ratio(r, base)
                for n, r in results.items()
                if n != "baseline_dashboard"
            },
        }

    out: dict[str, Any] = {}
    connections_make(office, 10, rng)
    log("monitor: 10 live rows")
    out["rows_10"] = {"pages": census(10), **timings()}
    connections_make(office, ROWS - 10, rng)
    log(f"monitor: {ROWS} live rows")
    out[f"rows_{ROWS}"] = {"pages": census(ROWS), **timings()}
    log(f"monitor: {ROWS} live rows, max_users 50 (UserLimitMiddleware runs seats_check)")
    limited = census(ROWS, limit=50)
    dashboard = checked("dashboard", pages["baseline_dashboard"])
    limit_cases: dict[str, Case] = {
        "dashboard_max_users_0": (dashboard, lambda: set_limit(0)),
        "dashboard_max_users_50": (dashboard, lambda: set_limit(50)),
    }
    limit_results = interleaved(limit_cases, runs, warmups)
    set_limit(0)
    out["dashboard_user_limit"] = {
        "queries": {
            "max_users_0": out[f"rows_{ROWS}"]["pages"]["baseline_dashboard"]["queries"],
            "max_users_50": limited["baseline_dashboard"]["queries"],
        },
        "results": limit_results,
        "ratio_limit_50_over_0": ratio(
            limit_results["dashboard_max_users_50"], limit_results["dashboard_max_users_0"]
        ),
    }
    small, large = out["rows_10"]["pages"], out[f"rows_{ROWS}"]["pages"]
    out["query_count_constant"] = {
        name: small[name]["queries"] == large[name]["queries"] for name in pages
    }
    out["scene"] = {
        "processes": len(processes()),
        "traffic_samples": TrafficSample.objects.count(),
        "events": ConnectionEvent.objects.count(),
        "users_connected": HOLDERS,
        "companies": len(office.companies),
    }
    return out


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="timed runs per case (default 40; --quick 5)")
    parser.add_argument("--monitor-runs", type=int, help="timed page loads (default 30; --quick 3)")
    parser.add_argument(
        "--frame-samples", type=int, help="per-frame samples (default 60; --quick 5)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: few repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its database")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 40)
    monitor_runs = args.monitor_runs or (3 if args.quick else 30)
    frame_samples = args.frame_samples or (5 if args.quick else 60)
    loops = 2000 if args.quick else 20_000
    warmups = 1 if args.quick else 5

    load_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="tallysync-registry-"))
    db = workdir / "registry.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tallysync.settings",
        TALLYSYNC_VAR_DIR=str(workdir / "var"),
        DATABASE_URL=f"sqlite:///{db}",
        SECRET_KEY="registry-bench-only-not-secret",
        TALLYSYNC_EDITLOG_KEY="registry-bench-only-not-secret",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)  # the in-memory layer, as a single-process server runs
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        log(f"workdir {workdir}; migrating")
        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        office = Office()
        for _ in range(20):  # some books, and the company's seq moves on
            office.sale(books=True)
        log("1. per-frame counting")
        counting = frame_counting(frames_render(office), frame_samples, loops)
        log(f"   {json.dumps(counting['ratios'])}")
        ids = connections_make(office, ROWS, rng)
        log(f"2. flush ({ROWS} live rows)")
        flushing = flush_bench(office, ids, runs, warmups)
        log(f"   {json.dumps(flushing['ratios'])}")
        log("3. connect + close")
        connecting = connect_bench(office, runs, warmups)
        log("4. the Server Monitor")
        monitor = monitor_bench(office, monitor_runs, min(warmups, 3), rng)
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()")
            (sqlite_version,) = cursor.fetchone()
        report = {
            "command": " ".join([".venv/bin/python", "bench/registry.py", *sys.argv[1:]]),
            "app_commit": git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_start": [round(x, 2) for x in load_start],
                "load_average_end": [round(x, 2) for x in os.getloadavg()],
            },
            "versions": {
                "python": platform.python_version(),
                "django": django.get_version(),
                "sqlite": sqlite_version,
            },
            "method": {
                "timer": "time.perf_counter; cases of a section interleaved round by round",
                "warmups": warmups,
                "runs": runs,
                "monitor_runs": monitor_runs,
                "frame_samples": frame_samples,
                "database": "a fresh SQLite file in a temp folder (WAL, the app's settings)",
            },
            "frame_counting": counting,
            "flush": flushing,
            "connect_close": connecting,
            "monitor": monitor,
        }
        print(dumps(report))
    finally:
        connection.close()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
