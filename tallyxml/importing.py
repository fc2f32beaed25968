"""Tally XML files posted into a company: masters through the ledgers' post functions, vouchers
through the batch path (`vouchers_post_many`), each object's Tally identity kept (TallyKey) so a
second import of the same file changes nothing; the result is Tally's own counters plus a line
per refused object.

A file is resumable batches, not one transaction: masters go in one unit of work per run of
masters, vouchers `BATCH` to a unit of work. A voucher that cannot be posted is refused on its
own (a line in the report) and never takes its batch down with it; a crash mid-file leaves the
batches before it posted, and running the same file again continues where it stopped, since
what was posted is found by its GUID and counted as ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Lower

from companies.models import Company
from core.bulk import batch_cache, rows_insert
from core.errors import Invalid
from core.gst import registration_of_tally, state_code_of, state_name
from core.money import ZERO, format_amount, format_balance
from core.validation import clean_gstin
from editlog.write import UnitOfWork, company_write
from ledgers.drafts import LedgerDraft, OpeningBillDraft
from ledgers.models import Group, Ledger
from ledgers.services import ledger_post, ledger_repost
from tallyxml.models import TallyKey
from tallyxml.objects import (
    TallyBank,
    TallyGroup,
    TallyLedger,
    TallyLine,
    TallyVoucher,
    Unreadable,
    godown_read,
    group_read,
    ledger_read,
    stock_group_read,
    stock_item_read,
    unit_read,
    voucher_read,
    voucher_type_read,
)
from tallyxml.reading import date, objects, value
from tallyxml.result import Result, messages_of
from tallyxml.stock import STOCK_MASTERS, StockMaster, stock_masters_post
from tallyxml.writing import voucher_id_of
from vouchers.bills import BankDetail, BillRef
from vouchers.drafts import Line, VoucherDraft, voucher_check
from vouchers.models import BillAllocation, Voucher, VoucherType
from vouchers.services import (
    voucher_cancel,
    voucher_delete,
    voucher_repost,
    vouchers_post_many,
)

Base = VoucherType.Base
Kind = TallyKey.Kind
BATCH = 500
# progress(vouchers done): called after each batch, with every voucher read so far but the
# ones still waiting to be posted
Progress = Callable[[int], None]

# Tally's base voucher types that post to ledgers, and those that do not (FORMAT.md §4):
# orders, notes, memoranda and inventory-only types are read and skipped.
POSTING_BASES = {label.lower(): base for base, label in Base.choices}
NOT_POSTED = frozenset(
    name.lower()
    for name in (
        *("Purchase Order", "Sales Order", "Receipt Note", "Delivery Note", "Rejections In"),
        *("Rejections Out", "Stock Journal", "Physical Stock", "Material In", "Material Out"),
        *("Memorandum", "Attendance", "Payroll", "Job Work In Order", "Job Work Out Order"),
        "Reversing Journal",
    )
)
# The inventory masters' readers by tag, and how the report calls each.
STOCK_READERS = {
    "UNIT": unit_read,
    "STOCKGROUP": stock_group_read,
    "GODOWN": godown_read,
    "STOCKITEM": stock_item_read,
}
STOCK_CALLED = {"UNIT": "Unit", "STOCKGROUP": "Stock Group", "GODOWN": "Godown"}
STOCK_CALLED["STOCKITEM"] = "Stock Item"
BILL_KINDS = {
    "new ref": BillAllocation.Kind.NEW,
    "agst ref": BillAllocation.Kind.AGAINST,
    "advance": BillAllocation.Kind.ADVANCE,
    "on account": BillAllocation.Kind.ON_ACCOUNT,
}
INSTRUMENTS = (
    ("cheque", "cheque"), ("neft", "neft"), ("rtgs", "rtgs"), ("imps", "imps"), ("upi", "upi"),
    ("dd", "dd"), ("demand draft", "dd"), ("transfer", "transfer"), ("e-fund", "transfer"),
)  # fmt: skip


class Importer:
    """One import into one company: feed it a file's objects, then `finish`."""

    def __init__(
        self,
        *,
        company: Company,
        actor: AbstractBaseUser,
        batch: int = BATCH,
        progress: Progress | None = None,
    ) -> None:
        self.company, self.actor, self.batch = company, actor, batch
        self.progress = progress
        self.vouchers_read = 0
        self.result = Result()
        self.types: dict[str, str] = {}  # a voucher type's name (lower) -> its parent
        self.company_types: dict[str, str | None] = {}  # the company's own, as looked up
        self.masters: list[TallyGroup | TallyLedger | StockMaster] = []
        self.vouchers: list[TallyVoucher] = []
        self.guids: set[str] = set()  # of the vouchers waiting, to post one GUID once a batch
        # The ledgers the vouchers named, by name (lower case), as they stood when the Edit Log
        # ended at `ledgers_seq`: still so while it ends there (every write to a ledger, its
        # totals included, records a Change), so one batch's ledgers serve the next.
        self.ledgers: dict[str, Ledger] = {}
        self.ledgers_seq: int | None = None

    # -- dispatch ------------------------------------------------------------------------

    def feed(self, element: Element) -> None:
        """Take one object (the element inside a TALLYMESSAGE)."""
        tag = element.tag
        try:
            if tag == "VOUCHER":
                self.vouchers_read += 1
                self._masters_flush()
                read = voucher_read(element)
                if read.guid and read.guid in self.guids:
                    self._vouchers_flush()  # the same voucher again (altered): after the first
                self.vouchers.append(read)
                self.guids.add(read.guid)
                if len(self.vouchers) >= self.batch:
                    self._vouchers_flush()
            elif tag in ("GROUP", "LEDGER"):
                self._vouchers_flush()
                self.masters.append(group_read(element) if tag == "GROUP" else ledger_read(element))
            elif tag in STOCK_READERS:
                self._vouchers_flush()
                self.masters.append(STOCK_READERS[tag](element))
            elif tag == "VOUCHERTYPE":
                read = voucher_type_read(element)
                self.types[read.name.lower()] = read.parent
            else:
                self.result.not_read[tag] = self.result.not_read.get(tag, 0) + 1
        except Unreadable as exc:
            name = element.get("NAME") or element.get("VCHTYPE") or tag.title()
            if tag in STOCK_CALLED:
                name = f"{STOCK_CALLED[tag]} {name}"
            number = value(element, "VOUCHERNUMBER")
            self.result.refuse(f"{name}{f' No. {number}' if number else ''}", str(exc))

    def finish(self) -> Result:
        self._masters_flush()
        self._vouchers_flush()
        for tag, count in sorted(self.result.not_read.items()):
            self.result.note(f"Not imported (not in this version): {count} × {tag}")
        difference = Ledger.objects.filter(company=self.company).aggregate(
            total=Sum("opening_balance")
        )["total"]
        if difference:
            self.result.note(f"Difference in opening balances: {format_balance(difference)}")
        return self.result

    # -- masters -------------------------------------------------------------------------

    def _masters_flush(self) -> None:
        if not self.masters:
            return
        masters, self.masters = self.masters, []
        with company_write(company=self.company, actor=self.actor) as work:
            self.company = work.company
            groups = _by_name(Group.objects.filter(company=work.company))
            waiting = [m for m in masters if isinstance(m, TallyGroup)]
            # A group may come before its parent: retry the waiting ones while any is placed.
            while waiting:
                still = [g for g in waiting if not self._group(work, g, groups)]
                if len(still) == len(waiting):
                    for g in still:
                        self.result.refuse(f"Group {g.name}", f"unknown parent group {g.parent}")
                    break
                waiting = still
            for master in masters:
                if isinstance(master, TallyLedger):
                    self._ledger_saved(work, master, groups)
            stock = [m for m in masters if isinstance(m, STOCK_MASTERS)]
            stock_masters_post(work, stock, self.result)

    def _group(self, work: UnitOfWork, read: TallyGroup, groups: dict[str, Group]) -> bool:
        """Place one group (False: its parent is not here yet). A group of the same name is
        the same group (Tally's 28 are every company's): counted as ignored."""
        existing = groups.get(read.name.lower())
        if existing is not None:
            _key_keep(work.company, Kind.GROUP, read.guid or f"name:{read.name}", read, existing)
            self.result.ignored += 1
            return True
        parent = groups.get(read.parent.lower()) if read.parent else None
        if read.parent and parent is None:
            return False
        group = group_new(work, read, parent)
        groups[group.name.lower()] = group
        _key_keep(work.company, Kind.GROUP, read.guid or f"name:{read.name}", read, group)
        self.result.created += 1
        return True

    def _ledger_saved(self, work: UnitOfWork, read: TallyLedger, groups: dict[str, Group]) -> None:
        what = f"Ledger {read.name}"
        if read.action.lower() == "delete":
            self.result.note(f"{what}: deleting masters is not in this version; kept")
            self.result.ignored += 1
            return
        group = groups.get(read.parent.lower()) if read.parent else None
        if read.parent and group is None:
            self.result.refuse(what, f"unknown group {read.parent}")
            return
        existing = _keyed_ledger(work.company, read.guid) or (
            Ledger.objects.filter(company=work.company, name__iexact=read.name).first()
        )  # a ledger renamed in Tally keeps its GUID
        if group is None and not (existing and existing.group_id is None):
            self.result.refuse(what, "a ledger needs a group (only Profit & Loss A/c has none)")
            return
        draft = self._ledger_draft(read, group)
        try:
            with transaction.atomic():
                ledger = self._ledger_post(work, existing, draft)
        except Invalid as refusal:
            self.result.refuse(what, messages_of(refusal))
            return
        _key_keep(work.company, Kind.LEDGER, read.guid or f"name:{read.name}", read, ledger)

    def _ledger_draft(self, read: TallyLedger, group: Group | None) -> LedgerDraft:
        errors: dict[str, list[str]] = {}
        gstin = clean_gstin(read.gstin, errors=errors)
        if errors:
            self.result.note(f"Ledger {read.name}: GSTIN {read.gstin} left out ({_first(errors)})")
        bills = None
        if read.bills:
            total = sum((bill.amount for bill in read.bills), ZERO)
            if read.bill_wise and total == read.opening:
                bills = tuple(
                    OpeningBillDraft(name=b.name, date=b.date or self.company.books_beginning,
                                     amount=b.amount)
                    for b in read.bills if b.amount
                )  # fmt: skip
            else:
                self.result.note(
                    f"Ledger {read.name}: its opening bills ({format_amount(abs(total))}) are "
                    f"not its opening balance ({format_amount(abs(read.opening))}); not brought in"
                )
        # The party's GST details as the ledger form keeps them: the state is the GSTIN's
        # (Tally's own state beside a GSTIN of another is noted and left), with its code.
        code = gstin[:2] if gstin else state_code_of(read.state)
        state = state_name(code) if code else read.state[:100]
        if gstin and read.state and state_code_of(read.state) not in ("", code):
            self.result.note(
                f"Ledger {read.name}: state {read.state} is not its GSTIN's ({state}); {state} kept"
            )
        return LedgerDraft(
            name=read.name,
            group=group,
            opening_balance=read.opening,
            gstin=gstin,
            state=state,
            state_code=code,
            gst_registration_type=registration_of_tally(read.registration, gstin=gstin),
            bill_wise=read.bill_wise,
            opening_bills=bills,
        )

    def _ledger_post(self, work: UnitOfWork, existing: Ledger | None, draft: LedgerDraft) -> Ledger:
        if existing is None:
            self.result.created += 1
            return ledger_post(work, draft)
        given = draft.given()
        if all(getattr(existing, name) == wanted for name, wanted in given.items()) and (
            draft.opening_bills is None or _same_bills(existing, draft.opening_bills)
        ):
            self.result.ignored += 1
            return existing
        work.guard(existing)
        ledger = ledger_repost(work, existing, draft, version=existing.version)
        self.result.altered += 1
        return ledger

    # -- vouchers ------------------------------------------------------------------------

    def base_of(self, type_name: str) -> str | None:
        """A voucher type's base, through the file's VOUCHERTYPE masters and the company's own
        types: a Base, "" for a type that does not post (orders, memoranda, inventory), None
        for one nobody defines."""
        name, seen = type_name.lower(), set()
        while name and name not in seen:
            seen.add(name)
            if name in NOT_POSTED:
                return ""
            if name in POSTING_BASES:
                return POSTING_BASES[name]
            name = self.types.get(name, "").lower()
        if type_name.lower() not in self.company_types:
            known = VoucherType.objects.filter(company=self.company, name__iexact=type_name)
            self.company_types[type_name.lower()] = known.values_list("base", flat=True).first()
        return self.company_types[type_name.lower()]

    def _vouchers_flush(self) -> None:
        if not self.vouchers:
            return
        batch, self.vouchers = self.vouchers, []
        self.guids = set()
        keys = {
            key.guid: key
            for key in TallyKey.objects.filter(
                company=self.company, kind=Kind.VOUCHER, guid__in={v.guid for v in batch if v.guid}
            )
        }
        keys.update(_own_keys(self.company, {v.guid for v in batch if v.guid} - set(keys)))
        posting, afterwards = self._sorted(batch, keys)
        if posting:
            with company_write(company=self.company, actor=self.actor) as work:
                self.company = work.company
                self._vouchers_post(work, posting)
        for step in afterwards:
            step()
        if self.progress is not None:
            self.progress(self.vouchers_read - len(self.vouchers))

    def _sorted(
        self, batch: list[TallyVoucher], keys: dict[str, TallyKey]
    ) -> tuple[list[tuple[TallyVoucher, str, TallyKey | None]], list]:
        """The vouchers to post (new or altered) with their base and key; the cancellations
        and deletions of vouchers posted before, to run after the batch (each its own save);
        the rest counted as Tally counts them."""
        posting, afterwards = [], []
        result = self.result
        for read in batch:
            key = keys.get(read.guid) if read.guid else None
            base = self.base_of(read.type_name)
            if read.action.lower() == "delete" or read.deleted:
                if key is not None and key.voucher_id:
                    afterwards.append(lambda key=key: self._voucher_gone(key, cancel=False))
                else:
                    result.ignored += 1
            elif base is None:
                result.refuse(read.label, f"unknown voucher type {read.type_name}")
            elif base == "":
                result.ignored += 1  # an order, a memorandum, an inventory-only voucher
            elif read.cancelled or read.action.lower() == "cancel":
                result.cancelled += 1
                if key is not None and key.voucher_id:
                    afterwards.append(lambda key=key: self._voucher_gone(key, cancel=True))
            elif read.optional or _unchanged(key, read):
                result.ignored += 1
            elif read.date is None:
                result.refuse(read.label, "bad date: the voucher has no DATE")
            else:
                posting.append((read, base, key))
        return posting, afterwards

    def _voucher_gone(self, key: TallyKey, *, cancel: bool) -> None:
        voucher = Voucher.objects.filter(pk=key.voucher_id).first()
        if voucher is None or (cancel and voucher.is_cancelled):
            return
        try:
            if cancel:
                voucher_cancel(
                    company=self.company, voucher=voucher, actor=self.actor,
                    version=voucher.version,
                )  # fmt: skip
            else:
                voucher_delete(
                    company=self.company, voucher=voucher, actor=self.actor,
                    version=voucher.version,
                )  # fmt: skip
                self.result.deleted += 1
        except Invalid as refusal:
            self.result.refuse(str(voucher), messages_of(refusal))

    def _vouchers_post(
        self, work: UnitOfWork, posting: list[tuple[TallyVoucher, str, TallyKey | None]]
    ) -> None:
        ledgers = self._ledgers_for(work, posting)
        drafted_at = work.company.last_seq  # the drafts' ledgers are as they are now
        types = {vt.base: vt for vt in VoucherType.objects.filter(company=work.company)
                 .order_by("id")[::-1]}  # fmt: skip
        new: list[tuple[TallyVoucher, VoucherDraft]] = []
        for read, base, key in posting:
            draft = self._draft(read, types[base], ledgers)
            if draft is None:
                continue
            if key is not None and key.voucher_id:
                self._voucher_repost(work, read, draft, key)
            else:
                new.append((read, draft))
        posted = self._post_many(work, new, drafted_at=drafted_at)
        # New keys in one insert: a bulk load's vouchers are nearly all new.
        rows_insert(
            TallyKey,
            ("company", "kind", "guid", "alter_id", "voucher"),
            [
                (work.company.pk, Kind.VOUCHER.value, read.guid[:200], read.alter_id, voucher.pk)
                for read, voucher in posted
                if read.guid
            ],
        )
        self.result.created += len(posted)

    def _draft(
        self, read: TallyVoucher, voucher_type: VoucherType, ledgers: dict[str, Ledger]
    ) -> VoucherDraft | None:
        """The voucher as a draft, checked against the books' rules (None: refused)."""
        lines = [
            Line(
                ledger=ledgers[line.ledger.lower()],
                amount=line.amount,
                bills=_bills(line),
                bank=_bank(line.bank),
            )
            for line in read.lines
            if line.amount
        ]
        if not lines:
            self.result.refuse(read.label, "no ledger lines with an amount")
            return None
        draft = VoucherDraft(
            voucher_type=voucher_type,
            date=read.date,
            narration=read.narration[:2000],
            lines=lines,
            reference=(read.reference or read.number)[:50],
            # Tally's Voucher No.: kept on a manually numbered type, ignored by an automatic one.
            number=read.number or None,
        )
        try:
            voucher_check(draft, company=self.company)
        except Invalid as refusal:
            reason = messages_of(refusal)
            if "Debit" in reason and "Credit" in reason:
                reason = f"unbalanced voucher: {reason}"
            self.result.refuse(read.label, reason)
            return None
        return draft

    def _voucher_repost(
        self, work: UnitOfWork, read: TallyVoucher, draft: VoucherDraft, key: TallyKey
    ) -> None:
        voucher = Voucher.objects.select_related("voucher_type").get(pk=key.voucher_id)
        try:
            with transaction.atomic():
                work.guard(voucher)
                work.bump(voucher, voucher.version)
                voucher_repost(work, voucher, draft)
        except Invalid as refusal:
            self.result.refuse(read.label, messages_of(refusal))
            return
        _key_keep(work.company, Kind.VOUCHER, read.guid, read, voucher)
        self.result.altered += 1

    def _post_many(
        self, work: UnitOfWork, pending: list[tuple[TallyVoucher, VoucherDraft]], drafted_at: int
    ) -> list[tuple[TallyVoucher, Voucher]]:
        """Post the drafts in one go; a draft the batch path refuses is taken out (or, when
        only its bills or instrument are refused, posted without them, said in a line) and
        the rest tried again: one voucher never takes its batch down. The batch path moves
        the kept ledgers' totals only when nothing was written since they were read
        (`drafted_at`): only then do they serve the next batch."""
        pending = list(pending)
        kept = drafted_at == work.company.last_seq
        self.ledgers_seq = None
        while pending:
            try:
                with transaction.atomic():
                    vouchers = vouchers_post_many(
                        work, [draft for _, draft in pending], drafted_at_seq=drafted_at
                    )
            except Invalid as refusal:
                self._one_out(pending, refusal)
                continue
            if kept:
                self.ledgers_seq = work.company.last_seq
            return [(read, voucher) for (read, _), voucher in zip(pending, vouchers, strict=True)]
        return []

    def _one_out(self, pending: list[tuple[TallyVoucher, VoucherDraft]], refusal: Invalid) -> None:
        """Take the refused draft out of `pending`, or, when only its bills (or only its
        instrument) are refused, put it back without them: the line then takes Tally's
        default allocation (vouchers.bills.bills_defaulted) and the report says so. Tally
        itself lets an Agst Ref add to a bill, which the books here refuse."""
        index = int(next(iter(refusal.errors)).split(".")[1])
        read, draft = pending[index]
        fields = [name for name in refusal.errors if name.startswith(f"drafts.{index}.")]
        lines = draft.lines or []
        bills = all(".bills" in name for name in fields) and any(ln.bills for ln in lines)
        bank = all(".instrument" in name for name in fields) and any(ln.bank for ln in lines)
        if bills or bank:
            what = "bill allocations" if bills else "instrument details"
            bare = [replace(ln, bills=None) if bills else replace(ln, bank=None) for ln in lines]
            pending[index] = (read, replace(draft, lines=bare))
            self.result.note(f"{read.label}: {what} left out ({messages_of(refusal)})")
        else:
            del pending[index]
            self.result.refuse(read.label, messages_of(refusal))

    def _ledgers_for(
        self, work: UnitOfWork, posting: list[tuple[TallyVoucher, str, TallyKey | None]]
    ) -> dict[str, Ledger]:
        """The batch's ledgers by name (lower case), in one read; a ledger the file uses but
        never defined is created under the group its use points to, and said in a line."""
        if self.ledgers_seq != work.company.last_seq:
            self.ledgers = {}  # someone else wrote since: read them again
        ledgers = self.ledgers
        wanted: dict[str, tuple[TallyLine, str]] = {}
        for read, base, _ in posting:
            for line in read.lines:
                if line.ledger.lower() not in ledgers:
                    wanted.setdefault(line.ledger.lower(), (line, base))
        if not wanted:
            return ledgers
        found = Ledger.objects.annotate(lname=Lower("name")).filter(
            company=work.company, lname__in=list(wanted)
        )
        ledgers.update((ledger.name.lower(), ledger) for ledger in found.select_related("group"))
        groups = _by_name(Group.objects.filter(company=work.company))
        for name, (line, base) in wanted.items():
            if name in ledgers:
                continue
            group = groups[group_guessed(line, base).lower()]
            draft = LedgerDraft(name=line.ledger, group=group, bill_wise=bool(line.bills))
            ledger = ledger_post(work, draft)
            ledger.group = group
            ledgers[name] = ledger
            _key_keep(work.company, Kind.LEDGER, f"name:{line.ledger}", None, ledger)
            self.result.created += 1
            self.result.note(
                f"Ledger {line.ledger} is not among the file's masters: created under {group}"
            )
        return ledgers


def group_guessed(line: TallyLine, base: str) -> str:
    """The group a ledger the file never defines goes under, from how a voucher uses it."""
    name = line.ledger.lower()
    if line.bank is not None or "bank" in name:
        return "Bank Accounts"
    if "cash" in name:
        return "Cash-in-Hand"
    if line.party or line.bills:
        debtor = base in (Base.SALES, Base.RECEIPT, Base.CREDIT_NOTE)
        return "Sundry Debtors" if debtor else "Sundry Creditors"
    if any(word in name for word in ("gst", "tax", "cess", "tds", "duty", "duties")):
        return "Duties & Taxes"
    if base == Base.SALES:
        return "Sales Accounts"
    if base == Base.PURCHASE:
        return "Purchase Accounts"
    return "Suspense A/c"


def group_new(work: UnitOfWork, read: TallyGroup, parent: Group | None) -> Group:
    """A group of the file's that the company has not got: under its parent, taking its
    parent's nature as every sub-group does; a primary one takes the nature its flags say
    (debit-natured and revenue: Expenses, and so on). Records a Change."""
    if parent is not None:
        group = Group(
            company=work.company, name=read.name, parent=parent, nature=parent.nature,
            is_revenue=parent.is_revenue, affects_gross_profit=parent.affects_gross_profit,
            is_cash_bank=parent.is_cash_bank, is_cash=parent.is_cash,
        )  # fmt: skip
    else:
        nature = {
            (True, True): Group.Nature.EXPENSE,
            (True, False): Group.Nature.ASSET,
            (False, True): Group.Nature.INCOME,
            (False, False): Group.Nature.LIABILITY,
        }[(read.debit_natured, read.revenue)]
        group = Group(
            company=work.company, name=read.name, nature=nature, is_revenue=read.revenue,
            affects_gross_profit=read.revenue and read.gross_profit,
        )  # fmt: skip
    group.save()
    work.record("create", group, before=None)
    return group


def _keyed_ledger(company: Company, guid: str) -> Ledger | None:
    if not guid:
        return None
    key = TallyKey.objects.filter(company=company, kind=Kind.LEDGER, guid=guid[:200]).first()
    return Ledger.objects.select_related("group").get(pk=key.ledger_id) if key else None


def _own_keys(company: Company, guids: set[str]) -> dict[str, TallyKey]:
    """Keys (not saved) for the GUIDs `tallyxml.writing` gave this company's own vouchers,
    at their version: its export imported back into it finds them and changes nothing."""
    ids = {voucher_id: guid for guid in guids if (voucher_id := voucher_id_of(company, guid))}
    found = Voucher.objects.filter(company=company, id__in=list(ids)).values_list("id", "version")
    return {
        ids[voucher_id]: TallyKey(
            company=company,
            kind=Kind.VOUCHER,
            guid=ids[voucher_id],
            alter_id=version,
            voucher_id=voucher_id,
        )  # fmt: skip
        for voucher_id, version in found
    }


def _same_bills(ledger: Ledger, bills: tuple[OpeningBillDraft, ...]) -> bool:
    """The ledger already has these opening bills (names, dates and amounts)."""
    have = {(bill.name.lower(), bill.date, bill.amount) for bill in ledger.opening_bills.all()}
    return have == {(bill.name.lower(), bill.date, bill.amount) for bill in bills}


def _unchanged(key: TallyKey | None, read: TallyVoucher) -> bool:
    """Posted before at the ALTERID the file gives it now."""
    return key is not None and read.alter_id is not None and key.alter_id == read.alter_id


def _by_name(groups: Iterable[Group]) -> dict[str, Group]:
    return {group.name.lower(): group for group in groups}


def _first(errors: dict[str, list[str]]) -> str:
    return next(iter(errors.values()))[0]


def _key_keep(
    company: Company,
    kind: str,
    guid: str,
    read: TallyGroup | TallyLedger | TallyVoucher | None,
    record: Group | Ledger | Voucher,
) -> None:
    """Note which record a Tally object became, at the ALTERID it came with."""
    if not guid:
        return
    TallyKey.objects.update_or_create(
        company=company,
        kind=kind,
        guid=guid[:200],
        defaults={
            "alter_id": getattr(read, "alter_id", None),
            "group": record if isinstance(record, Group) else None,
            "ledger": record if isinstance(record, Ledger) else None,
            "voucher": record if isinstance(record, Voucher) else None,
        },
    )


def _bills(line: TallyLine) -> tuple[BillRef, ...] | None:
    bills = tuple(
        BillRef(
            kind=BILL_KINDS.get(bill.kind.lower(), BillAllocation.Kind.ON_ACCOUNT),
            name="" if bill.kind.lower() == "on account" else bill.name[:100],
            amount=bill.amount,
            credit_days=bill.credit_days,
        )
        for bill in line.bills
        if bill.amount
    )
    return bills or None


def _bank(bank: TallyBank | None) -> BankDetail | None:
    if bank is None:
        return None
    said = bank.transaction_type.lower()
    kind = next((ours for word, ours in INSTRUMENTS if word in said), "others" if said else "")
    return BankDetail(
        instrument_type=kind,
        instrument_number=bank.instrument_number[:30],
        instrument_date=bank.instrument_date,
        favouring=bank.favouring[:200],
        bank_date=bank.bank_date,
    )


# -- files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Survey:
    """What a first streaming pass over the files finds: how many vouchers (a progress bar's
    total) and the earliest voucher date (where a new company's year and books begin)."""

    vouchers: int
    first_date: dt.date | None


def files_survey(paths: Iterable[Path]) -> Survey:
    """Count the files' vouchers and find their earliest date (reading only DATEs)."""
    count, earliest = 0, None
    for path in paths:
        with path.open("rb") as stream:
            for element in objects(stream):
                if element.tag != "VOUCHER":
                    continue
                count += 1
                try:
                    day = voucher_date(element)
                except ValueError:
                    continue
                if day and (earliest is None or day < earliest):
                    earliest = day
    return Survey(vouchers=count, first_date=earliest)


def first_voucher_date(paths: Iterable[Path]) -> dt.date | None:
    """The earliest voucher date in the files: where a new company's financial year and books
    begin."""
    return files_survey(paths).first_date


def voucher_date(element: Element) -> dt.date | None:
    return date(value(element, "DATE"))


def import_streams(
    *,
    company: Company,
    actor: AbstractBaseUser,
    streams: Iterable[BinaryIO],
    batch: int = BATCH,
    progress: Progress | None = None,
) -> Result:
    """Import Tally XML streams, in order, into `company` as `actor` (an owner or accountant):
    the counters and lines of the whole run; `progress` hears the vouchers done batch by
    batch."""
    importer = Importer(company=company, actor=actor, batch=batch, progress=progress)
    with batch_cache():
        for stream in streams:
            for element in objects(stream):
                importer.feed(element)
        return importer.finish()


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block's writes, then undo them all (a dry run): the connection leaves
    autocommit for one transaction that is rolled back at the end, so the units of work
    inside (durable transactions of their own) nest in it and nothing they do commits; the
    Edit Log's head file and live nudges wait for a commit that never comes."""
    if connection.in_atomic_block:
        raise RuntimeError("A dry run opens its own transaction: call it outside any.")
    connection.set_autocommit(False)
    if connection.vendor == "sqlite":
        # SQLite begins a transaction only at the first write: a SAVEPOINT before it would
        # open (and its RELEASE commit) one of its own.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.rollback()
        connection.set_autocommit(True)
