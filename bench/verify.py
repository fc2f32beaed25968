"""Verify benchmark: `verify_books`' checks over ~1M entry lines on SQLite, each timed, against
the floor of one grouped scan of the entries measured in the same run.

Builds (or reuses) its own SQLite file with bench/reports.py's company (vouchers bulk-inserted,
so their numbering counters are set here from the numbers used), then times books_verify per
check and whole, and a repair with nothing to do. JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNTERS = (
    "INSERT INTO vouchers_vouchercounter (company_id, voucher_type_id, financial_year, last_number)"
    " SELECT company_id, voucher_type_id, financial_year, MAX(number) FROM vouchers_voucher"
    " WHERE company_id = %s GROUP BY 2, 3"
)
FLOOR = "SELECT ledger_id, date, SUM(amount) FROM vouchers_entry GROUP BY 1, 2"


def seconds(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return round(time.perf_counter() - start, 3), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "verify.sqlite3")
    args = parser.parse_args()
    lines, db = args.lines - args.lines % 2, args.db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="tallysync.settings", DATABASE_URL=f"sqlite:///{db}")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("TALLYSYNC_EDITLOG_KEY", "bench-only-not-secret")
    (db.parent / "verify-var").mkdir(exist_ok=True)
    os.environ.setdefault("TALLYSYNC_VAR_DIR", str(db.parent / "verify-var"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backups.repair import books_repair
    from backups.verify import books_verify, checks
    from bench.reports import COMPANY, build, log
    from companies.models import Company, Membership
    from vouchers.models import Entry

    call_command("migrate", verbosity=0)
    company = Company.objects.filter(name=COMPANY).first()
    if company is None or Entry.objects.filter(ledger__company=company).count() != lines:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        company = build(lines, seed=2026)
        with connection.cursor() as cursor:
            cursor.execute(COUNTERS, [company.pk])
    log(f"{lines:,} entry lines in {db}")
    with connection.cursor() as cursor:
        floor, _ = seconds(lambda: cursor.execute(FLOOR).fetchall())
    per_check = {}
    for each in checks():
        taken, found = seconds(lambda each=each: books_verify(company=company, ids=[each.id]))
        per_check[each.id] = {
            "seconds": taken,
            "findings": len(found),
            "ratio": round(taken / floor, 1),
        }
        log(f"{each.id}: {taken} s, {len(found)} findings")
    whole, found = seconds(lambda: books_verify(company=company))
    owner = Membership.objects.filter(company=company).select_related("user").first().user
    repair, report = seconds(lambda: books_repair(company=company, actor=owner, backup=None))
    result = {
        "lines": lines,
        "floor_grouped_scan_seconds": floor,
        "checks": per_check,
        "verify_all": {"seconds": whole, "findings": len(found), "ratio": round(whole / floor, 1)},
        "repair_nothing_to_do": {
            "seconds": repair,
            "changed": report.changed,
            "ratio": round(repair / floor, 1),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
