"""Backup benchmark: a company's archive (`backups.archive.backup_write`) and its restore
(`backups.restore.restore`) at 1,000,000 entry lines on SQLite, against the SQLite online backup
of the whole file as the floor, in the same run.

Builds (or reuses) two SQLite files of one company each, one at `--lines` and one at a quarter
of it, with an existing bench's builder (`--builder`, see `build`): bench/reports.py's (fast;
vouchers inserted raw, without Changes) by default, or bench/post_many.py's (every voucher
posted by `vouchers_post_batches` with its Edit Log Change). Then each step
runs in a fresh process of its own, which reports its time and its peak memory growth (VmHWM
less the RSS it had before the step, Linux /proc; the peak is reset at the start of the step):

- backup: `backup_write` of the company to an archive;
- restore: `restore(mode="new")` of that archive into a new, migrated database that holds the
  users (as `manage.py move_to` loads them first);
- floor: `sqlite3.Connection.backup` of the whole database file, then `VACUUM INTO` and
  `PRAGMA integrity_check` on the copy.

Backup and restore at both sizes show whether their memory grows with the books (it should
not: rows stream). Ratios are against the floor at the same size. JSON on stdout, progress on
stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000  # drafts made and posted at a time: the build's memory stays flat
LAYOUT = 1  # bump to rebuild files an older version of this script built


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def django_for(db: Path, head: Path) -> None:
    os.environ.update(DJANGO_SETTINGS_MODULE="tallysync.settings", DATABASE_URL=f"sqlite:///{db}")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("TALLYSYNC_EDITLOG_KEY", "bench-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.EDITLOG_HEAD_FILE = head


# Memory, from /proc (Linux): the resident set now, and its peak since the last reset.


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


class Peak:
    """Peak RSS growth over a step: the peak (VmHWM) is reset at the start (clear_refs 5)."""

    def __enter__(self) -> Peak:
        Path("/proc/self/clear_refs").write_text("5")
        self.before = _status("VmRSS")
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        self.growth = _status("VmHWM") - self.before

    def result(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "rss_before_mib": round(self.before / 2**20, 1),
            "peak_growth_mib": round(self.growth / 2**20, 1),
        }


# Phases, each run in a process of its own (`--phase`).


def build(db: Path, head: Path, lines: int, seed: int, batch: int, builder: str) -> dict:
    """The books at `lines` entry lines, by one of the two existing builders:

    - "reports" (bench/reports.py's): the company and its 300 ledgers through the services,
      then vouchers of two lines and their entries inserted raw, the day rows and totals
      filled from them; its vouchers have no Edit Log Changes (only the ledgers' ~300);
    - "post_many" (bench/post_many.py's): 2-to-6-line drafts posted by
      `vouchers_post_batches`, CHUNK at a time, each voucher with its Change — what an
      office's books hold, and about 10× slower to build.
    """
    django_for(db, head)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    if builder == "reports":
        # bench/reports.py by its path: the name `reports` is the Django app's.
        spec = importlib.util.spec_from_file_location("bench_reports", ROOT / "bench/reports.py")
        assert spec is not None and spec.loader is not None
        reports_bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(reports_bench)
        reports_bench.build(lines, seed)
        result = {"lines": lines, "vouchers": lines // 2}
    else:
        result = _post_many_build(db, lines, seed, batch)
    return {
        **result,
        "builder": builder,
        "build_seconds": round(time.perf_counter() - start, 1),
        "bytes": db.stat().st_size,
    }


def _post_many_build(db: Path, lines: int, seed: int, batch: int) -> dict[str, Any]:
    from post_many import drafts_make, setup, trial_balance_check

    from vouchers.services import vouchers_post_batches

    company, actor, pools = setup()
    sums: Counter[int] = Counter()
    posted, vouchers, chunk = 0, 0, 0
    while posted < lines:
        # post_many's drafts have 4 lines on average (1 + 1 to 5); the last chunk is cut to fit.
        count = min(CHUNK, max(1, (lines - posted) // 4))
        drafts, chunk_sums = drafts_make(company, pools, count, seed + chunk)
        vouchers_post_batches(company=company, actor=actor, drafts=drafts, size=batch)
        sums.update(chunk_sums)
        posted += sum(len(d.lines) for d in drafts)
        vouchers += len(drafts)
        chunk += 1
        log(f"  {db.name}: {posted:,} lines")
    tb_rows = trial_balance_check(company, sums)
    return {"lines": posted, "vouchers": vouchers, "trial_balance_rows_equal_generator": tb_rows}


def backup(db: Path, head: Path, archive: Path) -> dict[str, Any]:
    django_for(db, head)
    from backups.archive import backup_write
    from companies.models import Company

    company = Company.objects.get()
    archive.unlink(missing_ok=True)
    with Peak() as peak:
        manifest = backup_write(company=company, path=archive)
    rows = {m.table or m.path: m.rows for m in manifest.files}
    return {**peak.result(), "archive_bytes": manifest.size, "rows": rows}


def restore_target(target: Path, head: Path, source: Path, server: Path) -> None:
    """A new database, migrated, holding the source's users (move_to's server member)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, __file__, "--phase", "server", "--db", str(source), "--to", str(server)],
        check=True,
    )
    assert done.returncode == 0
    django_for(target, head)
    from django.core.management import call_command

    from backups.move import server_load

    call_command("migrate", verbosity=0)
    server_load(server, json.loads(Path(f"{server}.json").read_text()))


def restore(db: Path, head: Path, archive: Path, source: Path) -> dict[str, Any]:
    server = db.with_suffix(".server.jsonl")
    restore_target(db, head, source, server)
    from django.contrib.auth import get_user_model

    from backups.restore import restore as restore_archive
    from vouchers.models import Entry

    actor = get_user_model().objects.get(username="bench")  # the builders' owner, staff
    with Peak() as peak:
        restore_archive(archive=archive, mode="new", actor=actor)
    return {**peak.result(), "entry_lines": Entry.objects.count()}


def server(db: Path, head: Path, to: Path) -> dict[str, Any]:
    django_for(db, head)
    from backups.move import server_write

    Path(f"{to}.json").write_text(json.dumps(server_write(to)))
    return {}


def floor(db: Path, head: Path, copy: Path) -> dict[str, Any]:
    """The whole file by the online backup API (the floor), then by VACUUM INTO, each copy
    checked with PRAGMA integrity_check."""
    sys.path.insert(0, str(ROOT))
    from backups.sqlite_copy import integrity_check, sqlite_backup, sqlite_vacuum_into

    vacuumed = copy.with_name(f"{copy.stem}-vacuum.sqlite3")
    for path in (copy, vacuumed):
        path.unlink(missing_ok=True)
    with Peak() as online:
        sqlite_backup(db, copy)
    with Peak() as vacuum:
        sqlite_vacuum_into(db, vacuumed)
    start = time.perf_counter()
    checks = {"online": integrity_check(copy), "vacuum_into": integrity_check(vacuumed)}
    check_seconds = time.perf_counter() - start
    if checks != {"online": ["ok"], "vacuum_into": ["ok"]}:
        raise SystemExit(f"integrity_check of the copies: {checks}")
    result = {
        "online_backup": online.result(),
        "vacuum_into": vacuum.result(),
        "integrity_check_both_seconds": round(check_seconds, 2),
        "integrity_check": "ok",
        "file_bytes": db.stat().st_size,
        "vacuum_into_bytes": vacuumed.stat().st_size,
    }
    for path in (copy, vacuumed):  # a copy of a WAL database opens in WAL mode: its -wal too
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return result


PHASES = {"build", "backup", "restore", "server", "floor"}


def phase(args: argparse.Namespace) -> None:
    head = args.out / "head"
    if args.phase == "build":
        result = build(args.db, head, args.lines, args.seed, args.batch, args.builder)
    elif args.phase == "backup":
        result = backup(args.db, head, args.to)
    elif args.phase == "restore":
        result = restore(args.to, head, args.archive, args.db)
    elif args.phase == "server":
        result = server(args.db, head, args.to)
    else:
        result = floor(args.db, head, args.to)
    print(json.dumps(result))


def child(*argv: str) -> dict[str, Any]:
    """Run one phase in a fresh process; its JSON answer."""
    done = subprocess.run(
        [sys.executable, __file__, *argv], stdout=subprocess.PIPE, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"phase {argv[1]} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def books(
    out: Path, lines: int, seed: int, batch: int, builder: str
) -> tuple[Path, dict[str, Any]]:
    """The books at `lines`, built unless a file built for them is there."""
    db = out / f"backup-{builder}-{lines}.sqlite3"
    meta = Path(f"{db}.build.json")
    wanted = {"lines": lines, "seed": seed, "layout": LAYOUT, "builder": builder}
    if db.exists() and meta.exists():
        built = json.loads(meta.read_text())
        if {k: built.get(k) for k in wanted} == wanted:
            log(f"reusing {db}")
            return db, {**built["result"], "built_this_run": False}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    log(f"building {db} ({lines:,} lines)")
    common = ["--out", str(out), "--seed", str(seed), "--batch", str(batch), "--builder", builder]
    result = child("--phase", "build", "--db", str(db), "--lines", str(lines), *common)
    meta.write_text(json.dumps({**wanted, "result": result}))
    return db, {**result, "built_this_run": True}


def size_run(out: Path, db: Path) -> dict[str, Any]:
    archive, target = db.with_suffix(".tsbk"), db.with_name(f"{db.stem}-restored.sqlite3")
    common = ["--out", str(out), "--db", str(db)]
    log(f"{db.name}: backup")
    result = {"backup": child("--phase", "backup", *common, "--to", str(archive))}
    log(f"{db.name}: restore")
    result["restore"] = child(
        "--phase", "restore", *common, "--archive", str(archive), "--to", str(target)
    )
    log(f"{db.name}: floor (online backup, VACUUM INTO, integrity_check)")
    result["floor"] = child("--phase", "floor", *common, "--to", str(db.with_suffix(".copy")))
    floor_seconds = result["floor"]["online_backup"]["seconds"]
    result["ratios_to_online_backup"] = {
        step: round(result[step]["seconds"] / floor_seconds, 1) for step in ("backup", "restore")
    }
    for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        path.unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--builder",
        choices=["reports", "post_many"],
        default="reports",
        help="whose books to build (see build()); post_many's carry a Change per voucher",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.phase:
        phase(args)
        return
    sizes = {"quarter": args.lines // 4, "full": args.lines}
    report: dict[str, Any] = {"lines": sizes}
    for name, lines in sizes.items():
        db, built = books(args.out, lines, args.seed, args.batch, args.builder)
        report[name] = {"books": built, **size_run(args.out, db)}
    quarter, full = report["quarter"], report["full"]
    report["memory_full_over_quarter"] = {
        step: round(full[step]["peak_growth_mib"] / max(quarter[step]["peak_growth_mib"], 0.1), 2)
        for step in ("backup", "restore")
    }
    report["lines_full_over_quarter"] = round(full["books"]["lines"] / quarter["books"]["lines"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
