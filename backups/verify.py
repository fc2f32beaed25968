"""Verify the books (read-only): a registry of checks (NOTES.md C.4), each with an ID, a
severity, a title and a function yielding what it found, run per company or over the database.

A check is added by the app that brings what it checks: `@check("V03", ERROR, "…")` on a
function of a company. The inventory and cost-centre checks (V03–V06, B02, B04) belong to apps
that do not exist yet; they register here when those apps do. Nothing in this module writes:
`repair_books` (backups.repair) acts on what these checks find.
"""

from __future__ import annotations

import enum
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, Model, Q

from backups.archive import Progress
from backups.folder import archives_list, folder_path
from books.reconcile import money_sides, money_sides_sum, totals_reconcile
from companies.models import Company
from core.money import format_amount, format_balance, money_from_parts, money_sum_parts
from core.records import kind_get, kinds
from editlog.head import heads_read
from editlog.models import Change
from editlog.selectors import editlog_verify
from ledgers.models import Group, Ledger
from vouchers.models import Entry, Voucher, VoucherCounter, VoucherType


class Severity(enum.IntEnum):
    """How bad a finding is; errors and worse make `verify_books` exit non-zero."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()


INFO, WARNING, ERROR, CRITICAL = Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL


class Repair(enum.StrEnum):
    """What `repair_books` does about a check's findings."""

    REBUILD = "rebuild"  # derived data: recomputed from the entries
    QUARANTINE = "quarantine"  # the broken rows move to the Exceptions list
    LIST = "list"  # only listed: a person decides (or a backup is restored)


@dataclass(frozen=True)
class Found:
    """What a check function yields: the object and what is wrong with it (a check of mixed
    severity gives each finding its own)."""

    object_type: str  # a record kind's name ("voucher", "ledger", "group") or a table's model
    object_id: int | None
    message: str
    severity: Severity | None = None


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: Severity
    company_id: int | None
    object_type: str
    object_id: int | None
    message: str

    @property
    def object_key(self) -> str:
        return f"{self.object_type}:{self.object_id}" if self.object_id is not None else ""

    def __str__(self) -> str:
        where = f" {self.object_key}" if self.object_key else ""
        return f"{self.check_id} {self.severity.label.lower()}{where}: {self.message}"


CheckFunction = Callable[[Any], Iterable[Found]]


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    title: str
    function: CheckFunction
    repair: Repair = Repair.LIST
    # "company": run for each company (the function gets it); "database": once for the whole
    # database file (the function gets None).
    scope: str = "company"
    # Checks whose findings say the same thing more precisely: a finding of this check on an
    # object one of them named (or, on the company itself, any of theirs in the company) is
    # left out — B05's difference is the vouchers V01 names; D01's dangling row M01's orphan.
    covered_by: tuple[str, ...] = ()


_checks: dict[str, Check] = {}


def check(
    check_id: str,
    severity: Severity,
    title: str,
    *,
    repair: Repair = Repair.LIST,
    scope: str = "company",
    covered_by: tuple[str, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check (a decorator); registering an ID again replaces it."""

    def register(function: CheckFunction) -> CheckFunction:
        _checks[check_id] = Check(check_id, severity, title, function, repair, scope, covered_by)
        return function

    return register


FAMILIES = "VMBDA"  # NOTES.md C.4's order: vouchers, masters, balances, database, audit


def _order(check_id: str) -> tuple[int, str]:
    family = FAMILIES.find(check_id[:1])
    return (family if family >= 0 else len(FAMILIES), check_id)


def checks(ids: Iterable[str] | None = None) -> list[Check]:
    """The registered checks in NOTES.md C.4's order (only `ids`, when given; an unknown ID is
    a KeyError)."""
    chosen = _checks if ids is None else {key.upper() for key in ids}
    return [_checks[key] for key in sorted(chosen, key=_order)]


def check_get(check_id: str) -> Check | None:
    return _checks.get(check_id)


# -- the run ---------------------------------------------------------------------------------

# The check running now reports the rows it has read through this (`_counted`), so a long
# check moves the progress bar too; None outside a run with progress.
_rows_read: ContextVar[Callable[[int], None] | None] = ContextVar("rows_read", default=None)
ROWS_EVERY = 0.25  # seconds between row notes, at most
ROWS_STEP = 1000  # rows between looks at the clock


def _found(check_: Check, company: Company | None, found: Iterable[Found]) -> Iterator[Finding]:
    for each in found:
        yield Finding(
            check_id=check_.id,
            severity=each.severity if each.severity is not None else check_.severity,
            company_id=company.pk if company is not None else None,
            object_type=each.object_type,
            object_id=each.object_id,
            message=each.message,
        )


def _uncovered(findings: list[Finding], ran: list[Check]) -> list[Finding]:
    """Leave out a covered check's findings that a more precise check already made."""
    named = {(f.check_id, f.object_type, f.object_id) for f in findings}
    companies = {(f.check_id, f.company_id) for f in findings}
    by_id = {c.id: c for c in ran}

    def covered(finding: Finding) -> bool:
        for other in by_id[finding.check_id].covered_by:
            if other not in by_id:
                continue
            if (other, finding.object_type, finding.object_id) in named:
                return True
            if finding.object_type == "company" and (other, finding.company_id) in companies:
                return True
        return False

    return [f for f in findings if not covered(f)]


def books_verify(
    *,
    company: Company | None = None,
    ids: Iterable[str] | None = None,
    database: bool = True,
    progress: Progress | None = None,
) -> list[Finding]:
    """Run the checks (`ids`, or all) on one company or, with none, on every company; with
    `database`, the database-wide checks too (D01). Reads only. Findings in check order.
    `progress(done, total, stage)` hears of each check as it starts (done of total checks run)
    and, within a check that reads rows one by one, of the rows read."""
    ran = checks(ids)
    companies = [company] if company is not None else list(Company.objects.order_by("pk"))
    runs: list[tuple[Check, Company | None]] = []
    for each in ran:
        if each.scope == "database":
            runs += [(each, None)] if database else []
        else:
            runs += [(each, one) for one in companies]
    findings: list[Finding] = []
    for number, (each, one) in enumerate(runs):
        stage = f"check {number + 1} of {len(runs)}: {each.id} {each.title}"
        if one is not None and company is None:
            stage += f" — {one.name}"
        findings += _run(each, one, progress, number, len(runs), stage)
    if progress is not None:
        progress(len(runs), len(runs), "done")
    return _uncovered(findings, ran)


def _run(
    each: Check,
    company: Company | None,
    progress: Progress | None,
    done: int,
    total: int,
    stage: str,
) -> list[Finding]:
    """One check on one company (or the database), its rows read reported under `stage`."""
    if progress is None:
        return list(_found(each, company, each.function(company)))
    progress(done, total, stage)
    token = _rows_read.set(lambda rows: progress(done, total, f"{stage} ({rows:,} rows read)"))
    try:
        return list(_found(each, company, each.function(company)))
    finally:
        _rows_read.reset(token)


def _counted(rows: Iterable[Any]) -> Iterator[Any]:
    """`rows`, passed through, their count reported to the run's progress now and then."""
    note = _rows_read.get()
    if note is None:
        yield from rows
        return
    noted = time.monotonic()
    for count, row in enumerate(rows, 1):
        yield row
        if count % ROWS_STEP == 0 and time.monotonic() - noted >= ROWS_EVERY:
            note(count)
            noted = time.monotonic()


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity >= ERROR for f in findings)


# -- helpers ---------------------------------------------------------------------------------


def object_type_of(model: type[Model]) -> str:
    """The name findings and the Exceptions list give a row's kind: its record kind's, or its
    model's."""
    for kind in kinds():
        if kind.model is model:
            return kind.name
    return model._meta.model_name or model.__name__.lower()


def _voucher_name(row: dict[str, Any]) -> str:
    return f"{row.get('voucher_type__name') or 'Voucher'} No. {row['number']}"


# -- V: vouchers -----------------------------------------------------------------------------


@check("V01", ERROR, "Voucher totals do not match (Σ Dr = Σ Cr)", repair=Repair.QUARANTINE)
def voucher_totals(company: Company) -> Iterator[Found]:
    """One grouped pass summing each voucher's signed amounts (in parts: no overflow); the
    debits and credits of the few that do not come to zero are read after."""
    high, low = money_sum_parts("amount")
    nets = (
        Entry.objects.filter(voucher__company=company)
        .values("voucher_id")
        .annotate(lines=Count("id"), high=high, low=low)
        .filter(lines__gte=2)  # fewer: V02's
        .order_by()
        .values_list("voucher_id", "high", "low")
    )
    unbalanced = sorted(pk for pk, h, lo in _counted(nets.iterator(chunk_size=5000)) if h or lo)
    sides = (
        Entry.objects.filter(voucher_id__in=unbalanced)
        .values("voucher_id")
        .annotate(**money_sides_sum())
        .order_by("voucher_id")
    )
    for row in sides if unbalanced else ():
        debit, credit = money_sides(row)
        if debit != credit:
            message = (
                f"Voucher totals do not match: Dr {format_amount(debit)}, "
                f"Cr {format_amount(credit)} (difference {format_balance(debit - credit)})"
            )
            yield Found("voucher", row["voucher_id"], message)


@check("V02", ERROR, "A voucher has fewer than two entries", repair=Repair.QUARANTINE)
def voucher_entries(company: Company) -> Iterator[Found]:
    vouchers = (
        Voucher.objects.filter(company=company)
        .annotate(lines=Count("entries"))
        .filter(Q(lines__lt=2, is_cancelled=False) | Q(lines__gt=0, is_cancelled=True))
        .values("id", "number", "voucher_type__name", "lines", "is_cancelled")
        .order_by("id")
    )
    for row in vouchers:
        if row["is_cancelled"]:
            message = f"is cancelled but still has {row['lines']} entries"
        elif row["lines"] == 0:
            message = "No entries in voucher"
        else:
            message = "has one entry: a voucher needs a debit and a credit"
        yield Found("voucher", row["id"], f"{_voucher_name(row)} {message}")


@check("V07", ERROR, "Voucher date outside the books or its financial year")
def voucher_dates(company: Company) -> Iterator[Found]:
    vouchers = (
        Voucher.objects.filter(company=company)
        .values("id", "number", "voucher_type__name", "date", "financial_year")
        .order_by("date", "id")
    )
    for row in _counted(vouchers.iterator(chunk_size=2000)):
        day, year = row["date"], row["financial_year"]
        if day < company.books_beginning:
            message = (
                f"is dated {day:%d-%b-%Y}, before the books begin on "
                f"{company.books_beginning:%d-%b-%Y}"
            )
        elif company.financial_year_of(day) != year:
            message = f"is dated {day:%d-%b-%Y} but numbered in FY {year}-{(year + 1) % 100:02d}"
        else:
            continue
        yield Found("voucher", row["id"], f"{_voucher_name(row)} {message}")


def _ranges(numbers: list[int]) -> str:
    """3, 4, 5, 9 → "3–5, 9"."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


@check("V08", ERROR, "Voucher numbers: duplicates (error), gaps (info)")
def voucher_numbers(company: Company) -> Iterator[Found]:
    """Per voucher type and financial year, against the counter numbers are taken from
    (`VoucherCounter`): a deleted voucher's number is never given again, so a gap is a
    deletion (info), while a number used twice, or beyond the counter (the next voucher would
    get it again), is an error."""
    used: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Voucher.objects.filter(company=company).values_list(
        "voucher_type_id", "financial_year", "number", "id"
    )
    for type_id, year, number, pk in _counted(rows.iterator(chunk_size=5000)):
        used[(type_id, year)][number].append(pk)
    counters = {
        (c.voucher_type_id, c.financial_year): c.last_number
        for c in VoucherCounter.objects.filter(company=company)
    }
    names = dict(VoucherType.objects.filter(company=company).values_list("id", "name"))
    for (type_id, year), numbers in sorted(used.items()):
        series = f"{names.get(type_id, f'type #{type_id}')} FY {year}-{(year + 1) % 100:02d}"
        for number, ids in sorted(numbers.items()):
            if len(ids) > 1:
                message = f"{series}: No. {number} is used by {len(ids)} vouchers"
                yield Found("voucher", ids[1], message, ERROR)
        last = counters.get((type_id, year), 0)
        highest = max(numbers)
        if highest > last:
            message = (
                f"{series}: No. {highest} is used, but the numbering stands at {last}: the next "
                f"voucher would be given No. {last + 1} again"
            )
            yield Found("voucher", numbers[highest][0], message, ERROR)
        missing = [n for n in range(1, last + 1) if n not in numbers]
        if missing:
            message = f"{series}: No. {_ranges(missing)} not in the books (deleted)"
            yield Found("voucher_type", type_id, message, INFO)


# -- M: masters ------------------------------------------------------------------------------


def _missing_parent(model: type[Model], field: str, parent: type[Model]) -> Q:
    """Rows whose `field` names a row of `parent` that does not exist."""
    return Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}__in": parent.objects.values("pk")})


@check("M01", ERROR, "Orphans and cross-company references", repair=Repair.QUARANTINE)
def orphans(company: Company) -> Iterator[Found]:
    yield from _orphan_entries(company)
    yield from _voucher_references(company)
    yield from _master_references(company)


def _orphan_entries(company: Company) -> Iterator[Found]:
    """Entries of this company's ledgers whose voucher is gone."""
    entries = Entry.objects.filter(ledger__company=company).filter(
        _missing_parent(Entry, "voucher_id", Voucher)
    )
    for pk, voucher_id, amount in entries.values_list("id", "voucher_id", "amount").order_by("id"):
        message = f"entry of {format_balance(amount)} is of voucher #{voucher_id}, which is gone"
        yield Found("entry", pk, message)


def _voucher_references(company: Company) -> Iterator[Found]:
    """Vouchers of this company whose lines name a ledger that is gone or another company's,
    or whose type is."""
    entries = Entry.objects.filter(voucher__company=company)
    gone = entries.filter(_missing_parent(Entry, "ledger_id", Ledger)).values_list(
        "voucher_id", "position", "ledger_id"
    )
    for voucher_id, position, ledger_id in gone.order_by("voucher_id", "position"):
        yield Found("voucher", voucher_id, f"line {position + 1}'s ledger #{ledger_id} is gone")
    foreign = (
        entries.exclude(ledger__company=company)
        .values_list("voucher_id", "position", "ledger__name", "ledger__company__name")
        .order_by("voucher_id", "position")
    )
    for voucher_id, position, ledger, other in foreign:
        message = f"line {position + 1} posts to {ledger} of another company ({other})"
        yield Found("voucher", voucher_id, message)
    vouchers = Voucher.objects.filter(company=company)
    for pk, type_id in vouchers.filter(
        _missing_parent(Voucher, "voucher_type_id", VoucherType)
    ).values_list("id", "voucher_type_id"):
        yield Found("voucher", pk, f"its voucher type #{type_id} is gone")
    for pk, name in (
        vouchers.exclude(voucher_type__company=company)
        .filter(voucher_type__isnull=False)
        .values_list("id", "voucher_type__name")
    ):
        yield Found("voucher", pk, f"its voucher type {name} is another company's")


def _master_references(company: Company) -> Iterator[Found]:
    """Ledgers without a group (Profit & Loss A/c alone stands outside every group), and
    groups and ledgers pointing into another company."""
    ledgers = Ledger.objects.filter(company=company)
    for pk, name in ledgers.filter(group__isnull=True, predefined=False).values_list("id", "name"):
        yield Found("ledger", pk, f"{name} is in no group")
    no_group = ledgers.filter(_missing_parent(Ledger, "group_id", Group))
    for pk, name, group_id in no_group.values_list("id", "name", "group_id"):
        yield Found("ledger", pk, f"{name}'s group #{group_id} is gone")
    for pk, name, group in (
        ledgers.exclude(group__company=company)
        .filter(group__isnull=False)
        .values_list("id", "name", "group__name")
    ):
        yield Found("ledger", pk, f"{name} is under {group}, another company's group")
    groups = Group.objects.filter(company=company)
    no_parent = groups.filter(_missing_parent(Group, "parent_id", Group))
    for pk, name, parent_id in no_parent.values_list("id", "name", "parent_id"):
        yield Found("group", pk, f"{name}'s parent group #{parent_id} is gone")
    for pk, name, parent in (
        groups.exclude(parent__company=company)
        .filter(parent__isnull=False)
        .values_list("id", "name", "parent__name")
    ):
        yield Found("group", pk, f"{name} is under {parent}, another company's group")


@check("M02", ERROR, "Cycles in the group tree")
def group_cycles(company: Company) -> Iterator[Found]:
    parents = dict(Group.objects.filter(company=company).values_list("id", "parent_id"))
    names = dict(Group.objects.filter(company=company).values_list("id", "name"))
    reported: set[int] = set()
    for start in sorted(parents):
        seen: list[int] = []
        node: int | None = start
        while node is not None and node in parents and node not in seen:
            seen.append(node)
            node = parents[node]
        if node is None or node not in seen:
            continue
        cycle = seen[seen.index(node) :]
        if reported & set(cycle):
            continue
        reported |= set(cycle)
        first = min(cycle)
        loop = cycle[cycle.index(first) :] + cycle[: cycle.index(first)] + [first]
        path = " → ".join(names[g] for g in loop)
        yield Found("group", first, f"the groups are their own parents: {path}")


# -- B: balances -----------------------------------------------------------------------------


@check("B01", ERROR, "Kept ledger and day totals = recomputed from entries", repair=Repair.REBUILD)
def kept_totals(company: Company) -> Iterator[Found]:
    """books.reconcile's own comparison of the kept totals with the entries (the entries'
    rows read told to the run's progress)."""
    for difference in totals_reconcile(company, counted=_counted):
        object_type, pk = difference.object_key.split(":")
        yield Found(object_type, int(pk), difference.message)


@check("B03", WARNING, "Difference in opening balances")
def opening_difference(company: Company) -> Iterator[Found]:
    high, low = money_sum_parts("opening_balance")
    sums = Ledger.objects.filter(company=company).aggregate(high=high, low=low)
    difference = money_from_parts(sums["high"], sums["low"])
    if difference:
        message = (
            f"the opening balances differ by {format_balance(difference)}: the Trial Balance "
            "shows a Difference in opening balances"
        )
        yield Found("company", company.pk, message)


@check(
    "B05",
    CRITICAL,
    "Trial Balance: Σ Dr = Σ Cr over every ledger",
    covered_by=("V01", "V02", "M01", "B01"),
)
def trial_balance(company: Company) -> Iterator[Found]:
    """The ledgers' kept totals, as every report reads them: the vouchers' and the totals'
    own checks say where a difference comes from, so it is reported here only when none of
    them did."""
    parts = {}
    for name, side in (("d", "total_debit"), ("c", "total_credit")):
        parts[f"{name}h"], parts[f"{name}l"] = money_sum_parts(side)
    sums = Ledger.objects.filter(company=company).aggregate(**parts)
    debit, credit = money_sides(sums)
    if debit != credit:
        message = (
            f"the ledgers' totals are Dr {format_amount(debit)}, Cr {format_amount(credit)}: the "
            "Trial Balance does not agree"
        )
        yield Found("company", company.pk, message)


# -- D: the database file --------------------------------------------------------------------


def _models_by_table() -> dict[str, type[Model]]:
    return {model._meta.db_table: model for model in apps.get_models()}


@check(
    "D01", CRITICAL, "Database integrity and foreign keys", scope="database", covered_by=("M01",)
)
def database_integrity(_: None) -> Iterator[Found]:
    if connection.vendor == "sqlite":
        yield from _sqlite_integrity()
    else:
        yield from _unvalidated_constraints()
    yield from _dangling_references()


def _sqlite_integrity() -> Iterator[Found]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        problems = [row[0] for row in cursor.fetchall()]
    if problems != ["ok"]:
        for problem in problems[:100]:
            yield Found("database", None, f"integrity_check: {problem}")


def _unvalidated_constraints() -> Iterator[Found]:
    """PostgreSQL: constraints added NOT VALID and never validated hold only for new rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
        )
        for table, name in cursor.fetchall():
            yield Found("database", None, f"constraint {name} on {table} is not validated")


def _dangling_references() -> Iterator[Found]:
    """Rows naming a row that does not exist. SQLite: `PRAGMA foreign_key_check` (a file
    written with its foreign keys off); PostgreSQL: the same question asked of every
    foreign key the models declare (the database enforces them, so this finds what a
    constraint dropped or a trigger disabled let through)."""
    tables = _models_by_table()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            rows = [(table, rowid, parent) for table, rowid, parent, _ in cursor.fetchall()]
    else:
        rows = list(_dangling_by_query())
    for table, rowid, parent in sorted(rows, key=lambda r: (r[0], r[1] or 0)):
        model = tables.get(table)
        kind = object_type_of(model) if model is not None else table
        yield Found(kind, rowid, f"row of {table} refers to a row of {parent} that does not exist")


def _dangling_by_query() -> Iterator[tuple[str, int, str]]:
    quote = connection.ops.quote_name
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.many_to_many or not field.db_constraint:
                continue
            parent = field.related_model._meta
            table, column = model._meta.db_table, field.column
            sql = (
                f"SELECT c.{quote(model._meta.pk.column)} FROM {quote(table)} c "
                f"LEFT JOIN {quote(parent.db_table)} p ON c.{quote(column)} = "
                f"p.{quote(field.target_field.column)} "
                f"WHERE c.{quote(column)} IS NOT NULL AND p.{quote(parent.pk.column)} IS NULL"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql)
                for (pk,) in cursor.fetchall():
                    yield table, pk, parent.db_table


# -- A: the Edit Log -------------------------------------------------------------------------


@check("A01", CRITICAL, "The Edit Log's hash chain verifies to its head")
def editlog_chain(company: Company) -> Iterator[Found]:
    """`verify_editlog`'s own walk (editlog.selectors.editlog_verify) against the head file,
    then against the head the newest backup of the company holds (NOTES.md C.4: the head is
    the last backup's or later) — which still shows a log cut back when the head file was
    lost or rotated away."""
    head = heads_read().get(company.chain_id)
    problems = editlog_verify(company=company, head=head)
    for problem in problems:
        yield Found("edit_log", problem.seq, problem.message)  # the id is the seq
    if not problems:
        yield from _backup_head(company)


def _newest_head(company: Company) -> tuple[str, str, dict[str, Any]] | None:
    """The newest archive of `company` in the backup folder whose summary holds its Edit Log
    head (encrypted ones too: the summary is beside the archive): its name, when it was taken
    and the head {seq, hash}."""
    for archive in archives_list(folder_path(), chain_id=company.chain_id):
        summary = archive.summary()
        head = summary.get("checks", {}).get("editlog", {})
        if head.get("seq"):
            return archive.name, summary.get("created_at", ""), head
    return None


def _backup_head(company: Company) -> Iterator[Found]:
    newest = _newest_head(company)
    if newest is None:
        return
    name, created_at, head = newest
    seq, hash_ = head["seq"], head["hash"]
    kept = Change.objects.filter(company=company, seq=seq).values_list("hash", flat=True).first()
    if kept is None:
        message = (
            f"{company.name}: Change #{seq} is missing, but the backup {name} "
            f"({created_at}) holds the Edit Log up to it: the log was cut back"
        )
    elif kept != hash_:
        message = (
            f"Change #{seq} of {company.name} is not the one the backup {name} holds (its "
            "hash differs): the log was rewritten since"
        )
    else:
        return
    yield Found("edit_log", seq, message)


def object_url_name(object_type: str) -> str:
    """The page of a finding's object, where its kind has one."""
    kind = kind_get(object_type)
    return kind.url_name if kind is not None else ""
