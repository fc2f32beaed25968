"""Several server processes: saves/s with 1 and with N uvicorn workers on PostgreSQL + Redis,
100 sockets spread over the workers, every frame checked (lost, out of order, duplicated).

`manage.py serve --workers N` runs uvicorn's own workers on one listening socket: the kernel
hands each new connection (HTTP or WebSocket) to one of them, so the sockets and the saves
spread over the processes, and each process's hub reads the feed from the Edit Log after the
Redis nudge. This bench starts the server as `serve` does (server.launch.server_argv), on its
own PostgreSQL database, seeds fanout.py's office, and for 1 and N workers, interleaved
`--repeat` times: opens the sockets (fanout.py's listener processes), then saves back to back
from `--posters` keep-alive connections and waits until every socket holds every seq.

    .venv/bin/python bench/workers.py                      # 1 vs 2 workers, 100 sockets
    .venv/bin/python bench/workers.py --workers 1,2,3 --repeat 3 --burst 900

JSON on stdout (`runs`, per worker count the medians, `ratio` = saves/s with N / with 1 in the
same run), progress on stderr. The server's CPU is summed over its process group (uvicorn's
supervisor and workers). The machine's cores bound the ratio: PostgreSQL, the listeners and
the posters share them with the workers (`cpus` and `load_average` are in the output).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.fanout import (  # noqa: E402  (the office, its saves and the listeners)
    SEED,
    Listeners,
    Office,
    Poster,
    Server,
    app_commit,
    burst_saves,
    log,
    manage,
    raise_fd_limit,
    redis_forget,
    redis_problem,
    summary,
)
from server.launch import server_argv  # noqa: E402  (a leaf module: no Django set-up)

GOAL_RATIO = 1.5  # issue 14: two processes >= 1.5 x one process, in the same run


class Workers(Server):
    """`manage.py serve --workers N` as a process group; CPU summed over the group."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str], workers: int) -> None:
        super().__init__(name, "uvicorn", workdir, env, "tallysync.asgi:application")
        self.workers = workers

    def command(self) -> list[str]:
        return server_argv("127.0.0.1", self.port, workers=self.workers)

    def processes(self) -> list[psutil.Process]:
        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def ready(self, timeout: float = 60) -> None:
        """uvicorn's supervisor listens before its workers have imported the app: wait until
        each worker has answered (a few requests land on each)."""
        end = time.monotonic() + timeout
        while len(self.processes()) < self.workers + (self.workers > 1):
            if time.monotonic() > end:
                raise TimeoutError(f"{self.name}: workers did not start: {self.log_tail()}")
            time.sleep(0.1)


def database_fresh(admin_url: str, name: str) -> str:
    """DROP and CREATE the bench's own database; its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run(server: Workers, office: Office, args: argparse.Namespace) -> dict[str, Any]:
    log(f"{server.name}: starting {server.workers} worker(s)")
    server.start()
    listeners: Listeners | None = None
    try:
        server.ready()
        posters = [Poster(server.port, office.cid, office.token) for _ in range(args.posters)]
        since = 0
        for _ in range(5):  # each poster's connection lands on some worker: warm them all
            for poster in posters:
                since = poster.save(office.next_save())[2]
        for poster in posters:
            poster.close()
        listeners = Listeners(args.client_procs, server.port, office.cid, office.token, since)
        connect = listeners.connect(args.clients, 50, timeout=120)
        spread = _sockets_per_worker(server)
        log(f"{server.name}: {connect['open']}/{args.clients} sockets open; per worker {spread}")
        time.sleep(1.0)
        cpu, load = server.cpu_seconds(), os.getloadavg()[0]
        rows, capped = burst_saves(server.port, office, args.burst, args.posters, args.seconds)
        cpu = server.cpu_seconds() - cpu
        last = rows[-1][2] if rows else since
        complete = listeners.wait_complete(last, 60)
        result = listeners.finish(last, timeout=10)
    finally:
        if listeners is not None:
            listeners.close()
        server.stop()
    started = min(row[0] for row in rows)
    answered = max(row[1] for row in rows)
    delivered = complete or answered
    seqs = sorted(row[2] for row in rows)
    return {
        "workers": server.workers,
        "sockets_open": connect["open"],
        "sockets_per_worker": spread,
        "saves": len(rows),
        "capped_at_seconds": args.seconds if capped else None,
        "saves_per_s": round(len(rows) / ((answered - started) / 1e9), 1),
        "delivered_per_s": round(len(rows) / ((delivered - started) / 1e9), 1),
        "save_ms": summary([(a - s) / 1e6 for s, a, _ in rows]),
        "server_cpu_ms_per_save": round(cpu * 1000 / max(1, len(rows)), 2),
        "seqs_gap_free": seqs == list(range(seqs[0], seqs[0] + len(seqs))),
        "frames": {k: result[k] for k in ("lost", "out_of_order", "duplicates", "close_codes")},
        "load_average_1m": round(load, 2),
    }


def _sockets_per_worker(server: Workers) -> list[int]:
    """Established connections on the server's port, per worker (a process that listens on
    it other than uvicorn's supervisor, which keeps the socket but accepts nothing)."""
    counts = []
    for process in server.processes()[1 if server.workers > 1 else 0 :]:
        try:
            conns = [c for c in process.net_connections(kind="tcp") if c.laddr.port == server.port]
        except psutil.NoSuchProcess:
            continue
        if any(c.status == psutil.CONN_LISTEN for c in conns):
            counts.append(sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--clients", type=int, default=100, help="sockets, spread by the kernel")
    parser.add_argument("--burst", type=int, default=600, help="saves back to back per run")
    parser.add_argument("--seconds", type=float, default=60, help="cap on one burst")
    parser.add_argument("--posters", type=int, default=8, help="parallel keep-alive posters")
    parser.add_argument("--client-procs", type=int, default=2, help="listener processes")
    parser.add_argument("--repeat", type=int, default=2, help="interleaved rounds; medians")
    parser.add_argument("--database-admin-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database-name", default="tallysync_bench_workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if problem := redis_problem(args.redis_url):
        raise SystemExit(problem)
    raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="tallysync-workers-"))
    prefix = f"workers{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_fresh(args.database_admin_url, args.database_name),
        "REDIS_URL": args.redis_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings_variants",
        "BENCH_CHANNEL_LAYER": "core",
        "BENCH_LAYER_PREFIX": prefix,
        "TALLYSYNC_VAR_DIR": str(workdir / "var-manage"),
        "SECRET_KEY": "workers-bench-only-not-secret",
        "TALLYSYNC_EDITLOG_KEY": "workers-bench-only-not-secret",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "TALLYSYNC_MAX_CONNECTIONS": "0",
        "TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS": "0",
    }
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    load_start = os.getloadavg()
    try:
        log(f"workdir {workdir}; migrating {args.database_name} and seeding")
        manage(env, "migrate", "--noinput", "-v0")
        seed = json.loads(manage(env, "shell", "-v0", stdin=SEED).strip().splitlines()[-1])
        office = Office(seed["cid"], seed["token"])
        for repeat in range(1, args.repeat + 1):
            for n in counts:
                server = Workers(f"workers{n}-r{repeat}", workdir, env, n)
                runs[n].append(run(server, office, args))
                last = runs[n][-1]
                log(
                    f"{server.name}: {last['saves_per_s']} saves/s, delivered"
                    f" {last['delivered_per_s']}/s, lost {last['frames']['lost']}"
                )
    finally:
        for server in list(Server.running):
            server.stop()
        redis_forget(args.redis_url, prefix)
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    medians = {
        n: {
            key: statistics.median(r[key] for r in rows)
            for key in ("saves_per_s", "delivered_per_s", "server_cpu_ms_per_save")
        }
        for n, rows in runs.items()
    }
    base = medians[counts[0]]["saves_per_s"]
    ratios = {n: round(m["saves_per_s"] / base, 2) for n, m in medians.items()}
    frames_ok = all(
        not any(r["frames"][k] for k in ("lost", "out_of_order", "duplicates"))
        and r["seqs_gap_free"]
        for rows in runs.values()
        for r in rows
    )
    report = {
        "app_commit": app_commit(),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "args": vars(args),
        "medians": medians,
        "ratio_to_one_worker": ratios,
        "frames_all_delivered_in_order": frames_ok,
        "goal": {
            "two_workers_ratio": GOAL_RATIO,
            "met": ratios.get(2, 0) >= GOAL_RATIO and frames_ok,
        },
        "runs": runs,
    }
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
