"""Writes on vouchers: post, alter, cancel, delete — each in one unit of work, one Change.

`voucher_post` and the other post functions take checked drafts inside a caller's unit of work,
so an invoice, an import or a batch can post several records in one transaction;
`voucher_create` and its siblings are the one-save wrappers that views and scripts call.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from companies.access import OWNERS
from companies.models import Company
from core.bulk import batch_cache, db_date, db_datetime, db_json_encoded, instance_new, rows_insert
from core.dates import outside_year
from core.errors import Invalid, Parsed, found
from core.money import ZERO, paise_of
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_write
from ledgers.models import Ledger
from ledgers.services import (
    LEDGER_GONE,
    ledger_totals_post,
    ledgers_for_posting,
    ledgers_now,
    totals_room_check,
)
from vouchers.bills import (
    BillBook,
    bill_names,
    bills_defaulted,
    bills_kept,
    entries_delete,
    entries_lines,
    has_parts,
    lines_bills_check,
    lines_carried,
    parts_write,
)
from vouchers.drafts import Line, VoucherDraft, cash_warnings, voucher_check
from vouchers.forms import numbering_draft, voucher_draft
from vouchers.models import Entry, Voucher, VoucherNumbering, VoucherType
from vouchers.numbering import (
    Series,
    counters_past_taken,
    held_key,
    number_typed_check,
    series_check,
    series_get,
    voucher_number_issue,
    voucher_numbers_take,
)
from vouchers.parts import PartWrite, voucher_parts_read
from vouchers.snapshots import numbering_snapshot, voucher_snapshot

Base = VoucherType.Base
# Tally's predefined accounting voucher types: (name, base, abbreviation, key).
VOUCHER_TYPES = [
    ("Contra", Base.CONTRA, "Ctra", "F4"),
    ("Payment", Base.PAYMENT, "Pymt", "F5"),
    ("Receipt", Base.RECEIPT, "Rcpt", "F6"),
    ("Journal", Base.JOURNAL, "Jrnl", "F7"),
    ("Sales", Base.SALES, "Sale", "F8"),
    ("Purchase", Base.PURCHASE, "Purc", "F9"),
    ("Credit Note", Base.CREDIT_NOTE, "C/Note", "Alt+F6"),
    ("Debit Note", Base.DEBIT_NOTE, "D/Note", "Alt+F5"),
]
# And its inventory voucher types (the same list is seeded for companies made before them by
# migration vouchers 0007).
INVENTORY_VOUCHER_TYPES = [
    ("Stock Journal", Base.STOCK_JOURNAL, "Stk Jrnl", "Alt+F7"),
    ("Physical Stock", Base.PHYSICAL_STOCK, "Phys Stk", "Alt+F10"),
    ("Receipt Note", Base.RECEIPT_NOTE, "Rcpt Note", "Alt+F9"),
    ("Delivery Note", Base.DELIVERY_NOTE, "Dlvy Note", "Alt+F8"),
]


def voucher_types_seed(*, company: Company) -> None:
    """Tally's eight accounting voucher types and its four inventory ones, for a new company."""
    VoucherType.objects.bulk_create(
        VoucherType(company=company, name=name, base=base, abbreviation=abbr, shortcut=key)
        for name, base, abbr, key in VOUCHER_TYPES + INVENTORY_VOUCHER_TYPES
    )


def _entries_write(
    voucher: Voucher, lines: list[Line], *, replacing: tuple[dt.date, list[Line]] | None = None
) -> None:
    """Write the voucher's entries and add them to the totals, taking back in the same pass the
    lines they replace (`replacing`: the day and lines as they were), with the lines' bills
    and bank details."""
    entries = Entry.objects.bulk_create(
        Entry(
            voucher=voucher, ledger=line.ledger, amount=line.amount, position=i, date=voucher.date
        )
        for i, line in enumerate(lines)
    )
    if has_parts(lines):
        parts_write(
            (entry.pk, line, voucher.date) for entry, line in zip(entries, lines, strict=True)
        )
    day, before = replacing or (voucher.date, [])
    ledger_totals_post(
        lines=[(line.ledger.pk, voucher.date, line.amount) for line in lines],
        taken_back=[(line.ledger.pk, day, line.amount) for line in before],
    )


def _lines_of(voucher: Voucher) -> list[Line]:
    """The voucher's lines as they stand, with their bills and bank details (read under the
    company lock)."""
    entries = voucher.entries.select_related("ledger__group", "bank").order_by("position")
    return entries_lines(entries, make=Line)


def _entries_remove(voucher: Voucher, lines: list[Line]) -> None:
    """Take the voucher's lines out of the totals and delete its entries."""
    day = voucher.date
    ledger_totals_post(taken_back=[(line.ledger.pk, day, line.amount) for line in lines])
    entries_delete(voucher.pk, lines)


def _ledgers_now(
    work: UnitOfWork, lines: list[Line], *, drafted_at_seq: int | None
) -> dict[int, Ledger]:
    """The lines' ledgers as they are under the lock. Every write that touches a ledger (its
    alteration, its totals) records a Change, so when the company's Edit Log still ends at the
    seq it ended at before the draft's reads (`drafted_at_seq`), the draft's ledgers are the
    ledgers as they are now and are not read again; otherwise they are."""
    if drafted_at_seq is not None and drafted_at_seq == work.company.last_seq:
        return {line.ledger.pk: line.ledger for line in lines}
    return ledgers_for_posting(company=work.company, ledger_ids=[ln.ledger.pk for ln in lines])


def _checked(
    work: UnitOfWork,
    draft: VoucherDraft,
    *,
    replacing: list[Line] | None = None,
    drafted_at_seq: int | None = None,
    book: BillBook,
) -> VoucherDraft:
    """A whole draft with its lines' ledgers as they are now (a ledger renamed or moved to
    another group since the draft was made counts as it is now: `_ledgers_now`), checked
    against the books' rules, the bills as they stand (`book`) and the totals' room before
    anything is written, so a refusal leaves the unit of work as it found it."""
    if not draft.whole:
        raise ValueError("Post a whole draft: its type, date and lines.")
    assert draft.lines is not None
    ledgers = _ledgers_now(work, draft.lines, drafted_at_seq=drafted_at_seq)
    lines = [replace(line, ledger=ledgers[line.ledger.pk]) for line in draft.lines]
    checked = replace(draft, lines=lines)
    voucher_check(checked, company=work.company)
    lines_bills_check(book, lines, kept=bills_kept(replacing or []))
    totals_room_check(
        ledgers=ledgers,
        adding=[(line.ledger.pk, line.amount) for line in lines],
        taking_back=[(line.ledger.pk, line.amount) for line in replacing or []],
    )
    return checked


def _lines_post(
    work: UnitOfWork,
    verb: str,
    voucher: Voucher,
    lines: list[Line],
    *,
    before: dict[str, Any] | None,
    request_key: RequestKey | None,
    replacing: tuple[dt.date, list[Line]] | None = None,
    part: PartWrite | None = None,
) -> Voucher:
    """Write the voucher's lines into the books (netting the lines they replace), then the
    caller's `part` (`vouchers.parts`), and record its Change (`voucher.change`), with what the
    save warns of (`change.warnings`, not kept in the Edit Log: the negative cash balance it
    leaves, if the company asks; a date outside the current financial year)."""
    warned = work.company.warn_negative_cash
    warnings = cash_warnings(lines, replacing=replacing[1] if replacing else None) if warned else []
    year_start = work.company.financial_year_begins(timezone.localdate())
    if outside := outside_year(voucher.date, year_start):
        warnings.append(outside)
    _entries_write(voucher, lines, replacing=replacing)
    parts = _part_written(voucher, part) if part is not None else None
    voucher.change = work.record(  # type: ignore[attr-defined]
        verb,
        voucher,
        before=before,
        after=voucher_snapshot(voucher, lines, parts),
        request_key=request_key,
    )
    voucher.change.warnings = warnings  # type: ignore[attr-defined]
    return voucher


def _part_written(voucher: Voucher, part: PartWrite) -> dict[str, Any]:
    """The caller's part written, and the voucher marked as keeping the parts it answered (one
    UPDATE, only when they change: a plain voucher never pays for parts)."""
    parts = part(voucher)
    names = " ".join(sorted(parts))
    if names != voucher.part_names:
        voucher.part_names = names
        Voucher.objects.filter(pk=voucher.pk).update(part_names=names)
    return parts


def _before(voucher: Voucher, lines: list[Line]) -> dict[str, Any]:
    """The voucher as it was read, before this save bumped its version (with its parts)."""
    parts = voucher_parts_read([voucher]).get(voucher.pk)
    return {**voucher_snapshot(voucher, lines, parts), "version": voucher.version - 1}


def voucher_post(
    work: UnitOfWork,
    draft: VoucherDraft,
    *,
    request_key: RequestKey | None = None,
    drafted_at_seq: int | None = None,
    part: PartWrite | None = None,
) -> Voucher:
    """Post a new voucher from a whole draft; the server allocates its number. Raises Invalid
    (the books' rules); records a Change (the voucher's `change` attribute). `drafted_at_seq`:
    the company's `last_seq` as read before the draft's reads, if the caller knows it. `part`:
    the caller's own rows on the voucher (`vouchers.parts`), written in this save."""
    book = BillBook(company_id=work.company.pk)
    draft = _checked(work, draft, drafted_at_seq=drafted_at_seq, book=book)
    assert draft.voucher_type and draft.date and draft.lines is not None  # _checked: whole
    financial_year = work.company.financial_year_of(draft.date)
    number, number_text = voucher_number_issue(
        work, voucher_type=draft.voucher_type, financial_year=financial_year, typed=draft.number
    )
    voucher = Voucher.objects.create(
        company=work.company,
        voucher_type=draft.voucher_type,
        financial_year=financial_year,
        number=number,
        number_text=number_text,
        date=draft.date,
        narration=draft.narration or "",
        reference=draft.reference or "",
        created_by=work.actor,
        altered_by=work.actor,
    )
    lines = _bills_whole(voucher, draft.lines, book)
    return _lines_post(
        work, "create", voucher, lines, before=None, request_key=request_key, part=part
    )


def _bills_whole(voucher: Voucher, lines: list[Line], book: BillBook) -> list[Line]:
    """The lines with Tally's default bills where a bill-wise line was sent without any (a New
    Ref named by the voucher's Ref., else its number, on an invoice) and due dates filled."""
    return bills_defaulted(
        lines,
        base=voucher.voucher_type.base,
        name=_default_name(voucher),
        book=book,
        date=voucher.date,
    )


def _default_name(voucher: Voucher) -> str:
    """The name of the New Ref Tally makes of an invoice's bill-wise line: its Ref., else its
    number."""
    return voucher.reference or voucher.voucher_no


def voucher_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Create a voucher from API or form input (type, date, narration, entries).

    Raises Invalid or NotAllowed; records a Change (the voucher's `change` attribute).
    """
    seen = company.last_seq  # read with the company, before the draft's reads
    draft = Parsed(voucher_draft, company=company, data=data)
    with company_write(company=company, actor=actor) as work:
        return voucher_post(work, draft.get(), request_key=request_key, drafted_at_seq=seen)


def _for_write(work: UnitOfWork, voucher: Voucher, version: Any) -> Voucher:
    """The voucher re-read inside the company lock, refused (Locked) while someone else holds
    its edit lock, and moved to its next version if it is still at `version`."""
    work.guard(voucher)
    voucher = found(
        Voucher.objects.select_related("voucher_type"), pk=voucher.pk, company=work.company
    )
    work.bump(voucher, version)
    return voucher


def _refuse_cancelled(voucher: Voucher) -> None:
    if voucher.is_cancelled:
        raise Invalid.field("__all__", f"{voucher} is cancelled and cannot be altered.")


def voucher_repost(
    work: UnitOfWork,
    voucher: Voucher,
    draft: VoucherDraft,
    *,
    request_key: RequestKey | None = None,
    drafted_at_seq: int | None = None,
    part: PartWrite | None = None,
) -> Voucher:
    """Post `draft` over a voucher already bumped in `work` (what the draft leaves out stays; a
    new type or financial year gets a new number). Raises Invalid; records a Change. `part`:
    as for `voucher_post` (it replaces the part the voucher had; the Change's `before` shows
    the registered parts as they were)."""
    _refuse_cancelled(voucher)
    before_lines = _lines_of(voucher)
    if draft.lines is not None:
        carried = lines_carried(draft.lines, before_lines, unreconcile=draft.unreconcile)
        draft = replace(draft, lines=carried)
    whole = draft.over(
        voucher_type=voucher.voucher_type,
        date=voucher.date,
        narration=voucher.narration,
        lines=before_lines,
        reference=voucher.reference,
    )
    book = BillBook(company_id=work.company.pk, without_voucher=voucher.pk)
    whole = _checked(work, whole, replacing=before_lines, drafted_at_seq=drafted_at_seq, book=book)
    assert whole.voucher_type and whole.date and whole.lines is not None  # _checked: whole
    before = _before(voucher, before_lines)
    replacing = (voucher.date, before_lines)
    entries_delete(voucher.pk, before_lines)  # off the totals as the new ones go on
    financial_year = work.company.financial_year_of(whole.date)
    _renumbered(work, voucher, whole, financial_year)
    voucher.voucher_type = whole.voucher_type
    voucher.financial_year = financial_year
    voucher.date = whole.date
    voucher.narration = whole.narration or ""
    voucher.reference = whole.reference or ""
    voucher.save()
    return _lines_post(
        work,
        "alter",
        voucher,
        _bills_whole(voucher, whole.lines, book),
        before=before,
        request_key=request_key,
        replacing=replacing,
        part=part,
    )


def _renumbered(
    work: UnitOfWork, voucher: Voucher, whole: VoucherDraft, financial_year: int
) -> None:
    """The voucher's number after an alteration: kept while its type and financial year stay
    (a date moved within the year keeps it); in another type or year, the number it held there
    before if it had one (moved into another year and back, it is itself again), else that
    series' next; on a manual type, a Voucher No. typed anew (used once a year). A number typed
    for an automatic type is a hint and changes nothing."""
    voucher_type = whole.voucher_type
    assert voucher_type is not None
    same = (voucher_type.pk, financial_year) == (voucher.voucher_type_id, voucher.financial_year)
    held = dict(voucher.numbers_held)
    back = None if same else held.pop(held_key(voucher_type.pk, financial_year), None)
    # The number the screen showed is sent back with every alteration: it is typed anew only
    # when it differs, or when the voucher goes to a series where it held no number (a manual
    # one keeps its Voucher No. there if no other voucher has it).
    typed = whole.number or None
    if typed == voucher.number_text and (same or back is not None):
        typed = None
    series = series_get(voucher_type=voucher_type) if (same and typed) or back else None
    manual = series is not None and series.manual
    if manual:
        assert series is not None
        text = typed or back[1]  # type: ignore[index]
        number_typed_check(
            series, [text], voucher_type=voucher_type, financial_year=financial_year,
            without=voucher.pk,
        )  # fmt: skip
    if same:
        if manual:
            voucher.number_text = text
        return
    held[held_key(voucher.voucher_type_id, voucher.financial_year)] = [
        voucher.number,
        voucher.number_text,
    ]
    if back is not None:
        voucher.number, voucher.number_text = back[0], text if manual else back[1]
    else:
        voucher.number, voucher.number_text = voucher_number_issue(
            work,
            voucher_type=voucher_type,
            financial_year=financial_year,
            typed=typed,
            without=voucher.pk,
        )
    voucher.numbers_held = held


def voucher_alter(
    *,
    company: Company,
    voucher: Voucher,
    actor: AbstractBaseUser,
    data: Any,
    version: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Alter a voucher read at `version`; keys missing from `data` keep the current values.

    Raises Invalid, NotAllowed, Locked (someone else is altering it) or StaleVersion;
    records a Change and releases the actor's edit lock.
    """
    seen = company.last_seq  # read with the company, before the draft's reads
    draft = Parsed(voucher_draft, company=company, data=data, partial=True)
    with company_write(company=company, actor=actor) as work:
        voucher = _for_write(work, voucher, version)
        _refuse_cancelled(voucher)  # before what was typed is judged
        return voucher_repost(
            work, voucher, draft.get(), request_key=request_key, drafted_at_seq=seen
        )


def voucher_cancel(
    *, company: Company, voucher: Voucher, actor: AbstractBaseUser, version: Any
) -> Voucher:
    """Cancel a voucher read at `version`: it keeps its number and date, loses its amounts
    (as in Tally). Raises Invalid, NotAllowed, Locked or StaleVersion; records a Change."""
    with company_write(company=company, actor=actor) as work:
        voucher = _for_write(work, voucher, version)
        if voucher.is_cancelled:
            raise Invalid.field("__all__", f"{voucher} is already cancelled.")
        lines = _lines_of(voucher)
        before = _before(voucher, lines)
        _entries_remove(voucher, lines)
        voucher.is_cancelled = True
        voucher.save()
        voucher.change = work.record(  # type: ignore[attr-defined]
            "cancel", voucher, before=before, after=voucher_snapshot(voucher, [])
        )
    return voucher


def voucher_delete(
    *, company: Company, voucher: Voucher, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete a voucher read at `version`; its number is never given again (the counter row).

    Raises NotAllowed, Locked or StaleVersion; records a Change.
    """
    with company_write(company=company, actor=actor) as work:
        voucher = _for_write(work, voucher, version)
        lines = _lines_of(voucher)
        _entries_remove(voucher, lines)
        work.record("delete", voucher, before=_before(voucher, lines))
        voucher.delete()


# Vouchers per unit of work in `vouchers_post_batches`: the company lock is held for one batch.
BATCH = 500


def _refused_as(index: int, refusal: Invalid) -> Invalid:
    """A draft's refusal with its messages under the draft's place in the batch."""
    return Invalid({f"drafts.{index}.{name}": msgs for name, msgs in refusal.errors.items()})


def _checked_many(
    work: UnitOfWork,
    drafts: Sequence[VoucherDraft],
    *,
    index_from: int,
    book: BillBook,
    drafted_at_seq: int | None,
) -> tuple[list[VoucherDraft], dict[int, Ledger]]:
    """Whole drafts with their ledgers as they are under the lock (one read for the batch, none
    when the Edit Log still ends where it did when the drafts were made: `_ledgers_now`), each
    checked against the books' rules and, one after another, the totals' room: as if posted
    one by one, before anything is written. Also the ledgers, by id."""
    if not all(draft.whole for draft in drafts):
        raise ValueError("Post whole drafts: each with its type, date and lines.")
    current = drafted_at_seq is not None and drafted_at_seq == work.company.last_seq
    if current:
        ledgers = {line.ledger.pk: line.ledger for draft in drafts for line in draft.lines or ()}
    else:
        wanted = {line.ledger.pk for draft in drafts for line in draft.lines or ()}
        ledgers = ledgers_now(company=work.company, ledger_ids=wanted)
    added: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    book.load(bill_names(line for draft in drafts for line in draft.lines or ()))
    checked = []
    for index, draft in enumerate(drafts, start=index_from):
        assert draft.lines is not None  # whole
        try:
            if any(line.ledger.pk not in ledgers for line in draft.lines):
                raise Invalid.field("entries", LEDGER_GONE)
            lines = draft.lines
            if not current:
                lines = [
                    Line(ledger=ledgers[ln.ledger.pk], amount=ln.amount, bills=ln.bills,
                         bank=ln.bank)
                    for ln in draft.lines
                ]  # fmt: skip
                draft = replace(draft, lines=lines)
            voucher_check(draft, company=work.company)
            lines_bills_check(book, lines)
            totals_room_check(
                ledgers=ledgers, adding=[(ln.ledger.pk, ln.amount) for ln in lines], added=added
            )
        except Invalid as refusal:
            raise _refused_as(index, refusal) from None
        checked.append(draft)
    return checked, ledgers


def _vouchers_numbered(
    work: UnitOfWork, drafts: list[VoucherDraft], *, index_from: int = 0
) -> list[Voucher]:
    """The drafts' vouchers, unsaved, numbered in draft order: each type and year takes its
    run of numbers from its counter in one statement; a manual type's drafts carry their typed
    Voucher No.s, checked once for the run (Invalid names the first draft of the run)."""
    company, actor = work.company, work.actor
    vouchers = [
        instance_new(
            Voucher,
            {
                "company_id": company.pk,
                "voucher_type_id": draft.voucher_type.pk,  # type: ignore[union-attr]
                "financial_year": company.financial_year_of(draft.date),  # type: ignore[arg-type]
                "date": draft.date,
                "narration": draft.narration or "",
                "reference": draft.reference or "",
                "number_text": draft.number or "",
                "created_by_id": actor.pk,
                "altered_by_id": actor.pk,
            },
            {
                "company": company,
                "voucher_type": draft.voucher_type,  # type: ignore[dict-item]
                "created_by": actor,
                "altered_by": actor,
            },
        )  # fmt: skip
        for draft in drafts
    ]
    runs: dict[tuple[int, int], list[tuple[int, Voucher]]] = defaultdict(list)
    for index, voucher in enumerate(vouchers, start=index_from):
        runs[(voucher.voucher_type_id, voucher.financial_year)].append((index, voucher))
    for run in runs.values():
        index, head = run[0]
        first, series = voucher_numbers_take(
            work, voucher_type=head.voucher_type, financial_year=head.financial_year, count=len(run)
        )
        try:
            number_typed_check(
                series,
                [voucher.number_text for _, voucher in run],
                voucher_type=head.voucher_type,
                financial_year=head.financial_year,
            )
        except Invalid as refusal:
            raise _refused_as(index, refusal) from None
        for number, (_, voucher) in enumerate(run, start=first):
            voucher.number = number
            if not series.manual:
                voucher.number_text = series.text(number, voucher.financial_year)
    return vouchers


VOUCHER_FIELDS = (
    *("company", "voucher_type", "financial_year", "number", "date", "narration", "reference"),
    *("is_cancelled", "version", "created_by", "created_at", "altered_by", "altered_at"),
    *("number_text", "numbers_held"),
)
ENTRY_FIELDS = ("voucher", "ledger", "amount", "position", "date")
_paise = paise_of


def _vouchers_insert(vouchers: list[Voucher], drafts: list[VoucherDraft]) -> None:
    """Insert the vouchers (they learn their ids) and their entries, in plain multi-row INSERTs
    (core.bulk: the ORM's bulk_create spends most of a batch compiling values)."""
    stamp = timezone.now()
    now = db_datetime(stamp)
    held = db_json_encoded("{}")
    days = [db_date(v.date) for v in vouchers]
    rows = [
        (v.company_id, v.voucher_type_id, v.financial_year, v.number, day,
         v.narration, v.reference, False, 1, v.created_by_id, now, v.altered_by_id, now,
         v.number_text, held)
        for v, day in zip(vouchers, days, strict=True)
    ]  # fmt: skip
    for voucher, pk in zip(
        vouchers, rows_insert(Voucher, VOUCHER_FIELDS, rows, returning_pk=True), strict=True
    ):
        voucher.pk, voucher.created_at, voucher.altered_at = pk, stamp, stamp
        voucher._state.adding = False
    entries = [
        (voucher.pk, line.ledger.pk, _paise(line.amount), position, day)
        for voucher, draft, day in zip(vouchers, drafts, days, strict=True)
        for position, line in enumerate(draft.lines or ())
    ]
    with_parts = any(has_parts(draft.lines or ()) for draft in drafts)
    entry_ids = iter(rows_insert(Entry, ENTRY_FIELDS, entries, returning_pk=with_parts))
    if with_parts:  # the entries' ids come in the order of their rows
        parts_write(
            (next(entry_ids), line, voucher.date)
            for voucher, draft in zip(vouchers, drafts, strict=True)
            for line in draft.lines or ()
        )


def vouchers_post_many(
    work: UnitOfWork,
    drafts: Sequence[VoucherDraft],
    *,
    index_from: int = 0,
    drafted_at_seq: int | None = None,
) -> list[Voucher]:
    """Post whole drafts as new vouchers, equal to posting them one by one with `voucher_post`
    (numbers, totals, Changes), in bulk: all are checked before the first write (Invalid names
    the draft, `drafts.3.entries`, counted from `index_from`); vouchers, entries and Changes go
    in bulk inserts, the totals in one pass, and the screens get one nudge for the batch.
    `drafted_at_seq`: as for `voucher_post`; the drafts' ledgers then learn the totals this
    adds, so that a caller keeping them for its next batch has them as they are.
    Unlike `voucher_post` it gives no negative-cash warnings (`change.warnings`): a bulk load
    (an import, a restore) reports on the books it leaves, not per voucher."""
    book = BillBook(company_id=work.company.pk)
    checked, ledgers = _checked_many(
        work, drafts, index_from=index_from, book=book, drafted_at_seq=drafted_at_seq
    )
    vouchers = _vouchers_numbered(work, checked, index_from=index_from)
    # One read for the batch's default bills: of the vouchers with a bill-wise line sent
    # without bills (`bills_defaulted`).
    book.load(
        _default_name(voucher)
        for voucher, draft in zip(vouchers, checked, strict=True)
        if any(line.ledger.bill_wise and not line.bills for line in draft.lines or ())
    )
    checked = [
        replace(draft, lines=_bills_whole(voucher, draft.lines or [], book))
        for voucher, draft in zip(vouchers, checked, strict=True)
    ]
    _vouchers_insert(vouchers, checked)
    moved = ledger_totals_post(
        lines=[
            (line.ledger.pk, voucher.date, line.amount)
            for voucher, draft in zip(vouchers, checked, strict=True)
            for line in draft.lines or ()
        ]
    )
    for ledger_id, (debit, credit) in moved.items():
        ledgers[ledger_id].total_debit += debit
        ledgers[ledger_id].total_credit += credit
    changes = work.record_many(
        "create",
        [
            (voucher, None, voucher_snapshot(voucher, draft.lines))
            for voucher, draft in zip(vouchers, checked, strict=True)
        ],
    )
    for voucher, change in zip(vouchers, changes, strict=True):
        voucher.change = change  # type: ignore[attr-defined]
    return vouchers


def vouchers_post_batches(
    *, company: Company, actor: AbstractBaseUser, drafts: Sequence[VoucherDraft], size: int = BATCH
) -> int:
    """Post many whole drafts (an import, a restore) as new vouchers, `size` to a unit of work:
    each batch commits whole or not at all; a refusal (Invalid, naming the draft) stops at its
    batch, the batches before it stay posted. Returns how many were posted."""
    with batch_cache():
        for start in range(0, len(drafts), size):
            with company_write(company=company, actor=actor) as work:
                vouchers_post_many(work, drafts[start : start + size], index_from=start)
    return len(drafts)


def voucher_numbering_alter(
    *,
    company: Company,
    actor: AbstractBaseUser,
    voucher_type: VoucherType,
    data: Any,
    version: Any = None,
    request_key: RequestKey | None = None,
) -> VoucherNumbering:
    """Owners set how a voucher type numbers its vouchers (method, prefix, suffix, width; what
    is not sent stays), read at `version` once it has been set. Numbers already given keep
    their text; the counter goes on (a number is never given twice, whatever the method).
    Raises Invalid, NotAllowed or StaleVersion; records a Change."""
    draft = Parsed(numbering_draft, data=data)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        numbering = (
            VoucherNumbering.objects.select_related("voucher_type")
            .filter(voucher_type=voucher_type, company=work.company)
            .first()
        )
        before = None if numbering is None else numbering_snapshot(numbering)
        if numbering is None:
            numbering = VoucherNumbering(voucher_type=voucher_type, company=work.company)
        else:
            work.bump(numbering, version)
        for name, value in draft.get().items():
            setattr(numbering, name, value)
        series = Series(numbering.method, numbering.prefix, numbering.suffix, numbering.width)
        series_check(series)
        counters_past_taken(voucher_type, series)
        numbering.altered_by = actor
        numbering.save()
        numbering.change = work.record(  # type: ignore[attr-defined]
            "create" if before is None else "alter",
            numbering,
            before=before,
            request_key=request_key,
        )
    return numbering
