"""Bill-wise details and bank instruments on a voucher's lines: the typed parts of a line
(`BillRef`, `BankDetail`), the rules on them (checked under the save's lock, against the bills
as they stand), and their rows (`BillAllocation`, `BankAllocation`).

A bill is a party's (ledger's) name for an amount it owes or is owed: made by a New Ref or an
Advance on a voucher line, or brought in as an opening bill of the ledger; settled by Agst Ref
lines. What is pending on it is the sum of all of these (signed, positive = Dr), so a voucher
deleted or altered re-opens what it settled, without a stored balance to keep right.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.db import connection
from django.db.models import Case, Count, Max, Min, Prefetch, Sum, When
from django.db.models.functions import Lower

from core.bulk import db_date, rows_insert
from core.errors import Invalid
from core.forms import Errors
from core.money import ZERO, MoneyField, format_amount, format_balance
from ledgers.models import Ledger, OpeningBill
from vouchers.models import BankAllocation, BillAllocation, Entry, VoucherType

Kind = BillAllocation.Kind
Instrument = BankAllocation.Instrument
# Kinds that name a bill of their own (a second one of the same name is refused).
MAKES_BILL = frozenset({Kind.NEW, Kind.ADVANCE})
# The voucher types whose bill-wise lines, sent without bills, make a New Ref named after the
# voucher (Tally's default on an invoice); other types' go On Account.
INVOICES = frozenset({VoucherType.Base.SALES, VoucherType.Base.PURCHASE})
MAX_BILLS = 100
MAX_BILL_NAME = 100  # BillAllocation.name, OpeningBill.name


@dataclass(frozen=True)
class BillRef:
    """One allocation of a line to a bill, as typed: `amount` signed like the line."""

    kind: str  # a BillAllocation.Kind
    name: str  # "" for On Account
    amount: Decimal
    due_date: dt.date | None = None  # New Ref: the date plus the credit period when not given
    credit_days: int | None = None


@dataclass(frozen=True)
class BankDetail:
    """A bank line's instrument, and the day the bank cleared it (set by reconciliation only,
    carried across alterations that keep the line's amount)."""

    instrument_type: str = ""
    instrument_number: str = ""
    instrument_date: dt.date | None = None
    favouring: str = ""
    bank_date: dt.date | None = None

    @property
    def empty(self) -> bool:
        return self == BankDetail()


def is_bank(ledger: Ledger) -> bool:
    """A bank ledger: under Bank Accounts or Bank OD A/c (cash or bank, not cash)."""
    group = ledger.group
    return group is not None and group.is_cash_bank and not group.is_cash


# -- what a line carries as snapshot ---------------------------------------------------------


def bill_snapshot(bill: BillRef) -> dict[str, Any]:
    shown: dict[str, Any] = {"type": Kind(bill.kind).label, "name": bill.name}
    shown["debit" if bill.amount > 0 else "credit"] = abs(bill.amount)
    if bill.due_date:
        shown["due_date"] = bill.due_date
    return shown


def bank_snapshot(bank: BankDetail) -> dict[str, Any]:
    """The instrument's fields that are set (a line without one shows none)."""
    shown: dict[str, Any] = {}
    if bank.instrument_type:
        shown["instrument_type"] = Instrument(bank.instrument_type).label
    if bank.instrument_number:
        shown["instrument_number"] = bank.instrument_number
    if bank.instrument_date:
        shown["instrument_date"] = bank.instrument_date
    if bank.favouring:
        shown["favouring"] = bank.favouring
    if bank.bank_date:
        shown["bank_date"] = bank.bank_date
    return shown


def entry_parts(entry: Entry) -> tuple[tuple[BillRef, ...] | None, BankDetail | None]:
    """An entry's bills and bank detail: the bills from `bills_fetched` when prefetched
    (`entries_prefetch`), the bank detail as read with the entry (`select_related("bank")`);
    else each is read."""
    rows = getattr(entry, "bills_fetched", None)
    if rows is None:
        rows = list(entry.bills.all())
    bills = tuple(
        BillRef(kind=b.kind, name=b.name, amount=b.amount, due_date=b.due_date) for b in rows
    )
    row = getattr(entry, "bank", None)  # select_related("bank") reads it with the entry
    bank = None
    if row is not None:
        bank = BankDetail(
            instrument_type=row.instrument_type,
            instrument_number=row.instrument_number,
            instrument_date=row.instrument_date,
            favouring=row.favouring,
            bank_date=row.bank_date,
        )
    return (bills or None), bank


def entries_prefetch() -> Prefetch:
    """The prefetch that gives `entry_parts` an entry's bills (one query for many entries); its
    bank detail comes with the entry (select_related "bank")."""
    return Prefetch(
        "bills", queryset=BillAllocation.objects.order_by("id"), to_attr="bills_fetched"
    )


# -- the bills as they stand -----------------------------------------------------------------


class Line(Protocol):
    """A voucher line (vouchers.drafts.Line) as these rules read it."""

    @property
    def ledger(self) -> Ledger: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def bills(self) -> tuple[BillRef, ...] | None: ...
    @property
    def bank(self) -> BankDetail | None: ...


L = TypeVar("L", bound=Line)


@dataclass
class Pending:
    """A bill as it stands: its party, its name as first written, what is pending, and how many
    allocations or openings made it (none: only settlements are left of it, its New Ref gone)."""

    ledger_id: int
    party: str
    name: str
    amount: Decimal = ZERO
    makers: int = 0


class BillBook:
    """The bills a save names (by name, any party), as they stand under the save's lock without
    the voucher being altered; `apply` adds each checked line's bills, so a batch checks its
    drafts one after another as if posted one by one. One query for each of allocations and
    openings."""

    def __init__(self, *, company_id: int, without_voucher: int | None = None) -> None:
        self.company_id, self.without_voucher = company_id, without_voucher
        self.bills: dict[str, list[Pending]] = defaultdict(list)  # lower name -> one per party
        self.loaded: set[str] = set()

    def load(self, names: Iterable[str]) -> BillBook:
        """Read the bills of these names (any party) not read yet, allocations and openings in
        one query."""
        wanted = {name.lower() for name in names if name} - self.loaded
        if not wanted:
            return self
        self.loaded |= wanted
        made = BillAllocation.objects.filter(ledger__company_id=self.company_id)
        if self.without_voucher is not None:
            made = made.exclude(entry__voucher_id=self.without_voucher)
        openings = OpeningBill.objects.filter(ledger__company_id=self.company_id)
        makers = {
            "made": Sum(Case(When(kind__in=MAKES_BILL, then=1), default=0)),
            "openings": Count("id"),
        }
        summed = [
            rows.annotate(lname=Lower("name"))
            .filter(lname__in=wanted)
            .values("ledger_id", "ledger__name", "lname")
            .annotate(pending=Sum("amount"), first=Min("name"), makers=makers[which])
            .order_by()
            for which, rows in (("made", made), ("openings", openings))
        ]
        for row in summed[0].union(summed[1], all=True):  # one query
            bill = self.get(
                row["ledger_id"], row["lname"], create=(row["ledger__name"], row["first"])
            )
            assert bill is not None
            bill.amount += row["pending"]
            bill.makers += row["makers"]
        return self

    def get(
        self, ledger_id: int, lname: str, *, create: tuple[str, str] | None = None
    ) -> Pending | None:
        for bill in self.bills.get(lname, []):
            if bill.ledger_id == ledger_id:
                return bill
        if create is None:
            return None
        bill = Pending(ledger_id, create[0], create[1])
        self.bills[lname].append(bill)
        return bill

    def others(self, ledger_id: int, lname: str) -> list[Pending]:
        return [b for b in self.bills.get(lname, []) if b.ledger_id != ledger_id]

    def apply(self, lines: Sequence[Line]) -> None:
        for line in lines:
            for bill in line.bills or ():
                if bill.kind != Kind.ON_ACCOUNT:
                    pending = self.get(
                        line.ledger.pk, bill.name.lower(), create=(line.ledger.name, bill.name)
                    )
                    assert pending is not None
                    pending.amount += bill.amount
                    pending.makers += bill.kind in MAKES_BILL


def bill_names(lines: Iterable[Line]) -> set[str]:
    return {bill.name for line in lines for bill in line.bills or () if bill.name}


# -- the rules -------------------------------------------------------------------------------


def _side(amount: Decimal) -> str:
    return format_balance(amount) if amount else format_amount(ZERO)


def _bill_check(
    book: BillBook,
    line: Line,
    i: int,
    j: int,
    bill: BillRef,
    settling: dict[str, Decimal],
    errors: Errors,
) -> None:
    where = f"entries.{i}.bills.{j}"
    party, lname = line.ledger.name, bill.name.lower()
    if bill.kind == Kind.ON_ACCOUNT:
        return
    if bill.kind in MAKES_BILL:
        existing = book.get(line.ledger.pk, lname)
        if existing is not None and existing.makers:
            errors.setdefault(f"{where}.name", []).append(
                f"{party} already has a bill {bill.name}: settle it with Agst Ref, or give the "
                "new bill another name."
            )
        return
    pending = book.get(line.ledger.pk, lname)
    if pending is None:
        others = book.others(line.ledger.pk, lname)
        message = (
            f"{bill.name} is a bill of {others[0].party}, not of {party}."
            if others
            else f"{party} has no bill {bill.name} to settle."
        )
        errors.setdefault(f"{where}.name", []).append(message)
        return
    settling[lname] += bill.amount
    settled = settling[lname]
    if pending.amount == 0:
        errors.setdefault(f"{where}.name", []).append(
            f"Bill {pending.name} of {party} is settled already: nothing is pending on it."
        )
    elif (settled > 0) == (pending.amount > 0):
        errors.setdefault(f"{where}.amount", []).append(
            f"Bill {pending.name} of {party} has {_side(pending.amount)} pending: an Agst Ref "
            f"of {_side(settled)} adds to it instead of settling it."
        )
    elif abs(settled) > abs(pending.amount):
        errors.setdefault(f"{where}.amount", []).append(
            f"Bill {pending.name} of {party} has {_side(pending.amount)} pending now; this "
            f"settles {format_amount(abs(settled))}. Settle at most "
            f"{format_amount(abs(pending.amount))} (the bill's pending amount changed since it "
            "was picked, or the amount is too large)."
        )


Kept = tuple[int, str, str, Decimal]  # (ledger id, kind, lower name, amount) of an allocation


def bills_kept(lines: Iterable[Line]) -> Counter[Kept]:
    """The Agst Refs a voucher has as it stands: an alteration that keeps one as it was is not
    judged again (the bill it settled may have changed or gone since; the voucher stands)."""
    return Counter(
        (line.ledger.pk, bill.kind, bill.name.lower(), bill.amount)
        for line in lines
        for bill in line.bills or ()
        if bill.kind == Kind.AGAINST
    )


def _shape_check(bill: BillRef, where: str, errors: Errors) -> bool:
    """What the form checks, again for drafts made without it (an import, a restore)."""
    ok = True
    if bill.kind != Kind.ON_ACCOUNT and not bill.name.strip():
        errors.setdefault(f"{where}.name", []).append(
            f"Name the bill of this {Kind(bill.kind).label}."
        )
        ok = False
    if len(bill.name) > MAX_BILL_NAME:
        errors.setdefault(f"{where}.name", []).append(
            f"A bill's name is at most {MAX_BILL_NAME} characters."
        )
        ok = False
    if not bill.amount:
        errors.setdefault(f"{where}.amount", []).append("A bill's amount is not zero.")
        ok = False
    return ok


def lines_bills_check(
    book: BillBook, lines: Sequence[Line], *, kept: Counter[Kept] | None = None
) -> None:
    """Each line's bills against the rules and the bills as they stand (`book`): bills only on
    bill-wise ledgers and adding up to their line; a New Ref or Advance names a bill its party
    has not got; an Agst Ref settles, without going past, a bill of the line's own party (one
    the voucher had before and `kept` as it was is not judged again); an instrument only on a
    bank line. Each line is added to `book` once judged, so the next line of the same voucher
    sees it (two lines cannot each settle the whole of one bill). Raises Invalid per field."""
    book.load(bill_names(lines))
    kept = Counter(kept or {})
    errors: Errors = {}
    for i, line in enumerate(lines):
        if line.bank is not None and not line.bank.empty and not is_bank(line.ledger):
            errors.setdefault(f"entries.{i}.instrument_type", []).append(
                f"{line.ledger.name} is not a bank ledger: cheque and instrument details go on "
                "a line of a bank ledger."
            )
        if not line.bills:
            continue
        if not line.ledger.bill_wise:
            errors.setdefault(f"entries.{i}.bills", []).append(
                f"{line.ledger.name} does not keep bills: turn on “Maintain balances "
                "bill-by-bill” in the ledger to allocate its lines to bills."
            )
            continue
        total = sum((bill.amount for bill in line.bills), ZERO)
        if total != line.amount:
            errors.setdefault(f"entries.{i}.bills", []).append(
                f"The bills of {line.ledger.name} add up to {_side(total)}; the line is "
                f"{_side(line.amount)}: {_side(line.amount - total)} is not allocated."
            )
        settling: dict[str, Decimal] = defaultdict(lambda: ZERO)
        made: set[str] = set()
        for j, bill in enumerate(line.bills):
            if not _shape_check(bill, f"entries.{i}.bills.{j}", errors):
                continue
            if bill.kind in MAKES_BILL:
                if bill.name.lower() in made:
                    errors.setdefault(f"entries.{i}.bills.{j}.name", []).append(
                        f"{bill.name} is named twice on this line: one bill, one New Ref."
                    )
                made.add(bill.name.lower())
            same = (line.ledger.pk, bill.kind, bill.name.lower(), bill.amount)
            if kept[same] > 0:
                kept[same] -= 1
                continue
            _bill_check(book, line, i, j, bill, settling, errors)
        book.apply([line])
    if errors:
        raise Invalid(errors)


def bills_defaulted(
    lines: Sequence[L], *, base: str, name: str, book: BillBook, date: dt.date
) -> list[L]:
    """Lines with their bills made whole: a bill-wise line sent without bills gets Tally's
    default — on an invoice a New Ref named `name` (its Ref. or number) with the ledger's credit
    period, unless the party has that bill already; else On Account — and a New Ref without a
    due date gets one from its credit period (the line's, else the ledger's)."""
    whole = []
    for line in lines:
        bills = line.bills
        if line.ledger.bill_wise and not bills:
            had = book.load([name]).get(line.ledger.pk, name.lower()) if name else None
            # a bill of that name with no New Ref left (its settlements only) takes this one
            fresh = base in INVOICES and name and (had is None or not had.makers)
            kind, bill_name = (Kind.NEW, name) if fresh else (Kind.ON_ACCOUNT, "")
            bills = (BillRef(kind=kind, name=bill_name, amount=line.amount),)
            line = replace(line, bills=bills)
            book.apply([line])  # a second such line of the voucher sees this one's bill
        if bills and any(bill.kind == Kind.NEW and bill.due_date is None for bill in bills):
            line = replace(line, bills=tuple(_due(bill, line.ledger, date) for bill in bills))
        whole.append(line)
    return whole


def _due(bill: BillRef, ledger: Ledger, date: dt.date) -> BillRef:
    if bill.kind != Kind.NEW or bill.due_date is not None:
        return bill
    days = bill.credit_days if bill.credit_days is not None else ledger.credit_days
    return replace(bill, due_date=date + dt.timedelta(days=days or 0))


# -- the rows --------------------------------------------------------------------------------


BILL_FIELDS = ("entry", "ledger", "date", "kind", "name", "amount", "due_date")
BANK_FIELDS = (
    *("entry", "ledger", "instrument_type", "instrument_number", "instrument_date"),
    *("favouring", "bank_date"),
)


def _day(value: dt.date | None) -> Any:
    return None if value is None else db_date(value)


def parts_write(lines: Iterable[tuple[int, Line, dt.date]]) -> None:
    """Write the bills and bank details of just-written entries — (entry id, its line, the
    voucher's date) — for a whole batch in plain multi-row INSERTs (core.bulk)."""
    paise = MoneyField().get_prep_value
    bills, banks = [], []
    for entry_id, line, date in lines:
        for bill in line.bills or ():
            bills.append(
                (entry_id, line.ledger.pk, db_date(date), bill.kind, bill.name,
                 paise(bill.amount), _day(bill.due_date))
            )  # fmt: skip
        if line.bank is not None and not line.bank.empty:
            bank = line.bank
            banks.append(
                (entry_id, line.ledger.pk, bank.instrument_type, bank.instrument_number,
                 _day(bank.instrument_date), bank.favouring, _day(bank.bank_date))
            )  # fmt: skip
    if bills:
        rows_insert(BillAllocation, BILL_FIELDS, bills)
    if banks:
        rows_insert(BankAllocation, BANK_FIELDS, banks)


def lines_carried(lines: Sequence[L], before: Sequence[L], *, unreconcile: bool) -> list[L]:
    """An alteration's lines with what the form does not send carried from the line they
    replace (the same place, the same ledger): its bills when none were sent (its one bill
    taking a new amount; several only when the amount is the same), its instrument when none
    was sent, and its bank date when the amount is the same. A reconciled line whose amount
    changes loses its bank date only with `unreconcile` (the user was asked first); without
    it, Invalid says so."""
    carried = []
    errors: Errors = {}
    for i, line in enumerate(lines):
        old = before[i] if i < len(before) else None
        if old is None or old.ledger.pk != line.ledger.pk:
            carried.append(line)
            continue
        same = old.amount == line.amount
        bills = line.bills
        if bills is None and same:
            bills = old.bills
        elif bills is None and old.bills and len(old.bills) == 1 and line.amount:
            # one bill follows its line's new amount (as on the entry screen): an invoice's New
            # Ref keeps its name, so what settled it stays settled against it
            bills = (replace(old.bills[0], amount=line.amount),)
        bank = line.bank if line.bank is not None else old.bank
        cleared = old.bank.bank_date if old.bank else None
        if cleared and not same:
            if not unreconcile:
                errors.setdefault(f"entries.{i}.amount", []).append(
                    f"This line of {line.ledger.name} was reconciled with the bank on "
                    f"{cleared:%d-%b-%Y}: altering its amount clears its bank date. Confirm to "
                    "go on (confirm_reconciled)."
                )
            cleared = None
        if bank is not None or cleared:
            bank = replace(bank or BankDetail(), bank_date=cleared)
        carried.append(replace(line, bills=bills, bank=bank))
    if errors:
        raise Invalid(errors)
    return carried


def has_parts(lines: Iterable[Line]) -> bool:
    """Some line has bills or a bank detail to write (its entry's id is needed)."""
    return any(line.bills or (line.bank is not None and not line.bank.empty) for line in lines)


def entries_delete(voucher_id: int, lines: Iterable[Line]) -> None:
    """Delete a voucher's entries with what refers to them, in plain statements where the ORM
    would first read the entries to cascade: the bills and bank details its `lines` (as read)
    show it has, and the rows of any other table that refers to an entry (none today; a table
    another app adds is deleted here without being named)."""
    lines = list(lines)
    for relation in Entry._meta.related_objects:
        model = relation.related_model
        if model is BillAllocation and not any(line.bills for line in lines):
            continue
        if model is BankAllocation and not any(line.bank is not None for line in lines):
            continue
        model._default_manager.filter(**{f"{relation.field.name}__voucher_id": voucher_id}).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Entry._meta.db_table} WHERE voucher_id = %s", [voucher_id])


def entries_lines(entries: Iterable[Entry], *, make: Callable[..., L]) -> list[L]:
    """The entries (read with select_related("ledger__group", "bank")) as lines made by
    `make(ledger=, amount=, bills=, bank=)`; their bills read in one query, only when a line's
    ledger keeps bills (a ledger with bills cannot stop keeping them: ledger_repost)."""
    entries = list(entries)
    bills: dict[int, list[BillAllocation]] = defaultdict(list)
    if any(entry.ledger.bill_wise for entry in entries):
        rows = BillAllocation.objects.filter(entry__in=[e.pk for e in entries]).order_by("id")
        for row in rows:
            bills[row.entry_id].append(row)
    lines = []
    for entry in entries:
        entry.bills_fetched = bills[entry.pk]  # type: ignore[attr-defined]
        got, bank = entry_parts(entry)
        lines.append(make(ledger=entry.ledger, amount=entry.amount, bills=got, bank=bank))
    return lines


# -- what is pending -------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingBill:
    """A bill with something pending on a day: its party, name, date (its New Ref's, Advance's
    or opening's), due date (a New Ref's or opening's; None: due on its date) and the pending
    amount, signed as the party's balance (positive = Dr: the party owes us)."""

    ledger_id: int
    party: str
    name: str
    date: dt.date
    due_date: dt.date | None
    pending: Decimal

    def overdue_days(self, as_of: dt.date) -> int:
        """Days past its due date on `as_of` (0 when not yet due)."""
        return max(0, (as_of - (self.due_date or self.date)).days)


def bills_pending(
    *,
    company_id: int,
    as_of: dt.date | None = None,
    ledger_ids: Iterable[int] | None = None,
    without_voucher: int | None = None,
) -> list[PendingBill]:
    """The bills with something pending on `as_of` (every date when None) — of the given
    ledgers, or of every party — by date, party and name: allocations and opening bills summed
    per party and bill name (case-insensitive) in one query. `without_voucher`: as if that
    voucher were not in the books (an alteration settles against what it found)."""
    made = BillAllocation.objects.filter(ledger__company_id=company_id).exclude(
        kind=Kind.ON_ACCOUNT
    )
    if without_voucher is not None:
        made = made.exclude(entry__voucher_id=without_voucher)
    openings = OpeningBill.objects.filter(ledger__company_id=company_id)
    if as_of is not None:
        made = made.filter(date__lte=as_of)
    if ledger_ids is not None:
        ids = list(ledger_ids)
        made, openings = made.filter(ledger_id__in=ids), openings.filter(ledger_id__in=ids)
    summed = [
        rows.annotate(lname=Lower("name"))
        .values("ledger_id", "ledger__name", "lname")
        .annotate(pending=Sum("amount"), first=Min("name"), day=Min("date"), due=Max("due_date"))
        .order_by()
        for rows in (made, openings)
    ]
    bills: dict[tuple[int, str], dict[str, Any]] = {}
    for row in summed[0].union(summed[1], all=True):
        key = (row["ledger_id"], row["lname"])
        if key not in bills:
            bills[key] = dict(row)
            continue
        bill = bills[key]
        bill["pending"] += row["pending"]
        bill["day"] = min(bill["day"], row["day"])
        bill["due"] = max(filter(None, (bill["due"], row["due"])), default=None)
    pending = [
        PendingBill(
            ledger_id=row["ledger_id"],
            party=row["ledger__name"],
            name=row["first"],
            date=row["day"],
            due_date=row["due"],
            pending=row["pending"],
        )
        for row in bills.values()
        if row["pending"]
    ]
    return sorted(pending, key=lambda b: (b.date, b.party.lower(), b.name.lower()))
