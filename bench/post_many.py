"""Batch posting benchmark: N two-to-six-line vouchers through `vouchers_post_batches` on SQLite.

Builds a fresh SQLite file with one company and its ledgers (through the services), makes N
balanced drafts at random (Sales, Purchase, Receipt, Payment and Journal, 2 to 6 lines, within
one financial year), posts them 500 to a unit of work and reports vouchers/s; then checks the
Edit Log with `manage.py verify_editlog` and the Trial Balance against the generator's own sums.
The floor: the same rows (vouchers, entries, Changes) read back and written with a plain
`executemany` per batch into a copy of the database as it was before posting, in the same run.
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import random
import shutil
import sqlite3
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FY_START, FY_END = dt.date(2026, 4, 1), dt.date(2027, 3, 31)
# role: (name prefix, group, how many)
ROLES = {
    "sales": ("Sales", "Sales Accounts", 6),
    "purchase": ("Purchase", "Purchase Accounts", 6),
    "bank": ("Bank", "Bank Accounts", 3),
    "expense": ("Expense", "Indirect Expenses", 20),
    "debtor": ("Customer", "Sundry Debtors", 120),
    "creditor": ("Supplier", "Sundry Creditors", 60),
}
# (voucher type, weight, the one line's role and side, the other lines' role)
MIX = [
    ("Sales", 40, "debtor", 1, "sales"),
    ("Purchase", 20, "creditor", -1, "purchase"),
    ("Receipt", 15, "bank", 1, "debtor"),
    ("Payment", 15, "bank", -1, "expense"),
    ("Journal", 10, "creditor", -1, "expense"),
]
TABLES = ("vouchers_voucher", "vouchers_entry", "editlog_change")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def setup() -> tuple[Any, Any, dict[str, list[Any]]]:
    """The company, its owner and its ledgers by role (Cash among the banks' side)."""
    from django.contrib.auth import get_user_model

    from books.services import company_create
    from ledgers.services import ledger_create

    actor = get_user_model().objects.create_user("bench", is_staff=True)
    company = company_create(actor=actor, name="Bench Traders", financial_year_start=FY_START)
    pools: dict[str, list[Any]] = {}
    for role, (prefix, group, count) in ROLES.items():
        pools[role] = [
            ledger_create(
                company=company, actor=actor, data={"name": f"{prefix} {n:03d}", "group": group}
            )
            for n in range(1, count + 1)
        ]
    company.refresh_from_db()
    return company, actor, pools


def drafts_make(company: Any, pools: dict[str, list[Any]], count: int, seed: int) -> tuple:
    """`count` balanced drafts and what they add to each ledger (paise, Dr positive)."""
    from vouchers.drafts import Line, VoucherDraft
    from vouchers.models import VoucherType

    rng = random.Random(seed)
    types = {t.name: t for t in VoucherType.objects.filter(company=company)}
    days = [FY_START + dt.timedelta(d) for d in range((FY_END - FY_START).days + 1)]
    sums: Counter[int] = Counter()
    drafts = []
    for kind in rng.choices(MIX, [m[1] for m in MIX], k=count):
        name, _, one_role, one_side, other_role = kind
        others = [rng.randrange(100, 5_000_000) for _ in range(rng.randint(1, 5))]  # paise
        one = rng.choice(pools[one_role])
        lines = [Line(ledger=one, amount=Decimal(one_side * sum(others)).scaleb(-2))]
        for paise in others:
            lines.append(
                Line(
                    ledger=rng.choice(pools[other_role]),
                    amount=Decimal(-one_side * paise).scaleb(-2),
                )
            )
        for line in lines:
            sums[line.ledger.pk] += int(line.amount * 100)
        drafts.append(
            VoucherDraft(voucher_type=types[name], date=rng.choice(days), narration="", lines=lines)
        )
    return drafts, sums


def trial_balance_check(company: Any, sums: Counter[int]) -> int:
    """The Trial Balance at the year's end, ledger by ledger, equals the generator's sums."""
    from reports.selectors import trial_balance_get

    tb = trial_balance_get(company=company, as_of=FY_END)
    ours = {row.ledger.pk: int(row.balance * 100) for row in tb.rows}
    expected = {pk: paise for pk, paise in sums.items() if paise}
    if ours != expected or tb.total_debit != tb.total_credit:
        raise SystemExit(f"Trial Balance ≠ the generator's sums: {len(ours)} / {len(expected)}")
    return len(ours)


def floor(db: Path, copy: Path, company_id: int, batch: int) -> float:
    """Seconds to write the posted rows again with plain executemany, `batch` vouchers per
    transaction, into the copy of the database taken before posting."""
    source = sqlite3.connect(db)
    rows = {}
    for table in TABLES:
        columns = [c[1] for c in source.execute(f"PRAGMA table_info({table})")]
        rows[table] = (columns, source.execute(f"SELECT * FROM {table} ORDER BY id").fetchall())
    source.close()
    vouchers, entries, changes = (rows[t][1] for t in TABLES)
    voucher_at = {row[0]: i // batch for i, row in enumerate(vouchers)}
    voucher_col = rows["vouchers_entry"][0].index("voucher_id")
    chunks: list[dict[str, list]] = [
        {t: [] for t in TABLES} for _ in range(len(vouchers) // batch + 1)
    ]
    for row in vouchers:
        chunks[voucher_at[row[0]]]["vouchers_voucher"].append(row)
    for row in entries:
        chunks[voucher_at[row[voucher_col]]]["vouchers_entry"].append(row)
    floor_changes = [
        c for c in changes if c[rows["editlog_change"][0].index("object_type")] == "voucher"
    ]
    for i, row in enumerate(floor_changes):
        chunks[i // batch]["editlog_change"].append(row)
    target = sqlite3.connect(copy, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    target.execute("PRAGMA foreign_keys=ON")
    already = target.execute("SELECT MAX(seq) FROM editlog_change").fetchone()[0]
    if (
        already
        and floor_changes
        and floor_changes[0][rows["editlog_change"][0].index("seq")] <= already
    ):
        raise SystemExit("the copy already holds the batch's seqs")
    start = time.perf_counter()
    for chunk in chunks:
        target.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            columns, _ = rows[table]
            marks = ", ".join("?" * len(columns))
            target.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", chunk[table]
            )
        target.execute("COMMIT")
    seconds = time.perf_counter() - start
    target.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="cProfile the posting (slower)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    db, copy, head = (
        out / "post_many.sqlite3",
        out / "post_many_floor.sqlite3",
        out / "post_many_head",
    )
    for path in (db, copy, head):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="tallysync.settings", DATABASE_URL=f"sqlite:///{db}")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("TALLYSYNC_EDITLOG_KEY", "bench-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from vouchers.services import vouchers_post_batches

    settings.EDITLOG_HEAD_FILE = head
    call_command("migrate", verbosity=0)
    company, actor, pools = setup()
    connection.close()
    shutil.copy(db, copy)  # the floor writes into the books as they were before posting
    log(f"{sum(len(p) for p in pools.values())} ledgers; making {args.vouchers:,} drafts")
    drafts, sums = drafts_make(company, pools, args.vouchers, args.seed)
    lines = sum(len(d.lines) for d in drafts)
    log(f"posting {args.vouchers:,} vouchers ({lines:,} lines), {args.batch} per unit of work")
    profile = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profile:
        profile.enable()
    vouchers_post_batches(company=company, actor=actor, drafts=drafts, size=args.batch)
    if profile:
        profile.disable()
    seconds = time.perf_counter() - start
    log(f"posted in {seconds:.1f} s; verifying the Edit Log and the Trial Balance")
    call_command("verify_editlog", verbosity=1)  # exits non-zero on a broken chain
    tb_rows = trial_balance_check(company, sums)
    connection.close()
    floor_seconds = floor(db, copy, company.pk, args.batch)
    result = {
        "vouchers": args.vouchers,
        "lines": lines,
        "batch": args.batch,
        "post_seconds": round(seconds, 2),
        "vouchers_per_s": round(args.vouchers / seconds),
        "floor_executemany_seconds": round(floor_seconds, 2),
        "floor_vouchers_per_s": round(args.vouchers / floor_seconds),
        "ratio_to_floor": round(seconds / floor_seconds, 2),
        "verify_editlog": "clean",
        "trial_balance_rows_equal_generator": tb_rows,
        "goal_vouchers_per_s": 3000,
        "stretch_vouchers_per_s": 10000,
    }
    print(json.dumps(result, indent=2))
    if profile:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
