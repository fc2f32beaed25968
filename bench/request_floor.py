"""What one request costs the server's CPU, without a network server: the ASGI application
(`tallysync.asgi`, as uvicorn runs it) driven in this process on a fresh SQLite file,
one request at a time, cases interleaved round by round. JSON on stdout, progress on stderr.

It answers "how many saves per second can one server process do at most?": a process runs
Python under one GIL, so its requests share one core, and a save can be no cheaper than a
request that does nothing. The network server's own HTTP parsing and writing come on top (see
`fanout.py`'s `no_sockets.server_cpu_ms_per_save` for the whole).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.fanout import SEED, voucher_body  # noqa: E402  (fanout.py's office and its saves)

GOAL_SAVES_PER_S = 300.0  # issue 4: one process, SQLite, 100 listeners


def log(message: str) -> None:
    print(f"[request_floor] {message}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Driver:
    """Sends one HTTP request through the ASGI application and returns its status; the answer's
    body is kept in `body` (saves read the version they made from it). Signed in by the API
    `token`, or by a session `cookie`, or not at all."""

    def __init__(self, application: Any, token: str = "", cookie: str = "") -> None:
        self.application, self.token, self.cookie = application, token, cookie
        self.body = b""

    async def request(self, method: str, path: str, body: bytes = b"", query: str = "") -> int:
        headers = [(b"host", b"127.0.0.1")]
        if self.token:
            headers.append((b"authorization", f"Token {self.token}".encode()))
        if self.cookie:
            headers.append((b"cookie", self.cookie.encode()))
        headers += [
            (b"accept", b"application/json"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 9000),
            "headers": headers,
        }
        delivered = False
        status: list[int] = []
        answer: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect while the request runs
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))

        await self.application(scope, receive, send)
        self.body = b"".join(answer)
        return status[0]

    def answer(self) -> dict[str, Any]:
        return json.loads(self.body)


def seed() -> tuple[int, str]:
    """fanout.py's office (its SEED script, run here instead of in `manage.py shell`): a user,
    a company, six ledgers, an API token."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(SEED, {})  # noqa: S102 - the bench's own script
    office = json.loads(printed.getvalue().strip().splitlines()[-1])
    return office["cid"], office["token"]


BIG_LEDGERS = 50_000  # the big company of issue 14: a save there must cost what it costs here


def seed_big(ledgers: int) -> int:
    """A second company of the same owner: the two ledgers `voucher_body` names, through
    `ledger_create`, and `ledgers` Sundry Debtors bulk-inserted (as an import would, without
    Changes), every other one with an opening balance."""
    import datetime as dt

    from django.contrib.auth.models import User

    from books.services import company_create
    from ledgers.models import Group, Ledger
    from ledgers.services import ledger_create

    owner = User.objects.get(username="fanout")
    company = company_create(
        actor=owner, name="Big Traders", financial_year_start=dt.date(2026, 4, 1)
    )
    for name, group in (("Sharma Enterprises", "Sundry Debtors"), ("Sales", "Sales Accounts")):
        ledger_create(company=company, actor=owner, data={"name": name, "group": group})
    debtors = Group.objects.get(company=company, name="Sundry Debtors")
    Ledger.objects.bulk_create(
        (
            Ledger(
                company=company, group=debtors, name=f"Party {n:05}", opening_balance=n % 2 * 100
            )
            for n in range(ledgers)
        ),
        batch_size=2000,
    )
    return company.pk


def hub_render(company_id: int, *, old: bool = False) -> Callable[[int], Any]:
    """A case: the hub's render of the company's next Change (in seq order, each a batch of its
    own, with the company's kept LiveState as the hub keeps it); `old`: every figure read
    afresh per Change, as the feed rendered before the kept totals (tests/sync's `old_patch`)."""
    from asgiref.sync import sync_to_async

    from core.records import LiveState
    from editlog.models import Change
    from sync.protocol import change_frame
    from sync.replay import frames_after
    from tests.sync.test_kept_totals import old_patch

    state, position = LiveState(), [0]

    def render_old() -> list[tuple[int, str]]:
        change = (
            Change.objects.filter(company_id=company_id, seq__gt=position[0])
            .select_related("company")
            .order_by("seq")
            .first()
        )
        return [(change.seq, change_frame(change, old_patch(change)))] if change else []

    def render() -> list[tuple[int, str]]:
        if old:
            return render_old()
        return frames_after(company_id=company_id, after=position[0], limit=1, state=state)

    async def case(i: int) -> int:
        frames = await sync_to_async(render)()
        if not frames:
            return 404
        position[0] = frames[0][0]
        return 200

    return case


def book_load_ms(company_id: int) -> float:
    """Loading a company's kept balances (once per company per process: the first Change a hub
    renders for it, or after a closing stock value or a new year)."""
    from django.utils import timezone

    from companies.models import Company
    from ledgers.live import BalanceBook

    company = Company.objects.get(pk=company_id)
    start = time.process_time()
    BalanceBook(company, timezone.localdate())
    return round((time.process_time() - start) * 1000, 1)


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return f"{head}{' (uncommitted changes)' if dirty else ''}"
    except OSError:
        return "unknown"


async def measure(
    cases: dict[str, tuple[Callable[[int], Any], int]], rounds: int, per_round: int, warmups: int
) -> dict[str, dict[str, list[float]]]:
    """CPU (every thread of this process) and wall ms per request, cases taking turns; and the
    queries and hops one request of each case makes (counted once, after the warm-ups)."""
    samples: dict[str, dict[str, list[float]]] = {n: {"cpu": [], "wall": []} for n in cases}
    counter = 0
    for name, (request, expected) in cases.items():
        for _ in range(warmups):
            counter += 1
            status = await request(counter)
            if status != expected:
                raise SystemExit(f"{name}: HTTP {status}, expected {expected}")
        counter += 1
        before = QUERIES[0]
        with hops_counted() as hops:
            await request(counter)
        samples[name]["queries"] = [float(QUERIES[0] - before)]
        samples[name]["hops"] = [float(hops[kind]) for kind in HOP_KINDS]
    for round_ in range(rounds):
        for name, (request, expected) in cases.items():
            for _ in range(per_round):
                counter += 1
                cpu, wall = time.process_time(), time.perf_counter()
                status = await request(counter)
                samples[name]["cpu"].append((time.process_time() - cpu) * 1000)
                samples[name]["wall"].append((time.perf_counter() - wall) * 1000)
                if status != expected:
                    raise SystemExit(f"{name}: HTTP {status}, expected {expected}")
        log(f"round {round_ + 1}/{rounds}")
    return samples


HOP_KINDS = ("sync_to_async", "async_to_sync", "threads_started")


@contextlib.contextmanager
def hops_counted() -> Any:
    """Count the switches between the event loop and a worker thread while the block runs
    (asgiref's two adapters, each call), and the threads started (asgiref starts one for each
    request's ThreadSensitiveContext, and one more to join it)."""
    import threading

    from asgiref.sync import AsyncToSync, SyncToAsync

    counts = dict.fromkeys(HOP_KINDS, 0)
    to_async, to_sync, start = SyncToAsync.__call__, AsyncToSync.__call__, threading.Thread.start

    async def counted_to_async(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["sync_to_async"] += 1
        return await to_async(self, *args, **kwargs)

    def counted_to_sync(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["async_to_sync"] += 1
        return to_sync(self, *args, **kwargs)

    def counted_start(self: Any) -> None:
        counts["threads_started"] += 1
        start(self)

    SyncToAsync.__call__, AsyncToSync.__call__ = counted_to_async, counted_to_sync
    threading.Thread.start = counted_start
    try:
        yield counts
    finally:
        SyncToAsync.__call__, AsyncToSync.__call__ = to_async, to_sync
        threading.Thread.start = start


# Django's own list (`startproject`'s settings): the baseline a plain Django project serves with.
DJANGO_DEFAULT_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


def handler_built(handler_class: type, middleware: Any) -> Any:
    """An HTTP application of `handler_class` over `middleware` (a handler reads MIDDLEWARE once,
    when it is built: it keeps this chain while the settings go back)."""
    from django.test import override_settings

    with override_settings(MIDDLEWARE=list(middleware)):
        return handler_class()


def short(middleware_path: str) -> str:
    return middleware_path.rsplit(".", 1)[-1]


def chain_cases(handler_class: type, middleware: list[str]) -> list[tuple[str, Any]]:
    """The app's handler over its chain cut back one middleware at a time from the inside: the
    chain down to each middleware, outermost first, then no middleware at all. A middleware's
    share is its case less the next one's, so the shares add up to the whole chain's."""
    chains = [(f"chain_to_{short(m)}", middleware[: i + 1]) for i, m in enumerate(middleware)]
    chains.reverse()
    chains.append(("chain_none", []))
    return [(name, handler_built(handler_class, kept)) for name, kept in chains]


def steps_table(
    cpu_p50: dict[str, float], middleware: list[str], empty: str, baseline: str
) -> dict[str, Any]:
    """Each middleware's share of the empty request (CPU ms p50 of the chain down to it less the
    chain down to the one before it), the handler with no middleware, and what the full app
    adds around that chain (the protocol router and the serving wrapper)."""
    names = [f"chain_to_{short(m)}" for m in middleware]
    rows = {}
    for i, name in enumerate(names):
        outer = names[i - 1] if i else "chain_none"
        rows[short(middleware[i])] = round(cpu_p50[name] - cpu_p50[outer], 3)
    whole = cpu_p50[names[-1]]
    return {
        "handler_and_view_alone": round(cpu_p50["chain_none"], 3),
        "middleware_shares": rows,
        "chain_total": round(whole, 3),
        "router_and_wrappers": round(cpu_p50[empty] - whole, 3),
        "empty_over_plain_django": round(cpu_p50[empty] / cpu_p50[baseline], 2),
    }


QUERIES = [0]  # statements executed by any connection of this process (count_queries)


def count_queries() -> None:
    """Count every statement, whichever thread's connection runs it: the wrapper goes on each
    thread's connection as it is opened."""
    from django.db.backends.signals import connection_created

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        QUERIES[0] += 1
        return execute(sql, params, many, context)

    def wrap(sender: Any, connection: Any, **kwargs: Any) -> None:
        if counted not in connection.execute_wrappers:  # a thread's connection, opened again
            connection.execute_wrappers.append(counted)

    connection_created.connect(wrap, weak=False)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 3),
        "p50": round(pct(values, 50), 3),
        "p90": round(pct(values, 90), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20, help="requests per case per round")
    parser.add_argument("--warmups", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 rounds of 5")
    parser.add_argument(
        "--no-steps",
        action="store_true",
        help="skip the empty request's steps (the chain cut back one middleware at a time)",
    )
    parser.add_argument(
        "--no-saves", action="store_true", help="only the empty requests and their steps"
    )
    parser.add_argument(
        "--big-ledgers", type=int, default=BIG_LEDGERS, help="ledgers of the big company"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.per_round, args.warmups = 2, 5, 5

    load_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="tallysync-floor-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tallysync.settings",
        TALLYSYNC_VAR_DIR=str(workdir / "var"),
        DATABASE_URL=f"sqlite:///{workdir / 'floor.sqlite3'}",
        SECRET_KEY="floor-bench-only-not-secret",
        TALLYSYNC_EDITLOG_KEY="floor-bench-only-not-secret",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",  # the 404 case would log a line per request
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.floor_urls"  # the app's URLs and one empty view
    from django.contrib.auth.models import User
    from django.core.handlers.asgi import ASGIHandler
    from django.core.management import call_command
    from django.db.models.signals import post_save
    from django.test import Client

    from editlog.models import Change
    from sync import publisher
    from tallysync.asgi import application, http_application

    log(f"workdir {workdir}; migrating and seeding")
    call_command("migrate", verbosity=0)
    cid, token = seed()
    log(f"seeding a company of {args.big_ledgers} ledgers")
    big = seed_big(args.big_ledgers)
    driver = Driver(application, token)
    vouchers, ledgers = f"/c/{cid}/vouchers/", f"/c/{cid}/ledgers/"
    empty_url = f"/c/{cid}/floor-empty/"
    browser = Client()
    browser.force_login(User.objects.get(username="fanout"))
    session = f"sessionid={browser.cookies['sessionid'].value}"
    app_handler, middleware = type(http_application), list(settings.MIDDLEWARE)

    def empty_case(app: Any, token: str = "", cookie: str = "") -> tuple[Any, int]:
        through = Driver(app, token, cookie)

        async def empty(i: int) -> int:
            return await through.request("GET", empty_url)

        return empty, 200

    floor_cases = {
        # the app as served: protocol router, serving wrapper, its handler and middleware
        "empty": empty_case(application, token=token),
        "empty_session": empty_case(application, cookie=session),
        # Django's own ASGI handler over the app's middleware (the app's before it had its own)
        "empty_stock_handler": empty_case(handler_built(ASGIHandler, middleware), token=token),
        # the baseline: Django's handler and startproject's middleware, nobody signed in
        "plain_django": empty_case(handler_built(ASGIHandler, DJANGO_DEFAULT_MIDDLEWARE)),
        "plain_django_app_handler": empty_case(
            handler_built(app_handler, DJANGO_DEFAULT_MIDDLEWARE)
        ),
    }
    if not args.no_steps:
        for name, app in chain_cases(app_handler, middleware):
            floor_cases[name] = empty_case(app, token=token)

    async def not_found(i: int) -> int:  # every middleware and the token; no view
        return await driver.request("GET", f"/c/{cid}/no-such-page/")

    async def refused(i: int) -> int:  # the save view, refused before the service: writes nothing
        return await driver.request("POST", vouchers, b"{not json")

    async def save(i: int) -> int:
        return await driver.request("POST", vouchers, voucher_body(i))

    async def save_big(i: int) -> int:  # the same save in the company of 50,000 ledgers
        return await driver.request("POST", f"/c/{big}/vouchers/", voucher_body(i))

    async def save_unpublished(i: int) -> int:  # the same save, with no frame rendered
        post_save.disconnect(dispatch_uid="sync.publish", sender=Change)
        try:
            return await driver.request("POST", vouchers, voucher_body(i))
        finally:
            publisher.connect()

    # The alterations and deletions work on records saved through the API before the clock
    # starts: a voucher for each deletion, one voucher and one ledger altered over and over at
    # the version the previous answer gave.
    doomed: list[int] = []
    altered: dict[str, Any] = {}
    rent: dict[str, Any] = {}

    async def records() -> None:
        for i in range(args.warmups + 1 + args.rounds * args.per_round):
            await driver.request("POST", vouchers, voucher_body(i))
            doomed.append(driver.answer()["id"])
        await driver.request("POST", vouchers, voucher_body(0))
        altered.update(driver.answer())
        for i in range(args.warmups + 1 + args.rounds * args.per_round):  # for render_big
            await driver.request("POST", f"/c/{big}/vouchers/", voucher_body(i))
        await driver.request("GET", ledgers)
        rent.update(next(ledger for ledger in driver.answer() if ledger["name"] == "Rent"))

    async def voucher_alter(i: int) -> int:  # another amount and narration, entries re-posted
        body = {**json.loads(voucher_body(i)), "version": altered["version"]}
        url = f"{vouchers}{altered['id']}/"
        status = await driver.request("POST", url, json.dumps(body).encode())
        if status == 200:
            altered["version"] = driver.answer()["version"]
        return status

    async def voucher_delete(i: int) -> int:
        url = f"{vouchers}{doomed.pop()}/"
        return await driver.request("DELETE", url, query="version=1")

    async def ledger_create(i: int) -> int:
        body = {"name": f"Floor Party {i}", "group": "Sundry Debtors", "opening_debit": "100"}
        return await driver.request("POST", ledgers, json.dumps(body).encode())

    async def ledger_alter(i: int) -> int:  # its state, flipped each time
        state = "Goa" if rent["version"] % 2 else "Kerala"
        body = json.dumps({"state": state, "version": rent["version"]}).encode()
        status = await driver.request("POST", f"{ledgers}{rent['id']}/", body)
        if status == 200:
            rent["version"] = driver.answer()["version"]
        return status

    cases = {
        **floor_cases,
        "not_found": (not_found, 404),
        "refused_save": (refused, 400),
        "save_unpublished": (save_unpublished, 201),
        "save": (save, 201),
        "save_big": (save_big, 201),
        "render": (hub_render(cid), 200),
        "render_big": (hub_render(big), 200),
        "render_old": (hub_render(cid, old=True), 200),
        "render_old_big": (hub_render(big, old=True), 200),
        "voucher_alter": (voucher_alter, 200),
        "voucher_delete": (voucher_delete, 204),
        "ledger_create": (ledger_create, 201),
        "ledger_alter": (ledger_alter, 200),
    }

    if args.no_saves:
        cases = {**floor_cases, "not_found": (not_found, 404)}

    async def run() -> dict[str, dict[str, list[float]]]:
        if not args.no_saves:
            await records()
        return await measure(cases, args.rounds, args.per_round, args.warmups)

    count_queries()
    log("saving the records the alterations and deletions work on")
    samples = asyncio.run(run())
    cpu = {name: statistics.fmean(s["cpu"]) for name, s in samples.items()}
    cpu_p50 = {name: pct(s["cpu"], 50) for name, s in samples.items()}
    budget = 1000.0 / GOAL_SAVES_PER_S
    report = {
        "command": " ".join([".venv/bin/python", "bench/request_floor.py", *sys.argv[1:]]),
        "app_commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {"python": platform.python_version(), "django": django.get_version()},
        "method": {
            "driver": "the ASGI application called in this process (no network server), "
            "one request at a time; CPU = time.process_time (all threads)",
            "rounds": args.rounds,
            "per_round": args.per_round,
            "warmups": args.warmups,
            "database": "a fresh SQLite file in a temp folder (WAL, the app's settings)",
        },
        "cases": {
            name: {
                "cpu_ms": summary(s["cpu"]),
                "wall_ms": summary(s["wall"]),
                "queries": int(s["queries"][0]),
                "hops": dict(zip(HOP_KINDS, map(int, s["hops"]), strict=True)),
            }
            for name, s in samples.items()
        },
        "derived": {
            "cpu_budget_ms_per_save_for_goal": round(budget, 2),
            "requests_per_s_ceiling_not_found": round(1000.0 / cpu["not_found"], 1),
            "not_found_over_budget": round(cpu["not_found"] / budget, 2),
            # p50 ratios against the baseline measured in this run
            "empty_over_plain_django": round(cpu_p50["empty"] / cpu_p50["plain_django"], 2),
            "empty_session_over_plain_django": round(
                cpu_p50["empty_session"] / cpu_p50["plain_django"], 2
            ),
            "empty_over_empty_stock_handler": round(
                cpu_p50["empty"] / cpu_p50["empty_stock_handler"], 2
            ),
            "plain_django_app_handler_over_plain_django": round(
                cpu_p50["plain_django_app_handler"] / cpu_p50["plain_django"], 2
            ),
        },
    }
    if not args.no_saves:
        report["derived"].update(
            saves_per_s_ceiling_one_process=round(1000.0 / cpu["save"], 1),
            save_over_budget=round(cpu["save"] / budget, 2),
            publish_cpu_ms=round(cpu["save"] - cpu["save_unpublished"], 3),
            save_over_not_found=round(cpu["save"] / cpu["not_found"], 2),
            save_over_plain_django=round(cpu_p50["save"] / cpu_p50["plain_django"], 2),
            big_company_ledgers=args.big_ledgers,
            save_big_over_save=round(cpu["save_big"] / cpu["save"], 3),
            render_big_over_render=round(cpu["render_big"] / cpu["render"], 3),
            save_and_render_big_over_small=round(
                (cpu["save_big"] + cpu["render_big"]) / (cpu["save"] + cpu["render"]), 3
            ),
            render_old_big_over_render_old=round(cpu["render_old_big"] / cpu["render_old"], 3),
            render_big_over_render_old_big=round(cpu["render_big"] / cpu["render_old_big"], 3),
            book_load_cpu_ms={"small": book_load_ms(cid), "big": book_load_ms(big)},
        )
    if not args.no_steps:
        report["steps_cpu_ms_p50"] = steps_table(cpu_p50, middleware, "empty", "plain_django")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
