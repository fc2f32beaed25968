"""Reports benchmark: Trial Balance, ledger statement, Profit & Loss A/c and Balance Sheet over
~1M entry lines on SQLite.

Builds (or reuses) a separate SQLite file, verifies the kept totals against the entries, then
times the report selectors against the naive SUM over entries. JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from companies.models import Company
    from ledgers.models import Ledger
    from reports.selectors import TrialBalance

ROOT = Path(__file__).resolve().parent.parent
FY_START, FY_END, OCT = dt.date(2026, 4, 1), dt.date(2027, 3, 31), dt.date(2026, 10, 1)
AS_OF = {"now": None, "as_of_mid": dt.date(2026, 9, 30), "as_of_early": dt.date(2026, 5, 15)}
COMPANY, GOAL_MS, BATCH, LAYOUT = "Bench Traders", 20.0, 20_000, 2  # bump LAYOUT to rebuild
# role: (name prefix, group, how many, sign of the opening balance every 3rd one gets)
# 298 ledgers, plus the seeded Cash and Profit & Loss A/c: 300.
ROLES = {
    "sales": ("Sales", "Sales Accounts", 4, 0),
    "purchase": ("Purchase", "Purchase Accounts", 4, 0),
    "bank": ("Bank", "Bank Accounts", 3, 1),
    "expense": ("Expense", "Indirect Expenses", 25, 0),
    "provision": ("Provision", "Provisions", 1, -1),
    "capital": ("Capital", "Capital Account", 2, -1),
    "debtor": ("Customer", "Sundry Debtors", 155, 1),
    "creditor": ("Supplier", "Sundry Creditors", 104, -1),
}
MIX = [  # (voucher type, weight, debit roles, credit roles): one role of each list, at random
    ("Sales", 36, ["cash", "debtor"], ["sales"]),
    ("Purchase", 18, ["purchase"], ["creditor"] * 4 + ["cash"]),
    ("Receipt", 16, ["bank"] * 7 + ["cash"] * 3, ["debtor"]),
    ("Payment", 20, ["expense"] * 3 + ["creditor"] * 2, ["bank"] * 3 + ["cash"] * 2),
    ("Contra", 5, ["bank"], ["cash"]),
    ("Journal", 5, ["expense"], ["provision"]),
]
INSERT_VOUCHER = (
    "INSERT INTO vouchers_voucher (id, company_id, voucher_type_id, financial_year, number, date,"
    " narration, is_cancelled, version, created_at, altered_at, created_by_id, altered_by_id)"
    " VALUES (?, ?, ?, ?, ?, ?, '', 0, 1, ?7, ?7, ?8, ?8)"
)
INSERT_ENTRY = "INSERT INTO vouchers_entry (voucher_id, ledger_id, amount, position, date) VALUES"
FILL_DAYS = (
    "INSERT INTO ledgers_ledgerday (ledger_id, date, debit, credit) SELECT e.ledger_id, e.date,"
    " SUM(MAX(e.amount, 0)), SUM(MAX(-e.amount, 0)) FROM vouchers_entry e"
    " JOIN ledgers_ledger l ON l.id = e.ledger_id WHERE l.company_id = %s GROUP BY 1, 2"
)
DAY_SUM = "(SELECT COALESCE(SUM({}), 0) FROM ledgers_ledgerday WHERE ledger_id = ledgers_ledger.id)"
FILL_TOTALS = (
    f"UPDATE ledgers_ledger SET total_debit = {DAY_SUM.format('debit')},"
    f" total_credit = {DAY_SUM.format('credit')} WHERE company_id = %s"
)
# Alternatives for the as-of Trial Balance, tried on the bench database only.
COVERING = "CREATE INDEX bench_day_cover ON ledgers_ledgerday (ledger_id, date, debit, credit)"
MONTHS = [
    "DROP TABLE IF EXISTS temp.bench_month",
    "CREATE TEMP TABLE bench_month AS SELECT ledger_id, substr(date, 1, 7) || '-01' AS month,"
    " SUM(debit) AS debit, SUM(credit) AS credit FROM ledgers_ledgerday GROUP BY 1, 2",
    "CREATE UNIQUE INDEX temp.bench_month_cover ON bench_month (ledger_id, month, debit, credit)",
]
MONTHS_AS_OF = (  # whole months before the as-of month, then its days up to as_of
    "SELECT ledger_id, SUM(debit) - SUM(credit) FROM (SELECT m.ledger_id, m.debit, m.credit"
    " FROM bench_month m JOIN ledgers_ledger l ON l.id = m.ledger_id"
    " WHERE l.company_id = %s AND m.month < %s UNION ALL SELECT d.ledger_id, d.debit, d.credit"
    " FROM ledgers_ledgerday d JOIN ledgers_ledger l ON l.id = d.ledger_id"
    " WHERE l.company_id = %s AND d.date >= %s AND d.date <= %s) GROUP BY ledger_id"
)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def build(lines: int, seed: int) -> Company:
    """Company and ledgers through the services; vouchers and entries bulk-inserted; LedgerDay
    and Ledger totals filled from the entries with INSERT ... SELECT ... GROUP BY."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from books.services import company_create
    from ledgers.models import Ledger
    from ledgers.services import ledger_create
    from vouchers.models import VoucherType

    actor = get_user_model().objects.create_user("bench", is_staff=True)  # creates the company
    company = company_create(actor=actor, name=COMPANY, financial_year_start=FY_START)
    pools = {"cash": ([Ledger.objects.get(company=company, name="Cash").pk], [1.0])}
    for role, (prefix, group, count, sign) in ROLES.items():
        ids = []
        for rank in range(1, count + 1):
            data: dict[str, Any] = {"name": f"{prefix} {rank:03d}", "group": group}
            if sign and rank % 3 == 1:  # opening balances: 1,00,000.00 / rank
                data["opening_debit" if sign > 0 else "opening_credit"] = f"{100_000 // rank}.00"
            ids.append(ledger_create(company=company, actor=actor, data=data).pk)
        pools[role] = (ids, list(accumulate(1 / rank**0.9 for rank in range(1, count + 1))))
    log(f"{Ledger.objects.filter(company=company).count()} ledgers; inserting {lines:,} lines")
    rng, n_vouchers = random.Random(seed), lines // 2
    types = {t.name: t.pk for t in VoucherType.objects.filter(company=company)}
    days = [FY_START + dt.timedelta(d) for d in range((FY_END - FY_START).days + 1)]
    weights = [(0.2 if d.weekday() == 6 else 1.0) * (1.5 if d.day >= 28 else 1.0) for d in days]
    dates = sorted(rng.choices(days, weights, k=n_vouchers))  # quiet Sundays, busy month-ends
    kinds = rng.choices(MIX, [m[1] for m in MIX], k=n_vouchers)
    numbers, now = dict.fromkeys(types, 0), timezone.now().replace(tzinfo=None).isoformat(" ")
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("PRAGMA cache_size = -262144")  # 256 MiB for the index inserts
    next_id = raw.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM vouchers_voucher").fetchone()[0]

    def pick(roles: list[str]) -> int:
        ids, cumulative = pools[rng.choice(roles)]
        return ids[0] if len(ids) == 1 else rng.choices(ids, cum_weights=cumulative)[0]

    for start in range(0, n_vouchers, BATCH):
        vouchers, entries = [], []
        for i in range(start, min(start + BATCH, n_vouchers)):
            name, _, debit_roles, credit_roles = kinds[i]
            numbers[name] += 1
            day, vid = dates[i].isoformat(), next_id + i
            paise = max(100, round(rng.lognormvariate(11, 1.3)))  # median about ₹600
            vouchers.append((vid, company.pk, types[name], 2026, numbers[name], day, now, actor.pk))
            entries.append((vid, pick(debit_roles), paise, 0, day))
            entries.append((vid, pick(credit_roles), -paise, 1, day))
        with transaction.atomic():
            raw.executemany(INSERT_VOUCHER, vouchers)
            raw.executemany(f"{INSERT_ENTRY} (?, ?, ?, ?, ?)", entries)
        if (start // BATCH) % 5 == 4:
            log(f"  {2 * (start + BATCH):,} lines")
    log("filling LedgerDay and Ledger totals")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FILL_DAYS, [company.pk])
        cursor.execute(FILL_TOTALS, [company.pk])
        cursor.execute("ANALYZE")
    return company


def naive_sums(company: Company, as_of: dt.date | None) -> list[dict[str, Any]]:
    """The baseline: SUM over every entry line, grouped by ledger (the ORM, no kept totals)."""
    from django.db.models import Sum

    from vouchers.models import Entry

    entries = Entry.objects.filter(ledger__company=company)
    if as_of is not None:
        entries = entries.filter(date__lte=as_of)
    return list(entries.values("ledger_id").annotate(total=Sum("amount")).order_by())


def balances(company: Company, as_of: dt.date | None) -> dict[int, Decimal]:
    from reports.selectors import trial_balance_get

    tb = trial_balance_get(company=company, as_of=as_of)
    if tb.total_debit != tb.total_credit:
        raise SystemExit(f"trial balance as of {as_of}: Dr {tb.total_debit} ≠ Cr {tb.total_credit}")
    return {row.ledger.pk: row.balance for row in tb.rows}


def verify(company: Company, ledgers: list[Ledger]) -> None:
    """Trial balances agree, and every ledger's balance = opening + naive sum of its entries."""
    from django.db.models import Sum

    from vouchers.models import Entry

    for as_of in (*AS_OF.values(), OCT, FY_END):
        ours = balances(company, as_of)
        naive = {row["ledger_id"]: row["total"] for row in naive_sums(company, as_of)}
        for ledger in ledgers:
            expected = ledger.opening_balance + naive.get(ledger.pk, 0)
            if ours.get(ledger.pk, 0) != expected:
                raise SystemExit(f"{ledger} as of {as_of}: {ours.get(ledger.pk)} ≠ {expected}")
    for ledger in random.Random(1).sample(ledgers, 25):
        total = Entry.objects.filter(ledger=ledger).aggregate(s=Sum("amount"))["s"] or 0
        if ledger.closing_balance != ledger.opening_balance + total:
            raise SystemExit(f"{ledger}: kept closing {ledger.closing_balance} ≠ its entries")
    log(f"verified: 5 trial balances match the entries of all {len(ledgers)} ledgers")


def timed(fn: Callable[[], object], runs: int, warmups: int = 3) -> dict[str, Any]:
    for _ in range(warmups):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    median, p95 = statistics.median(samples), samples[math.ceil(0.95 * len(samples)) - 1]
    return {"median_ms": round(median, 3), "p95_ms": round(p95, 3), "runs": runs}


def month_sums_trial_balance(company: Company, as_of: dt.date) -> TrialBalance:
    """trial_balance_get's answer from month sums plus the days of the as-of month (a TEMP
    table, built by alternatives(), stands in for a kept LedgerMonth)."""
    from django.db import connection

    from ledgers.models import Ledger
    from reports.selectors import TrialBalance, TrialBalanceRow

    ledgers = Ledger.objects.filter(company=company).select_related("group").order_by("name")
    month, day = as_of.replace(day=1).isoformat(), as_of.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(MONTHS_AS_OF, [company.pk, month, company.pk, month, day])
        moved = {pk: Decimal(net).scaleb(-2) for pk, net in cursor.fetchall()}
    rows, openings = [], Decimal(0)
    for ledger in ledgers:
        openings += ledger.opening_balance
        if balance := ledger.opening_balance + moved.get(ledger.pk, 0):
            rows.append(TrialBalanceRow(ledger=ledger, balance=balance))
    return TrialBalance(as_of=as_of, rows=rows, opening_difference=-openings)


def alternatives(company: Company, runs: int) -> dict[str, Any]:
    """The as-of Trial Balance (a) through trial_balance_get with a covering LedgerDay index
    (created, timed, dropped); (b) from month sums, checked against trial_balance_get."""
    from django.db import connection

    from reports.selectors import trial_balance_get

    out, cases = {}, {key: day for key, day in AS_OF.items() if day}
    with connection.cursor() as cursor:
        cursor.execute(COVERING)
        cursor.execute("ANALYZE ledgers_ledgerday")
    try:
        for key, day in cases.items():
            tb = partial(trial_balance_get, company=company, as_of=day)
            out[f"covering_index_trial_balance_{key}"] = timed(tb, runs)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX bench_day_cover")
    with connection.cursor() as cursor:
        for sql in MONTHS:
            cursor.execute(sql)
    for day in (*cases.values(), OCT, FY_END):
        rows = month_sums_trial_balance(company, day).rows
        if {row.ledger.pk: row.balance for row in rows} != balances(company, day):
            raise SystemExit(f"month sums disagree with trial_balance_get as of {day}")
    for key, day in cases.items():
        tb = partial(month_sums_trial_balance, company, day)
        out[f"month_sums_trial_balance_{key}"] = timed(tb, runs)
    return out


# Final accounts: the selectors against a naive aggregate of the same figures.


def naive_group_sums(company: Company, date_from: dt.date | None, date_to: dt.date) -> dict:
    """The baseline: SUM over every entry line of the period, grouped by the ledger's group."""
    from django.db.models import Sum

    from vouchers.models import Entry

    entries = Entry.objects.filter(ledger__company=company, date__lte=date_to)
    if date_from is not None:
        entries = entries.filter(date__gte=date_from)
    sums = entries.values("ledger__group").annotate(total=Sum("amount")).order_by()
    return {row["ledger__group"]: row["total"] for row in sums}


def naive_nett_profit(company: Company, date_from: dt.date, date_to: dt.date) -> Decimal:
    """Incomes less expenses of the period from the naive group sums (no stock in the bench)."""
    from ledgers.models import Group

    revenue = set(
        Group.objects.filter(company=company, is_revenue=True).values_list("pk", flat=True)
    )
    sums = naive_group_sums(company, date_from, date_to)
    return -sum((total for group, total in sums.items() if group in revenue), Decimal(0))


def naive_balance_sheet(company: Company, as_of: dt.date) -> tuple[Decimal, Decimal]:
    """The Balance Sheet's two totals from the naive group sums and the ledgers' openings: each
    primary group on the side its total falls, Profit & Loss A/c (its ledger and every income
    and expense) on the Liabilities, the Difference in opening balances where it makes them
    agree. Valid for books of one financial year without Stock-in-Hand ledgers."""
    from django.db.models import Sum

    from ledgers.models import Group, Ledger

    groups = {g.pk: g for g in Group.objects.filter(company=company)}
    balances = naive_group_sums(company, None, as_of)
    openings = (
        Ledger.objects.filter(company=company).values("group").annotate(s=Sum("opening_balance"))
    )
    for row in openings.order_by():
        balances[row["group"]] = balances.get(row["group"], 0) + row["s"]
    primaries: dict[int, Decimal] = {}
    result = -balances.pop(None, Decimal(0))  # Profit & Loss A/c, Cr-positive
    for pk, amount in balances.items():
        group = groups[pk]
        while group.parent_id is not None:
            group = groups[group.parent_id]
        if group.is_revenue:
            result -= amount
        else:
            primaries[group.pk] = primaries.get(group.pk, 0) + amount
    difference = sum((row["s"] for row in openings), Decimal(0))
    liabilities = -sum((t for t in primaries.values() if t < 0), Decimal(0)) + result
    assets = sum((t for t in primaries.values() if t > 0), Decimal(0))
    return liabilities + max(difference, 0), assets + max(-difference, 0)


def final_accounts(company: Company, runs: int) -> dict[str, Any]:
    """Profit & Loss A/c (the year to its last day) and Balance Sheet (as of that day), checked
    against the naive figures, then timed beside them."""
    from reports.selectors import balance_sheet_get, profit_and_loss_get

    pl = partial(profit_and_loss_get, company=company, date_from=FY_START, date_to=FY_END)
    bs = partial(balance_sheet_get, company=company, as_of=FY_END)
    nett, sheet = pl().nett_profit, bs()
    if nett != naive_nett_profit(company, FY_START, FY_END):
        raise SystemExit(
            f"nett profit {nett} ≠ naive {naive_nett_profit(company, FY_START, FY_END)}"
        )
    totals = (sheet.liabilities_total, sheet.assets_total)
    if totals != naive_balance_sheet(company, FY_END) or totals[0] != totals[1]:
        raise SystemExit(f"balance sheet {totals} ≠ naive {naive_balance_sheet(company, FY_END)}")
    log(f"verified: nett profit {nett} and Balance Sheet totals {totals[0]} agree with naive sums")
    cases = {
        "profit_and_loss_year": pl,
        "balance_sheet_year_end": bs,
        "naive_profit_and_loss_year": partial(naive_nett_profit, company, FY_START, FY_END),
        "naive_balance_sheet_year_end": partial(naive_balance_sheet, company, FY_END),
    }
    results = {}
    for name, fn in cases.items():
        results[name] = timed(fn, runs)
        log(f"{name}: {results[name]}")
    median = {name: result["median_ms"] for name, result in results.items()}
    return {
        "nett_profit": str(nett),
        "balance_sheet_total": str(totals[0]),
        "results": results,
        "ratios": {
            f"naive_over_ours_{name}": round(median[f"naive_{name}"] / median[name], 1)
            for name in ("profit_and_loss_year", "balance_sheet_year_end")
        },
        "goal": {
            "median_ms_max": GOAL_MS,
            **{
                f"met_{name}": median[name] <= GOAL_MS
                for name in ("profit_and_loss_year", "balance_sheet_year_end")
            },
        },
    }


OCT_END, PAGE = dt.date(2026, 10, 31), 200
# October statements: (ledger, pages timed). 200-line pages: Cash has 86 (17,186 lines),
# Sales 001 36 (7,183), Customer 010 2 (289).
STATEMENTS = {"cash": ("Cash", (1, 11, 80)), "sales": ("Sales 001", (1, 11, 36)),
              "party": ("Customer 010", (1, 2))}  # fmt: skip


def offset_page(ledger: Ledger, offset: int) -> list[Any]:
    """The baseline: an October page as the statement read it before keyset paging (a running
    sum over the whole period in a window, then OFFSET / LIMIT), without its brought-forward
    subquery."""
    from django.db.models import F, Prefetch, Sum, Window

    from reports.statements import ORDER
    from vouchers.models import Entry

    entries = (
        Entry.objects.filter(ledger=ledger, date__range=(OCT, OCT_END))
        .select_related("voucher__voucher_type")
        .prefetch_related(
            Prefetch("voucher__entries", queryset=Entry.objects.select_related("ledger"))
        )
        .annotate(running=Window(Sum("amount"), order_by=[F(name).asc() for name in ORDER]))
        .order_by(*ORDER)
    )
    return list(entries[offset : offset + PAGE + 1])


def lines_of(statement: Any) -> list[tuple[Any, ...]]:
    return [(x.date, x.voucher_id, x.position, x.particulars, x.balance) for x in statement.lines]


def baseline_lines(entries: list[Any], opening: Decimal) -> list[tuple[Any, ...]]:
    """The baseline page's lines as the statement showed them before: the particulars from the
    prefetched voucher's other side, the running balance from the window."""

    def particulars(entry: Any) -> str:
        others = [e for e in entry.voucher.entries.all() if (e.amount > 0) != (entry.amount > 0)]
        if len({e.ledger_id for e in others}) > 1:
            return "(as per details)"
        return others[0].ledger.name if others else str(entry.voucher)

    return [
        (e.date, e.voucher_id, e.position, particulars(e), opening + e.running)
        for e in entries[:PAGE]
    ]


def statements(company: Company, by_name: dict[str, Ledger], runs: int) -> dict[str, Any]:
    """October statement pages by key (`ledger_statement_get` after the key the page before
    ends on; the keys found by walking the pages first, untimed) against the OFFSET baseline,
    after checking that both give the same lines and running balances; the Cash/Bank Book's
    Monthly Summary of Cash too."""
    from reports.statements import ledger_monthly_get, ledger_statement_get

    results: dict[str, Any] = {}
    for short, (name, pages) in STATEMENTS.items():
        page = partial(ledger_statement_get, ledger=by_name[name], date_from=OCT, date_to=OCT_END)
        keys, statement = [None], page(limit=PAGE)
        opening = statement.opening
        while statement.next and len(keys) < max(pages):
            keys.append(statement.next)
            statement = page(after=statement.next, limit=PAGE)
        for number in pages:
            keyed = page(after=keys[number - 1], limit=PAGE)
            baseline = offset_page(by_name[name], (number - 1) * PAGE)
            if lines_of(keyed) != baseline_lines(baseline, opening):
                raise SystemExit(f"{name} page {number}: keyset and OFFSET pages differ")
            results[f"statement_{short}_oct_page{number}"] = timed(
                partial(page, after=keys[number - 1], limit=PAGE), runs
            )
            results[f"offset_statement_{short}_oct_page{number}"] = timed(
                partial(offset_page, by_name[name], (number - 1) * PAGE), runs
            )
            log(f"{name} page {number}: {results[f'statement_{short}_oct_page{number}']}")
    cash = by_name["Cash"].pk
    results["monthly_summary_cash"] = timed(
        partial(ledger_monthly_get, company=company, ledger_id=cash, year=2026), runs
    )
    median = {key: value["median_ms"] for key, value in results.items()}
    keyed = [key for key in median if key.startswith("statement_")]
    return {
        "results": results,
        "ratios": {
            f"offset_over_keyset_{k[10:]}": round(median[f"offset_{k}"] / median[k], 1)
            for k in keyed
        },  # fmt: skip
        "goal": {
            "statement_page_median_ms_max": GOAL_MS,
            "met": all(median[key] <= GOAL_MS for key in keyed),
        },
    }


def app_commit() -> str:
    """HEAD, with "+dirty" if the report, ledger or voucher code differs from it (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    apps = ["reports", "ledgers", "vouchers", "companies"]
    dirty = subprocess.run([*git, "status", "--porcelain", "--", *apps], capture_output=True)
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "reports.sqlite3")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="build even if the db fits")
    args = parser.parse_args()
    lines, db = args.lines - args.lines % 2, args.db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="tallysync.settings", DATABASE_URL=f"sqlite:///{db}")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("TALLYSYNC_EDITLOG_KEY", "bench-only-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from companies.models import Company
    from ledgers.models import Ledger
    from reports.selectors import trial_balance_get
    from vouchers.models import Entry

    meta = Path(f"{db}.build.json")
    call_command("migrate", verbosity=0)
    company = Company.objects.filter(name=COMPANY).first()
    built = not company or Entry.objects.filter(ledger__company=company).count() != lines
    if (
        built
        or args.rebuild
        or not meta.exists()
        or json.loads(meta.read_text()).get("layout") != LAYOUT
    ):
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        company, built = build(lines, seed=2026), True
        seconds = round(time.perf_counter() - start, 1)
        meta.write_text(json.dumps({"build_seconds": seconds, "layout": LAYOUT}))
    assert company is not None
    log(f"{'built' if built else 'reusing'} {db}")
    ledgers = list(Ledger.objects.filter(company=company))
    verify(company, ledgers)
    by_name = {ledger.name: ledger for ledger in ledgers}

    def tb(as_of: dt.date | None) -> Callable[[], object]:
        return partial(trial_balance_get, company=company, as_of=as_of)

    cases: dict[str, Callable[[], object]] = {
        **{f"trial_balance_{k}": tb(d) for k, d in AS_OF.items()},
        **{f"naive_trial_balance_{k}": partial(naive_sums, company, d) for k, d in AS_OF.items()},
    }
    results, load_before = {}, os.getloadavg()[0]
    for name, fn in cases.items():
        results[name] = timed(fn, args.runs)
        log(f"{name}: {results[name]}")
    statement_report = statements(company, by_name, args.runs)
    alternative = alternatives(company, args.runs)
    log(f"alternatives: {alternative}")
    final = final_accounts(company, args.runs)
    median = {name: result["median_ms"] for name, result in results.items()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version(), (SELECT COUNT(*) FROM ledgers_ledgerday)")
        sqlite_version, ledger_days = cursor.fetchone()
    report = {
        "lines": lines,
        "ledgers": len(ledgers),
        "ledger_days": ledger_days,
        "build_seconds": json.loads(meta.read_text())["build_seconds"],
        "built_this_run": built,
        "sqlite_version": sqlite_version,
        "app_commit": app_commit(),
        "load_average_1m": [load_before, os.getloadavg()[0]],  # before and after timing (2 cores)
        "results": results,
        "ratios": {
            f"naive_over_ours_{k}": round(median[f"naive_{t}"] / median[t], 1)
            for k, t in ((k, f"trial_balance_{k}") for k in AS_OF)
        },
        "alternatives": alternative,
        "final_accounts": final,
        "statements": statement_report,
        "goal": {
            "trial_balance_now_median_ms_max": GOAL_MS,
            "met": median["trial_balance_now"] <= GOAL_MS,
            **{f"met_{k}": median[f"trial_balance_{k}"] <= GOAL_MS for k in AS_OF if k != "now"},
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
