"""What the Edit Log keeps of a voucher (hashed: its shape only grows). A save answers with it
too, so a retried request gets the first save's answer from its Change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Prefetch, QuerySet

from ledgers.models import Ledger
from vouchers.bills import bank_snapshot, bill_snapshot, entries_prefetch, entry_parts
from vouchers.drafts import Line
from vouchers.models import Entry, Voucher, VoucherNumbering
from vouchers.parts import voucher_parts_read


class Posting(Protocol):
    """An Entry, or a checked draft line not yet written."""

    ledger: Ledger
    amount: Decimal


def voucher_snapshot(
    voucher: Voucher,
    lines: Iterable[Posting] | None = None,
    parts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The voucher with `lines` and the parts other apps keep on it (`vouchers.parts`): as
    given, or read when `lines` are not (its entries and its parts as they are)."""
    if lines is None:
        parts = voucher_parts_read([voucher]).get(voucher.pk, {})
        lines = (
            voucher.entries.select_related("ledger", "bank")
            .prefetch_related(entries_prefetch())
            .order_by("position")
        )
    shown: dict[str, Any] = {
        "id": voucher.pk,
        "type": voucher.voucher_type.name,
        "number": voucher.number,
        "date": voucher.date,
        "narration": voucher.narration,
        "reference": voucher.reference,
        "cancelled": voucher.is_cancelled,
        "version": voucher.version,
        "entries": [_line_snapshot(line) for line in lines],
    }
    if voucher.number_text:  # a prefixed or typed Voucher No.; a plain number has none
        shown["voucher_no"] = voucher.number_text
    if parts:
        shown.update(parts)
    return shown


def _line_snapshot(line: Posting) -> dict[str, Any]:
    """A line: its ledger and amount, and its bills and instrument when it has them."""
    shown: dict[str, Any] = {
        "ledger_id": line.ledger.pk,
        "ledger": line.ledger.name,
        ("debit" if line.amount > 0 else "credit"): abs(line.amount),
    }
    bills, bank = (line.bills, line.bank) if isinstance(line, Line) else entry_parts(line)  # type: ignore[arg-type]
    if bills:
        shown["bills"] = [bill_snapshot(bill) for bill in bills]
    if bank is not None:
        shown.update(bank_snapshot(bank))
    return shown


def vouchers_snapshots(
    vouchers: QuerySet[Voucher], *, chunk: int = 500
) -> Iterator[tuple[Voucher, dict[str, Any]]]:
    """Each voucher with its snapshot, its type, entries and their bills and bank details
    fetched per chunk (four queries a chunk, not some per voucher)."""
    lines = (
        Entry.objects.select_related("ledger", "bank")
        .prefetch_related(entries_prefetch())
        .order_by("position")
    )
    fetched = vouchers.select_related("voucher_type").prefetch_related(
        Prefetch("entries", queryset=lines, to_attr="lines_fetched")
    )
    chunked: list[Voucher] = []
    for voucher in fetched.iterator(chunk_size=chunk):
        chunked.append(voucher)
        if len(chunked) == chunk:
            yield from _with_parts(chunked)
            chunked = []
    yield from _with_parts(chunked)


def _with_parts(vouchers: list[Voucher]) -> Iterator[tuple[Voucher, dict[str, Any]]]:
    parts = voucher_parts_read(vouchers)
    for voucher in vouchers:
        lines = voucher.lines_fetched  # type: ignore[attr-defined]
        yield voucher, voucher_snapshot(voucher, lines, parts.get(voucher.pk))


def numbering_snapshot(numbering: VoucherNumbering) -> dict[str, Any]:
    """A voucher type's numbering (Voucher Type Alteration's "Method of voucher numbering")."""
    return {
        "id": numbering.pk,
        "type": numbering.voucher_type.name,
        "method": numbering.method,
        "prefix": numbering.prefix,
        "suffix": numbering.suffix,
        "width": numbering.width,
        "version": numbering.version,
    }
