"""Tally XML import benchmark: a generated Tally file (UTF-16LE with a BOM, as Tally exports)
of N vouchers — 2 to 6 lines, 300 ledgers, Sales/Purchase/Receipt/Payment/Journal over one
financial year — imported end to end with `import_tally` into a fresh SQLite file.

Reports vouchers/s for the import and, as its floor, for parsing alone (the streaming reader and
the typed objects, nothing written); the process's peak memory after parsing a tenth of the file
and the whole of it (flat in the file's size); then checks the Trial Balance, ledger by ledger,
against the generator's own sums and the Edit Log with `verify_editlog --reconcile`.
The second floor, in the same run: the rows the import wrote for the vouchers (vouchers,
entries, their Changes) read back and written again with a plain `executemany`, 500 vouchers to
a transaction, into a copy of the imported database with those rows taken out (post_many.py's
`floor`). The ratios say how far the import is from each floor. CPU figures beside the wall
clock's, for a machine other work shares.
JSON on stdout, progress on stderr.

    flock /tmp/bench.lock .venv/bin/python bench/import.py --vouchers 100000
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FY_START = dt.date(2026, 4, 1)
# role: (name prefix, Tally group, how many) — 300 ledgers
ROLES = {
    "sales": ("Sales", "Sales Accounts", 6),
    "purchase": ("Purchase", "Purchase Accounts", 6),
    "bank": ("Bank", "Bank Accounts", 3),
    "expense": ("Expense", "Indirect Expenses", 45),
    "debtor": ("Customer", "Sundry Debtors", 160),
    "creditor": ("Supplier", "Sundry Creditors", 80),
}


def _ledgers() -> dict[str, list[str]]:
    return {
        role: [f"{prefix} {i:03d}" for i in range(1, count + 1)]
        for role, (prefix, _, count) in ROLES.items()
    }


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _voucher(n: int, rng: random.Random, names: dict[str, list[str]]) -> tuple[str, list]:
    """One voucher's type and its lines (name, paise, + = Dr), by Tally's type rules."""
    kind = rng.choice(["Sales", "Purchase", "Receipt", "Payment", "Journal"])
    total = rng.randint(100, 10_000_000)
    many = rng.randint(1, 5)  # the other side's lines: 2 to 6 lines in all
    parts = _split(total, many, rng) if total > many else [total]
    sides = {
        "Sales": ("debtor", "sales"),
        "Purchase": ("purchase", "creditor"),
        "Receipt": ("bank", "debtor"),
        "Payment": ("expense", "bank"),
        "Journal": ("expense", "creditor"),
    }[kind]
    if kind in ("Sales", "Receipt"):
        lines = [(rng.choice(names[sides[0]]), total)]
        lines += [(rng.choice(names[sides[1]]), -p) for p in parts]
    else:
        lines = [(rng.choice(names[sides[0]]), p) for p in parts]
        lines += [(rng.choice(names[sides[1]]), -total)]
    return kind, lines


def _amount(paise: int) -> str:
    """Our Dr-positive paise in Tally's sign (negative = Dr)."""
    rupees = Decimal(-paise).scaleb(-2)
    return f"{rupees:.2f}"


def generate(path: Path, vouchers: int, seed: int) -> dict[str, int]:
    """Write the file; return each ledger's closing balance in paise (+ = Dr)."""
    rng = random.Random(seed)
    names = _ledgers()
    sums: dict[str, int] = defaultdict(int)
    days = (dt.date(2027, 3, 31) - FY_START).days
    with path.open("wb") as raw:
        raw.write(codecs.BOM_UTF16_LE)

        def put(text: str) -> None:
            raw.write(text.encode("utf-16-le"))

        put("<ENVELOPE><HEADER><TALLYREQUEST>Import Data</TALLYREQUEST></HEADER><BODY><IMPORTDATA>")
        put("<REQUESTDESC><REPORTNAME>All Masters</REPORTNAME></REQUESTDESC><REQUESTDATA>")
        for role, (_, group, _) in ROLES.items():
            for name in names[role]:
                put(
                    f'<TALLYMESSAGE xmlns:UDF="TallyUDF"><LEDGER NAME="{name}" ACTION="Create">'
                    f"<GUID>led-{name}</GUID><PARENT>{group}</PARENT>"
                    "<ISBILLWISEON>No</ISBILLWISEON><ALTERID> 1</ALTERID></LEDGER></TALLYMESSAGE>"
                )
        for n in range(vouchers):
            kind, lines = _voucher(n, rng, names)
            day = FY_START + dt.timedelta(days=rng.randint(0, days))
            body = "".join(
                f"<ALLLEDGERENTRIES.LIST><LEDGERNAME>{name}</LEDGERNAME>"
                f"<ISDEEMEDPOSITIVE>{'Yes' if paise > 0 else 'No'}</ISDEEMEDPOSITIVE>"
                f"<AMOUNT>{_amount(paise)}</AMOUNT></ALLLEDGERENTRIES.LIST>"
                for name, paise in lines
            )
            for name, paise in lines:
                sums[name] += paise
            put(
                f'<TALLYMESSAGE xmlns:UDF="TallyUDF"><VOUCHER REMOTEID="v-{n}" VCHTYPE="{kind}" '
                f'ACTION="Create"><DATE>{day:%Y%m%d}</DATE><GUID>v-{n}</GUID>'
                f"<ALTERID> {n + 1}</ALTERID><VOUCHERTYPENAME>{kind}</VOUCHERTYPENAME>"
                f"<VOUCHERNUMBER>{n + 1}</VOUCHERNUMBER><NARRATION>Generated &#4; {n}\r\n"
                f"</NARRATION>{body}</VOUCHER></TALLYMESSAGE>"
            )
        put("</REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>")
    return dict(sums)


PARSE = """
import resource, sys, time
from tallyxml.importing import Importer
from tallyxml.objects import ledger_read, voucher_read
from tallyxml.reading import objects
start, cpu, count = time.perf_counter(), time.process_time(), 0
with open(sys.argv[1], "rb") as stream:
    for element in objects(stream):
        (voucher_read if element.tag == "VOUCHER" else ledger_read)(element)
        count += element.tag == "VOUCHER"
print(count, time.perf_counter() - start, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def _parse(env: dict[str, str], path: Path) -> tuple[int, float, float, int]:
    """Vouchers, seconds, CPU seconds and peak RSS (KiB) of parsing alone."""
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{PARSE}", str(path)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    count, seconds, cpu, peak = done.stdout.split()
    return int(count), float(seconds), float(cpu), int(peak)


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _closings(env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup()\n"
        "from ledgers.models import Ledger\n"
        "print(json.dumps({l.name: int((l.opening_balance + l.total_debit - l.total_credit)"
        " * 100) for l in Ledger.objects.all()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def _floor(work: Path) -> float:
    """Seconds to write the import's voucher rows again with plain executemany (post_many.py's
    floor) into a copy of the imported books without them."""
    sys.path.insert(0, str(ROOT / "bench"))
    from post_many import floor

    db, copy = work / "tallysync.sqlite3", work / "floor.sqlite3"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        target.execute("DELETE FROM tallyxml_tallykey WHERE kind = 'voucher'")
        target.execute("DELETE FROM editlog_change WHERE object_type = 'voucher'")
        target.execute("DELETE FROM vouchers_entry")
        target.execute("DELETE FROM vouchers_voucher")
    return floor(db, copy, company_id=0, batch=500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tally-import-"))
    env = {**os.environ, "TALLYSYNC_VAR_DIR": str(work), "DJANGO_SETTINGS_MODULE":
           "tallysync.settings"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    big, small = work / "daybook.xml", work / "tenth.xml"
    sums = generate(big, args.vouchers, args.seed)
    generate(small, max(1, args.vouchers // 10), args.seed)
    print(f"generated {big.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    _, _, _, peak_small = _parse(env, small)
    count, parse_seconds, parse_cpu, peak_big = _parse(env, big)
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
            "User.objects.create_superuser('bench', 'b@x.in', 'x')")  # fmt: skip
    start, cpu = time.perf_counter(), _children_cpu()
    report = _manage(env, "import_tally", str(big), "--company", "Bench", "--user", "bench")
    import_seconds, import_cpu = time.perf_counter() - start, _children_cpu() - cpu
    closings = _closings(env)
    wrong = {n: (closings.get(n, 0), p) for n, p in sums.items() if closings.get(n, 0) != p}
    verified = _manage(env, "verify_editlog", "--reconcile").strip()
    floor_seconds = _floor(work)
    print(json.dumps({
        "vouchers": count,
        "file_mb": round(big.stat().st_size / 1e6, 1),
        "parse_vouchers_per_s": round(count / parse_seconds),
        "import_vouchers_per_s": round(count / import_seconds),
        "import_seconds": round(import_seconds, 1),
        # CPU (the process's start, the date pass, parsing and posting): what a busy machine
        # does not blur as it does the wall clock's figures
        "parse_cpu_vouchers_per_s": round(count / parse_cpu),
        "import_cpu_vouchers_per_s": round(count / import_cpu),
        "import_cpu_seconds": round(import_cpu, 1),
        "floor_executemany_vouchers_per_s": round(count / floor_seconds),
        "import_over_parse": round(import_seconds / parse_seconds, 2),
        "import_over_executemany": round(import_seconds / floor_seconds, 2),
        "parse_peak_rss_kib": {"tenth": peak_small, "whole": peak_big},
        "counters": report.strip().splitlines()[-1],
        "trial_balance_equal": not wrong,
        "differences": dict(list(wrong.items())[:5]),
        "verify_editlog": verified,
        "self_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
