"""Tally XML export benchmark: bench/import.py's generated file of N vouchers imported into a fresh
SQLite file, then exported with `tallyxml.writing.export_write` (UTF-16LE, masters and vouchers).

Reports vouchers/s for the export; the export process's peak memory for a tenth of the year and
for the whole of it (flat in the number of vouchers: the export streams); the export's size;
and the round trip: the export imported with `import_tally` into a second company gives the
same closing balance for every ledger. JSON on stdout, progress on stderr.

    flock /tmp/bench.lock .venv/bin/python bench/export.py --vouchers 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
assert _spec and _spec.loader
bench_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_import)

EXPORT = """
import datetime as dt, resource, sys, time
from companies.models import Company
from tallyxml.writing import export_write
company = Company.objects.get(name="Bench")
date_to = dt.date.fromisoformat(sys.argv[2]) if sys.argv[2] != "-" else None
start = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    count = export_write(company, out, date_to=date_to)
seconds = time.perf_counter() - start
print(count.vouchers, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

CLOSINGS = """
import json, sys
from ledgers.models import Ledger
print(json.dumps({l.name: str(l.opening_balance + l.total_debit - l.total_credit)
                  for l in Ledger.objects.filter(company__name=sys.argv[1])}))
"""


def _python(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def _export(env: dict[str, str], path: Path, date_to: dt.date | None) -> tuple[int, float, int]:
    out = _python(env, EXPORT, str(path), date_to.isoformat() if date_to else "-")
    count, seconds, peak = out.split()
    return int(count), float(seconds), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vouchers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tally-export-"))
    env = {**os.environ, "TALLYSYNC_VAR_DIR": str(work), "DJANGO_SETTINGS_MODULE":
           "tallysync.settings"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    source = work / "daybook.xml"
    bench_import.generate(source, args.vouchers, args.seed)
    bench_import._manage(env, "migrate", "-v0")
    bench_import._manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
                         "User.objects.create_superuser('bench', 'b@x.in', 'x')")  # fmt: skip
    print("importing the generated file", file=sys.stderr)
    bench_import._manage(env, "import_tally", str(source), "--company", "Bench", "--user", "bench")
    tenth_to = bench_import.FY_START + dt.timedelta(days=36)
    print("exporting", file=sys.stderr)
    tenth, _, peak_tenth = _export(env, work / "tenth.xml", tenth_to)
    count, seconds, peak_whole = _export(env, work / "export.xml", None)
    print("importing the export into a second company", file=sys.stderr)
    report = bench_import._manage(
        env, "import_tally", str(work / "export.xml"), "--company", "Bench Copy", "--user", "bench"
    )
    before = json.loads(_python(env, CLOSINGS, "Bench"))
    after = json.loads(_python(env, CLOSINGS, "Bench Copy"))
    wrong = {n: (b, after.get(n)) for n, b in before.items() if after.get(n) != b}
    print(json.dumps({
        "vouchers": count,
        "export_mb": round((work / "export.xml").stat().st_size / 1e6, 1),
        "export_vouchers_per_s": round(count / seconds),
        "export_seconds": round(seconds, 2),
        "export_peak_rss_kib": {f"{tenth} vouchers": peak_tenth, f"{count} vouchers": peak_whole},
        "round_trip_counters": report.strip().splitlines()[-1],
        "round_trip_trial_balance_equal": not wrong,
        "differences": dict(list(wrong.items())[:5]),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
