"""Reading a bank's CSV statement with its format (csv module; Indian digit grouping; the
banks' date styles), and proposing which book entry each statement line clears."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from banking.models import StatementFormat, StatementLine
from core.errors import Invalid
from core.money import parse_amount
from vouchers.models import Entry

STRPTIME = {
    "dd/mm/yyyy": "%d/%m/%Y",
    "dd/mm/yy": "%d/%m/%y",
    "dd-mm-yyyy": "%d-%m-%Y",
    "dd-mm-yy": "%d-%m-%y",
    "dd-MMM-yyyy": "%d-%b-%Y",
    "dd MMM yyyy": "%d %b %Y",
}
DEBIT_WORDS = {"dr", "d", "debit", "withdrawal"}
CREDIT_WORDS = {"cr", "c", "credit", "deposit"}
MAX_LINES = 5000


@dataclass(frozen=True)
class ParsedLine:
    """A statement row: `amount` Dr positive, as the bank's statement shows it."""

    row: int
    date: dt.date
    description: str
    reference: str
    amount: Decimal


def _cell(row: list[str], column: int) -> str:
    return row[column - 1].strip() if 0 < column <= len(row) else ""


def _money(text: str, *, row: int, what: str) -> Decimal:
    text = text.replace("\u00a0", "").strip()
    if text in ("", "-", "0", "0.00"):
        return Decimal("0.00")
    try:
        return parse_amount(text, allow_zero=True)
    except ValueError as exc:
        raise Invalid.field("file", f"Row {row}: the {what} {text!r} — {exc}") from None


def _amount(fmt: StatementFormat, row: list[str], number: int) -> Decimal:
    """The row's amount, Dr positive (a withdrawal), from two columns or one and its Dr/Cr."""
    if fmt.withdrawal_column and fmt.deposit_column:
        withdrawal = _money(_cell(row, fmt.withdrawal_column), row=number, what="withdrawal")
        deposit = _money(_cell(row, fmt.deposit_column), row=number, what="deposit")
        return withdrawal - deposit
    amount = _money(_cell(row, fmt.amount_column), row=number, what="amount")
    side = _cell(row, fmt.drcr_column).lower().rstrip(".")
    if side in DEBIT_WORDS:
        return amount
    if side in CREDIT_WORDS:
        return -amount
    raise Invalid.field("file", f"Row {number}: the Dr/Cr column says {side!r}, not Dr or Cr.")


def _date(fmt: StatementFormat, text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, STRPTIME[fmt.date_format]).date()  # noqa: DTZ007
    except ValueError:
        return None


def statement_parse(fmt: StatementFormat, text: str) -> list[ParsedLine]:
    """The statement's lines: rows after `skip_rows` whose date cell reads in the format's
    style. A row without such a date and without amounts (a separator, the bank's closing
    summary) is passed over; one with amounts but no date is refused (Invalid on `file`,
    naming the row), as is an amount that is not one."""
    lines: list[ParsedLine] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number <= fmt.skip_rows or not any(cell.strip() for cell in row):
            continue
        day = _date(fmt, _cell(row, fmt.date_column))
        if day is None:
            amounts = (fmt.withdrawal_column, fmt.deposit_column, fmt.amount_column)
            if any(_cell(row, column).strip("-* ") for column in amounts if column):
                shown = _cell(row, fmt.date_column)
                raise Invalid.field(
                    "file", f"Row {number}: the date {shown!r} is not {fmt.date_format}."
                )
            continue
        amount = _amount(fmt, row, number)
        if amount == 0:
            continue
        lines.append(
            ParsedLine(
                row=number,
                date=day,
                description=_cell(row, fmt.narration_column)[:300],
                reference=_cell(row, fmt.reference_column)[:60],
                amount=amount,
            )
        )
        if len(lines) > MAX_LINES:
            raise Invalid.field("file", f"A statement of at most {MAX_LINES} lines, please.")
    if not lines:
        raise Invalid.field("file", "No statement lines were found with this format.")
    return lines


def text_of(content: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without its mark), else Windows-1252 as Excel saves."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class Proposal:
    """A statement line and the book entry it may clear, and why."""

    line: StatementLine
    entry: Entry
    by_cheque: bool

    @property
    def days(self) -> int:
        return (self.line.date - self.entry.date).days


def _same_number(entry: Entry, line: StatementLine) -> bool:
    """The entry's cheque (instrument) number is the line's reference, or is in its text
    (leading zeros aside: banks pad cheque numbers)."""
    bank = getattr(entry, "bank", None)
    number = (bank.instrument_number if bank else "").strip().lstrip("0")
    if not number:
        return False
    return line.reference.strip().lstrip("0") == number or number in line.description


def proposals_make(
    lines: list[StatementLine], entries: list[Entry], *, days: int
) -> list[Proposal]:
    """For each unmatched line, in date order, the unreconciled entry it most likely clears:
    the same amount on the other side (a deposit, −, clears a Dr of the bank ledger), dated on
    or before the line (a bank date is never before the voucher's); one with the line's cheque
    number first (any age), else the nearest in date within `days`. An entry is proposed once."""
    taken: set[int] = set()
    proposals = []
    by_amount: dict[Decimal, list[Entry]] = {}
    for entry in entries:
        by_amount.setdefault(entry.amount, []).append(entry)
    for line in sorted(lines, key=lambda ln: (ln.date, ln.pk)):
        fits = [
            e for e in by_amount.get(-line.amount, []) if e.pk not in taken and e.date <= line.date
        ]
        cheque = [e for e in fits if _same_number(e, line)]
        near = [e for e in fits if (line.date - e.date).days <= days]
        pick = min(cheque or near, key=lambda e: (line.date - e.date, e.pk), default=None)
        if pick is not None:
            taken.add(pick.pk)
            proposals.append(Proposal(line=line, entry=pick, by_cheque=bool(cheque)))
    return proposals
