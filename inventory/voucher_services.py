"""Item invoices, Stock Journals and Physical Stock: saved by the vouchers' own save
(`voucher_post` / `voucher_repost`) with their stock lines as the voucher's part "items"
(`vouchers.parts`), so a voucher with items is one Change, numbered, locked and versioned as
every voucher is.

Negative stock: under the company lock, once the lines are written, each item and godown the
save takes stock out of is replayed over all dates (`inventory.moves.moves_read`); one left
below zero is a warning in the save's answer (`warnings`, as Tally's negative cash warning),
or a refusal naming the line (`items.2.quantity`) when the company refuses negative stock.
Concurrent saves wait for the lock, so each sees the stock the others left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser

from companies.models import Company
from core.errors import Invalid, Parsed, found
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_write
from inventory.models import Godown, StockItem, StockLine, quantity_text
from inventory.moves import Move, MoveKind, moves_read
from inventory.voucher_drafts import INVOICE_KINDS, Role, StockRow, StockVoucherDraft, shortfalls
from inventory.voucher_forms import stock_voucher_draft
from ledgers.models import Ledger
from vouchers.models import Entry, Voucher
from vouchers.parts import PartWrite
from vouchers.services import voucher_post, voucher_repost

PART = "items"
# The key of a body each role's lines are sent under.
ROLE_KEYS = {Role.ITEMS: "items", Role.COUNTED: "items", Role.SOURCE: "source"}
ROLE_KEYS |= {Role.DESTINATION: "destination"}


class Shown(Protocol):
    """A stock row as written (`StockLine`) or as drafted (`StockRow`)."""

    role: str
    line: int
    kind: str
    item: StockItem
    godown: Godown
    quantity: Decimal
    rate: Decimal
    discount: Decimal
    amount: Decimal
    ledger: Ledger | None


def row_snapshot(row: Shown) -> dict[str, Any]:
    """A stock row as the voucher's snapshot shows it (the Edit Log, the API): the line it is
    part of, the item and godown, the quantity as typed (a Physical Stock's: counted); an
    invoice's rate, discount, amount and ledger; a manufacture's additional cost."""
    shown: dict[str, Any] = {
        "role": str(row.role),
        "line": row.line,
        "item": row.item.name,
        "godown": row.godown.name,
        "quantity": quantity_text(abs(row.quantity)),
        "unit": row.item.unit.symbol,
    }
    if row.ledger is not None:
        shown |= {"rate": _money(row.rate), "discount": _money(row.discount)}
        shown |= {"amount": _money(row.amount), "ledger": row.ledger.name}
    elif row.amount:
        shown["additional_cost"] = _money(row.amount)
    return shown


def _money(amount: Decimal) -> str:
    """An amount as the snapshot keeps it: rupees and paise, "12000.00" (as JSON shows a
    Decimal, so a snapshot read back from the Edit Log is the same)."""
    return f"{amount:.2f}"


def stock_part_read(voucher_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The part "items" of these vouchers (one query)."""
    lines = (
        StockLine.objects.filter(voucher_id__in=voucher_ids)
        .select_related("item__unit", "godown", "ledger")
        .order_by("voucher_id", "position")
    )
    shown: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        shown[line.voucher_id].append(row_snapshot(line))
    return dict(shown)


def _moves_of(voucher: Voucher) -> list[Move]:
    """The voucher's stock lines as they are, as moves (what an alteration replaces)."""
    rows = StockLine.objects.filter(voucher=voucher).values_list(
        "item_id", "godown_id", "kind", "quantity"
    )
    return [
        Move(item, godown, voucher.date, MoveKind(kind), quantity, voucher_id=voucher.pk)
        for item, godown, kind, quantity in rows
    ]


def _stock_checked(
    work: UnitOfWork, rows: tuple[StockRow, ...], replaced: list[Move], warnings: list[str]
) -> None:
    """Negative stock after the save (its lines written): refused when the company says so
    (Invalid naming each line that takes the stock below zero), else warned of."""
    if not any(row.quantity < 0 and row.kind != MoveKind.PHYSICAL for row in rows):
        return  # nothing goes out: no quantity falls
    moves = moves_read(work.company, item_ids=sorted({row.item.pk for row in rows}))
    short = shortfalls(list(rows), replaced, moves)
    if short and work.company.refuse_negative_stock:
        refused: dict[str, list[str]] = defaultdict(list)
        for shortfall in short:
            refused[shortfall.row.field].append(
                f"{shortfall.text}: the company refuses negative stock."
            )
        raise Invalid(dict(refused))
    warnings.extend(shortfall.text for shortfall in short)


def _part(
    work: UnitOfWork,
    draft: StockVoucherDraft,
    *,
    replaced: list[Move] | None,
    warnings: list[str],
) -> PartWrite:
    """The voucher's stock lines written in its save (replacing the ones it had), checked for
    negative stock, and answered as its part."""

    def write(voucher: Voucher) -> dict[str, Any]:
        if replaced is not None:
            StockLine.objects.filter(voucher=voucher).delete()
        StockLine.objects.bulk_create(
            StockLine(
                voucher=voucher,
                position=i,
                line=row.line,
                role=row.role,
                kind=row.kind,
                item=row.item,
                godown=row.godown,
                quantity=row.quantity,
                rate=row.rate,
                discount=row.discount,
                amount=row.amount,
                ledger=row.ledger,
            )  # fmt: skip
            for i, row in enumerate(draft.rows)
        )
        _stock_checked(work, draft.rows, replaced or [], warnings)
        return {PART: [row_snapshot(row) for row in draft.rows]}

    return write


def _warned(voucher: Voucher, warnings: list[str]) -> Voucher:
    voucher.change.warnings += warnings  # type: ignore[attr-defined]
    return voucher


def stock_voucher_post(
    work: UnitOfWork,
    draft: StockVoucherDraft,
    *,
    request_key: RequestKey | None = None,
    drafted_at_seq: int | None = None,
) -> Voucher:
    """Post a new item invoice or inventory voucher from a checked draft inside `work`: the
    voucher, its entries (an invoice's), its stock lines; raises Invalid; records one Change
    (the voucher's `change`, its `warnings` with any negative stock)."""
    warnings: list[str] = []
    voucher = voucher_post(
        work,
        draft.voucher,
        request_key=request_key,
        drafted_at_seq=drafted_at_seq,
        part=_part(work, draft, replaced=None, warnings=warnings),
    )
    return _warned(voucher, warnings)


def stock_voucher_repost(
    work: UnitOfWork,
    voucher: Voucher,
    draft: StockVoucherDraft,
    *,
    request_key: RequestKey | None = None,
    drafted_at_seq: int | None = None,
) -> Voucher:
    """Post `draft` over a voucher already bumped in `work`, its stock lines replaced."""
    warnings: list[str] = []
    replaced = _moves_of(voucher)
    voucher = voucher_repost(
        work,
        voucher,
        draft.voucher,
        request_key=request_key,
        drafted_at_seq=drafted_at_seq,
        part=_part(work, draft, replaced=replaced, warnings=warnings),
    )
    return _warned(voucher, warnings)


def _drafted(work: UnitOfWork, seen: int, draft: Parsed[StockVoucherDraft], again: Any) -> Any:
    """The draft made before the lock, or made again under it (`again()`) when the company's
    Edit Log has moved since it was read (`seen`): every change of an item, a godown, a ledger
    or the voucher records a Change, so an unmoved log means the draft's reads still hold."""
    if work.company.last_seq == seen:
        return draft.get()
    return again()


def stock_voucher_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Create an item invoice, Stock Journal or Physical Stock from API or form input
    (`inventory.voucher_forms`). Raises Invalid or NotAllowed; records a Change."""
    seen = company.last_seq  # read with the company, before the draft's reads
    draft = Parsed(stock_voucher_draft, company=company, data=data)
    with company_write(company=company, actor=actor) as work:
        checked = _drafted(
            work, seen, draft, lambda: stock_voucher_draft(company=work.company, data=data)
        )
        return stock_voucher_post(work, checked, request_key=request_key, drafted_at_seq=seen)


def stock_voucher_body(voucher: Voucher) -> dict[str, Any]:
    """The voucher as a body that would make it again: its type, date, party and lines (each
    item line with its godowns), by id. An alteration sends only what it changes over this."""
    body: dict[str, Any] = {"type": voucher.voucher_type.name, "date": voucher.date.isoformat()}
    lines: dict[tuple[str, int], dict[str, Any]] = {}
    for row in StockLine.objects.filter(voucher=voucher).order_by("position"):
        key = ROLE_KEYS[row.role]
        quantity = row.quantity if row.kind == MoveKind.PHYSICAL else abs(row.quantity)
        line = lines.get((key, row.line))
        if line is None:
            line = lines[(key, row.line)] = {"item": row.item_id, "godowns": []}
            body.setdefault(key, []).append(line)
            if row.ledger_id is not None:
                line |= {"rate": str(row.rate), "ledger": row.ledger_id, "discount": "0"}
            if row.role == Role.DESTINATION and row.amount:
                line["additional_cost"] = "0"
        line["godowns"].append({"godown": row.godown_id, "quantity": quantity_text(quantity)})
        total = Decimal(line.get("quantity", "0")) + quantity
        line["quantity"] = quantity_text(total)
        if "discount" in line:
            line["discount"] = str(Decimal(line["discount"]) + row.discount)
        if "additional_cost" in line:
            line["additional_cost"] = str(Decimal(line["additional_cost"]) + row.amount)
    if voucher.voucher_type.base in INVOICE_KINDS:
        party = Entry.objects.filter(voucher=voucher, position=0).values_list("ledger_id")
        body["party"] = next(iter(party.first() or ()), None)
    return body


def _lines_shown(lines: Iterable[dict[str, Any]]) -> None:
    """A line in one godown is sent back with its godown, not as a split of one."""
    for line in lines:
        if len(line["godowns"]) == 1:
            line["godown"] = line.pop("godowns")[0]["godown"]


def stock_voucher_alter(
    *,
    company: Company,
    voucher: Voucher,
    actor: AbstractBaseUser,
    data: Any,
    version: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Alter an item invoice or inventory voucher read at `version`: what `data` leaves out
    stays (its lines too). Raises Invalid, NotAllowed, Locked or StaleVersion; records a
    Change and releases the actor's edit lock."""
    seen = company.last_seq
    draft = Parsed(_altered_draft, company=company, voucher=voucher, data=data)
    with company_write(company=company, actor=actor) as work:
        work.guard(voucher)
        voucher = found(
            Voucher.objects.select_related("voucher_type"), pk=voucher.pk, company=work.company
        )
        work.bump(voucher, version)
        if voucher.is_cancelled:  # before what was typed is judged
            raise Invalid.field("__all__", f"{voucher} is cancelled and cannot be altered.")
        checked = _drafted(
            work,
            seen,
            draft,
            lambda: _altered_draft(company=work.company, voucher=voucher, data=data),
        )
        return stock_voucher_repost(
            work, voucher, checked, request_key=request_key, drafted_at_seq=seen
        )


def _altered_draft(*, company: Company, voucher: Voucher, data: Any) -> StockVoucherDraft:
    """The draft of an alteration: `data` over the voucher as it is."""
    current = stock_voucher_body(voucher)
    for key in ("items", "source", "destination"):
        _lines_shown(current.get(key, []))
    return stock_voucher_draft(company=company, data=data, current=current)
