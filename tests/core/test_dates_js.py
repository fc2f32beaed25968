"""static/dates.js reads a typed date as core.dates does: the same date or the same message,
over a table of every short form and refusal and thousands of generated inputs, run through
Node (the browser runs the same file: tests/e2e/test_dates.py).

Without Node the test skips with the reason on a developer's machine; with CI=true it fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from core.dates import NotADate, parse_tally_date

ROOT = Path(__file__).resolve().parents[2]
DATES_JS = ROOT / "static" / "dates.js"

# What the browser gives the script: no page, a window to put TallyDates on.
HARNESS = """
const fs = require("fs");
global.window = {};
global.document = { currentScript: null, addEventListener() {} };
eval(fs.readFileSync(process.argv[1], "utf8"));
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(
  ([text, today, yearStart]) => window.TallyDates.parse(text, today, yearStart))));
"""

# Every form the parser knows, and its refusals (tests/core/test_dates.py says what each means).
TABLE = [
    *["15", "5", "05", " 31 ", "0", "32", "31", "29", "00"],
    *["15-11", "15-2", "15-02", "1-4", "31-3", "31-12", "1-1", "29-02", "31-02", "15-13"],
    *["15.11", "15/11", "15 11", "15-Nov", "15 nov", "15-february", "15-ma", "15-nvember"],
    *["1511", "0102", "3102", "15-11-2026", "15-11-26", "15.11.26", "20.11.2026"],
    *["15/11/2026", "15 Nov 2026", "15-Nov-26", "26-NOV-2026", "15 - 11 - 2026", "1-4-2025"],
    *["01042026", "15112026", "151126", "123", "12345", "1234567", "123456789"],
    *["2026-11-26", "2028-02-29", "2026-02-30", "0001-01-01", "9999-12-31", "31-12-1899"],
    *["01/01/3000", "1-1-00", "31-12-99", "15-11-2026-1", "15--11", "15-11-202", "15-11-6"],
    *["2026-11-x", "6366-nov/x"],
    *["Nov-15", "2026/11", "2026-11-260", "next Tuesday", "15th", "", "   ", "-", "15-11-"],
    *["\t15\n", "15\u00a011", "\u0661\u0665-11", "15\u200b", "15-\u212aov", "15-1\u0661"],
]
CONTEXTS = [
    ("2026-12-03", "2026-04-01"),
    ("2026-11-03", "2026-04-01"),
    ("2028-02-01", "2027-04-01"),
    ("2027-02-03", "2026-10-01"),
    ("2026-06-30", "2026-01-01"),
]


def python_reads(text: str, today: str, year_start: str) -> dict[str, str]:
    try:
        day = parse_tally_date(
            text, today=dt.date.fromisoformat(today), year_start=dt.date.fromisoformat(year_start)
        )
    except NotADate as exc:
        return {"error": str(exc)}
    return {"date": day.isoformat(), "shown": day.strftime("%d-%b-%Y")}


def generated(count: int, seed: int) -> list[str]:
    """Typing-like strings: digits, separators, a month's letters, the odd space."""
    rng = random.Random(seed)
    pieces = [*"0123456789", *"0123456789", "-", ".", "/", " ", "nov", "feb", "ma", "x", "20"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def node() -> str:
    found = shutil.which("node")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("node not found: the JS date reading cannot be compared")
    pytest.skip("node not found (the browser test compares the two as well)")


def test_javascript_reads_every_date_as_python_does():
    cases = [
        [text, today, year_start]
        for seed, (today, year_start) in enumerate(CONTEXTS)
        for text in [*TABLE, *generated(2000, seed=seed)]
    ]
    done = subprocess.run(
        [node(), "-e", HARNESS, str(DATES_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers = json.loads(done.stdout)
    expected = [python_reads(*case) for case in cases]
    differing = [
        (case, js, py) for case, js, py in zip(cases, answers, expected, strict=True) if js != py
    ]
    assert differing == []
    # the table is not all refusals (a harness that answered nothing would pass otherwise)
    assert sum("date" in answer for answer in answers) > len(TABLE)
