"""Writes on groups and ledgers, Tally's seed chart, and posting entries into ledger totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import ProtectedError

from companies.models import Company
from core.errors import Invalid, Parsed, found
from core.money import ZERO, MoneyField, format_balance
from core.validation import clean_text
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_write
from ledgers.drafts import LedgerDraft, group_find, name_taken, name_taken_message
from ledgers.forms import closing_stock_draft, ledger_draft
from ledgers.models import ClosingStock, Group, Ledger, LedgerDay, OpeningBill
from ledgers.selectors import STOCK_LEDGER
from ledgers.snapshots import closing_stock_snapshot, ledger_snapshot

ASSET, LIAB, INCOME, EXPENSE = Group.Nature
# Tally's 15 primary groups: (name, nature, is_revenue, affects_gross_profit).
PRIMARY_GROUPS = [
    ("Branch / Divisions", LIAB, False, False),
    ("Capital Account", LIAB, False, False),
    ("Current Assets", ASSET, False, False),
    ("Current Liabilities", LIAB, False, False),
    ("Direct Expenses", EXPENSE, True, True),
    ("Direct Incomes", INCOME, True, True),
    ("Fixed Assets", ASSET, False, False),
    ("Indirect Expenses", EXPENSE, True, False),
    ("Indirect Incomes", INCOME, True, False),
    ("Investments", ASSET, False, False),
    ("Loans (Liability)", LIAB, False, False),
    ("Misc. Expenses (ASSET)", ASSET, False, False),
    ("Purchase Accounts", EXPENSE, True, True),
    ("Sales Accounts", INCOME, True, True),
    ("Suspense A/c", LIAB, False, False),
]
# Tally's 13 predefined sub-groups: (name, parent, is_cash_bank).
SUB_GROUPS = [
    ("Bank Accounts", "Current Assets", True),
    ("Cash-in-Hand", "Current Assets", True),
    ("Deposits (Asset)", "Current Assets", False),
    ("Loans & Advances (Asset)", "Current Assets", False),
    ("Stock-in-Hand", "Current Assets", False),
    ("Sundry Debtors", "Current Assets", False),
    ("Duties & Taxes", "Current Liabilities", False),
    ("Provisions", "Current Liabilities", False),
    ("Sundry Creditors", "Current Liabilities", False),
    ("Reserves & Surplus", "Capital Account", False),
    ("Bank OD A/c", "Loans (Liability)", True),
    ("Secured Loans", "Loans (Liability)", False),
    ("Unsecured Loans", "Loans (Liability)", False),
]
PROFIT_AND_LOSS = "Profit & Loss A/c"
CASH_IN_HAND = "Cash-in-Hand"


def ledgers_seed(*, company: Company) -> None:
    """Tally's 28 groups and the ledgers Cash and Profit & Loss A/c, for a new company."""
    primaries = {
        name: Group.objects.create(
            company=company,
            name=name,
            nature=nature,
            is_revenue=revenue,
            affects_gross_profit=gross,
            predefined=True,
        )
        for name, nature, revenue, gross in PRIMARY_GROUPS
    }
    subs = {}
    for name, parent_name, cash_bank in SUB_GROUPS:
        subs[name] = _subgroup_new(
            company=company, name=name, parent=primaries[parent_name], is_cash_bank=cash_bank
        )
        subs[name].predefined = True
        subs[name].is_cash = name == CASH_IN_HAND
        subs[name].save()
    Ledger.objects.create(company=company, name="Cash", group=subs[CASH_IN_HAND], predefined=True)
    Ledger.objects.create(company=company, name=PROFIT_AND_LOSS, group=None, predefined=True)


def _subgroup_new(*, company: Company, name: str, parent: Group, is_cash_bank: bool) -> Group:
    return Group(
        company=company,
        name=name,
        parent=parent,
        nature=parent.nature,
        is_revenue=parent.is_revenue,
        affects_gross_profit=parent.affects_gross_profit,
        is_cash_bank=is_cash_bank or parent.is_cash_bank,
        is_cash=parent.is_cash,
    )


def _group_name_taken(company: Company, name: str) -> bool:
    return Group.objects.filter(company=company, name__iexact=name).exists()


def group_create(*, company: Company, actor: AbstractBaseUser, name: str, parent: Any) -> Group:
    """A user group under any group; it takes its parent's nature. Records a Change."""
    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    parent_group = group_find(company=company, ref=parent)
    if parent_group is None:
        errors.setdefault("parent", []).append("Choose the group this group goes under.")
    with company_write(company=company, actor=actor) as work:
        # A name already refused (too long, say) is not looked up: SQLite refuses a LIKE
        # pattern over 50,000 characters, and the company lock is held here.
        if "name" not in errors and _group_name_taken(work.company, name):
            errors.setdefault("name", []).append(f"A group called {name} already exists.")
        if errors:
            raise Invalid(errors)
        assert parent_group is not None
        group = _subgroup_new(
            company=work.company, name=name, parent=parent_group, is_cash_bank=False
        )
        group.save()
        work.record("create", group, before=None)
    return group


def _name_free(work: UnitOfWork, name: str | None, current: Ledger | None = None) -> None:
    """The draft's name checked again under the lock: another save may have taken it since."""
    if name and name_taken(company=work.company, name=name, current=current):
        raise Invalid.field("name", name_taken_message(name))


def _shown(amount: Decimal) -> str:
    return format_balance(amount) if amount else "0.00"


def _opening_bills_write(ledger: Ledger, draft: LedgerDraft, *, new: bool = False) -> None:
    """Replace the ledger's opening bills with the draft's when it gives them, and keep them
    true to the ledger either way: only a bill-wise ledger has them, and they add up to its
    opening balance (Tally allocates a bill-wise ledger's whole opening to bills). Raises
    Invalid; the caller's unit of work then writes nothing."""
    bills = draft.opening_bills
    if bills is None and (new or (draft.opening_balance is None and draft.bill_wise is not False)):
        return  # nothing that could part them
    if bills is None:
        kept = list(OpeningBill.objects.filter(ledger=ledger).values_list("amount", flat=True))
        if not kept:
            return
        field = "opening_balance" if draft.opening_balance is not None else "bill_wise"
        total = sum(kept, ZERO)
    else:
        field, total = "opening_bills", sum((bill.amount for bill in bills), ZERO)
    if (bills is None or bills) and not ledger.bill_wise:
        raise Invalid.field(
            field,
            f"{ledger.name} has opening bills only if it keeps bills: turn on “Maintain "
            "balances bill-by-bill”" + (", or send no opening bills." if bills else "."),
        )
    if (bills is None or bills) and total != ledger.opening_balance:
        raise Invalid.field(
            field,
            f"The opening bills add up to {_shown(total)}; the opening balance is "
            f"{_shown(ledger.opening_balance)}: the two must agree.",
        )
    if bills is None:
        return
    OpeningBill.objects.filter(ledger=ledger).delete()
    OpeningBill.objects.bulk_create(
        OpeningBill(ledger=ledger, name=b.name, date=b.date, due_date=b.due_date, amount=b.amount)
        for b in bills
    )


def ledger_post(
    work: UnitOfWork, draft: LedgerDraft, *, request_key: RequestKey | None = None
) -> Ledger:
    """Create a ledger from a whole draft; records a Change (the ledger's `change`)."""
    _name_free(work, draft.name)
    ledger = Ledger.objects.create(company=work.company, altered_by=work.actor, **draft.given())
    _opening_bills_write(ledger, draft, new=True)
    ledger.change = work.record(  # type: ignore[attr-defined]
        "create", ledger, before=None, request_key=request_key
    )
    return ledger


def ledger_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    request_key: RequestKey | None = None,
) -> Ledger:
    """Create a ledger from API/form data (name, group, opening_debit|opening_credit, gstin,
    state); raises Invalid or NotAllowed; records a Change."""
    draft = Parsed(ledger_draft, company=company, data=data)
    with company_write(company=company, actor=actor) as work:
        return ledger_post(work, draft.get(), request_key=request_key)


def _for_write(work: UnitOfWork, ledger: Ledger) -> Ledger:
    """The ledger re-read inside the company lock; Locked while someone else is altering it."""
    work.guard(ledger)
    return found(Ledger.objects.select_related("group"), pk=ledger.pk, company=work.company)


def ledger_repost(
    work: UnitOfWork,
    ledger: Ledger,
    draft: LedgerDraft,
    *,
    version: Any,
    request_key: RequestKey | None = None,
) -> Ledger:
    """Set the fields `draft` gives on a ledger read at `version`; records a Change."""
    before = ledger_snapshot(ledger)
    _name_free(work, draft.name, current=ledger)
    work.bump(ledger, version)
    given = draft.given()
    if ledger.bill_wise and draft.bill_wise is False and ledger.bill_allocations.exists():
        raise Invalid.field(
            "bill_wise",
            f"{ledger.name}'s voucher lines are allocated to bills: it keeps balances "
            "bill-by-bill while they are.",
        )
    for name, value in given.items():
        setattr(ledger, name, value)
    ledger.save(update_fields=[*given, "altered_at"])
    _opening_bills_write(ledger, draft)
    ledger.change = work.record(  # type: ignore[attr-defined]
        "alter", ledger, before=before, request_key=request_key
    )
    return ledger


def ledger_alter(
    *,
    company: Company,
    ledger: Ledger,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: RequestKey | None = None,
) -> Ledger:
    """Alter a ledger read at `version`; raises Invalid, NotAllowed, Locked (423) or
    StaleVersion (409); records a Change and releases the actor's edit lock."""
    draft = Parsed(ledger_draft, company=company, data=data, current=ledger)
    with company_write(company=company, actor=actor) as work:
        ledger = _for_write(work, ledger)
        return ledger_repost(work, ledger, draft.get(), version=version, request_key=request_key)


def ledger_delete(
    *, company: Company, ledger: Ledger, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete an unused ledger read at `version`; a ledger with entries stays (the message says
    how many vouchers use it). Raises Locked or StaleVersion too. Records a Change."""
    with company_write(company=company, actor=actor) as work:
        ledger = _for_write(work, ledger)
        if ledger.predefined and ledger.group_id is None:  # Profit & Loss A/c, however renamed
            raise Invalid.field("__all__", f"{ledger.name} is Tally's own and stays.")
        used = ledger.entries.values("voucher").distinct().count()
        if used:
            plural = "voucher uses" if used == 1 else "vouchers use"
            raise Invalid.field("__all__", f"{used} {plural} {ledger.name}; it cannot be deleted.")
        before = ledger_snapshot(ledger)
        work.bump(ledger, version)
        work.record("delete", ledger, before=before)
        try:
            ledger.delete()
        except ProtectedError as refusal:
            kinds = sorted(
                {str(row._meta.verbose_name_plural) for row in refusal.protected_objects}
            )
            message = f"{ledger.name} has {' and '.join(kinds)}; remove them first."
            raise Invalid.field("__all__", message) from None


# A ledger's running totals are BIGINT paise: room for ninety thousand crore crore rupees.
MAX_TOTAL = Decimal(2**63 - 1).scaleb(-2).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


def ledgers_for_posting(*, company: Company, ledger_ids: Iterable[int]) -> dict[int, Ledger]:
    """The ledgers a posting's lines name, read again under the company lock (name, group and
    totals as they are now, whatever its draft saw); Invalid for one deleted meanwhile."""
    wanted = set(ledger_ids)
    ledgers = ledgers_now(company=company, ledger_ids=wanted)
    if len(ledgers) != len(wanted):
        raise Invalid.field("entries", LEDGER_GONE)
    return ledgers


LEDGER_GONE = "A ledger of this voucher was deleted meanwhile."


def ledgers_now(*, company: Company, ledger_ids: Iterable[int]) -> dict[int, Ledger]:
    """The company's ledgers among `ledger_ids` with their groups, as they are now (one query;
    a deleted one is missing)."""
    found = Ledger.objects.filter(company=company, pk__in=set(ledger_ids)).select_related("group")
    return {ledger.pk: ledger for ledger in found}


def totals_room_check(
    *,
    ledgers: dict[int, Ledger],
    adding: Iterable[tuple[int, Decimal]],
    taking_back: Iterable[tuple[int, Decimal]] = (),
    added: dict[int, list[Decimal]] | None = None,
) -> None:
    """Refuse, before anything is written, amounts that would carry a ledger's totals past what
    the database holds (`ledgers` as read under the lock; `taking_back`: the lines an
    alteration replaces; `added`: what earlier drafts of a batch add, kept up to date here —
    Dr and Cr per ledger). Pure."""
    per_ledger = added if added is not None else defaultdict(lambda: [ZERO, ZERO])
    touched = set()
    for sign, lines in ((1, adding), (-1, taking_back)):
        for ledger_id, amount in lines:
            per_ledger[ledger_id][0 if amount > 0 else 1] += sign * abs(amount)
            touched.add(ledger_id)
    for ledger_id in touched:
        ledger = ledgers.get(ledger_id)
        if ledger is None:  # only taken back from: its totals shrink
            continue
        added_debit, added_credit = per_ledger[ledger_id]
        if (
            ledger.total_debit + added_debit > MAX_TOTAL
            or ledger.total_credit + added_credit > MAX_TOTAL
        ):
            raise Invalid.field(
                "entries", f"This would carry {ledger.name}'s totals past what the books can hold."
            )


_paise = MoneyField().get_prep_value
_DAY_UPSERT = """
INSERT INTO ledgers_ledgerday (ledger_id, date, debit, credit) VALUES (%s, %s, %s, %s)
ON CONFLICT (ledger_id, date) DO UPDATE SET
    debit = ledgers_ledgerday.debit + excluded.debit,
    credit = ledgers_ledgerday.credit + excluded.credit
"""


def ledger_totals_post(
    *,
    lines: Iterable[tuple[int, dt.date, Decimal]] = (),
    taken_back: Iterable[tuple[int, dt.date, Decimal]] = (),
) -> dict[int, list[Decimal]]:
    """Add entry amounts (`lines`: ledger id, day, Dr-positive amount) to the ledger and per-day
    totals, and take back those of the entries they replace (`taken_back`): an alteration nets
    both in one pass. Returns how much each ledger's totals moved: [debit, credit].

    Runs inside the saving transaction, after `totals_room_check`: one UPDATE for every ledger
    touched, one upsert per (ledger, day), and, when something was taken back, one DELETE of
    the day rows left at zero.
    """
    per_ledger: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    per_day: dict[tuple[int, dt.date], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    taking_back = False
    for sign, posted in ((1, lines), (-1, taken_back)):
        for ledger_id, day, amount in posted:
            taking_back |= sign < 0
            column = 0 if amount > 0 else 1
            per_ledger[ledger_id][column] += sign * abs(amount)
            per_day[(ledger_id, day)][column] += sign * abs(amount)
    if not per_ledger:
        return per_ledger
    with connection.cursor() as cursor:
        cursor.execute(*_totals_update(per_ledger))
        # In index order: a batch's thousands of (ledger, day) rows then walk the index once.
        cursor.executemany(
            _DAY_UPSERT,
            [
                (ledger_id, day, _paise(debit), _paise(credit))
                for (ledger_id, day), (debit, credit) in sorted(per_day.items())
            ],
        )
    if taking_back:
        LedgerDay.objects.filter(
            ledger_id__in=per_ledger, date__in={day for _, day in per_day}, debit=0, credit=0
        ).delete()
    return per_ledger


def _totals_update(per_ledger: dict[int, list[Decimal]]) -> tuple[str, list[int]]:
    """One UPDATE moving each ledger's totals by its own amounts (a CASE over the ids), written
    out rather than built from ORM expressions: a batch's hundreds of ledgers cost the ORM
    more to compile than the database to run."""
    ids = list(per_ledger)
    cases = " ".join(["WHEN %s THEN %s"] * len(ids))
    sql = (
        f"UPDATE ledgers_ledger SET total_debit = total_debit + CASE id {cases} END, "
        f"total_credit = total_credit + CASE id {cases} END "
        f"WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    params = [
        *(v for pk in ids for v in (pk, _paise(per_ledger[pk][0]))),
        *(v for pk in ids for v in (pk, _paise(per_ledger[pk][1]))),
        *ids,
    ]
    return sql, params


def _stock_ledger(work: UnitOfWork, ledger: Ledger) -> Ledger:
    """The ledger re-read under the lock; Invalid unless it is under Stock-in-Hand."""
    ledgers = Ledger.objects.select_related("group").filter(company=work.company)
    ledger = found(ledgers, pk=ledger.pk)
    if not ledgers.filter(STOCK_LEDGER, pk=ledger.pk).exists():
        message = f"{ledger.name} is not under Stock-in-Hand: only stock takes a closing value."
        raise Invalid.field("ledger", message)
    return ledger


def closing_stock_set(
    *,
    company: Company,
    actor: AbstractBaseUser,
    ledger: Ledger,
    data: dict[str, Any],
    version: Any = None,
    request_key: RequestKey | None = None,
) -> ClosingStock:
    """Enter a Stock-in-Hand ledger's closing value for a day (date, amount), or alter the one
    that day has (read at `version`). Raises Invalid, NotAllowed or StaleVersion; records a
    Change."""
    draft = Parsed(closing_stock_draft, company=company, data=data)
    with company_write(company=company, actor=actor) as work:
        ledger = _stock_ledger(work, ledger)
        given = draft.get()
        value = ClosingStock.objects.filter(ledger=ledger, date=given.date).first()
        if value is None:
            value = ClosingStock.objects.create(
                company=work.company, ledger=ledger, altered_by=actor, **vars(given)
            )
            verb, before = "create", None
        else:
            if version in (None, ""):
                day = f"{given.date:%d-%b-%Y}"
                message = f"{ledger.name} has a closing value for {day}: alter that one."
                raise Invalid.field("date", message)
            before = closing_stock_snapshot(value)
            work.bump(value, version)
            value.amount = given.amount
            value.save(update_fields=["amount", "altered_at"])
            verb = "alter"
        value.change = work.record(  # type: ignore[attr-defined]
            verb, value, before=before, request_key=request_key
        )
    return value


def closing_stock_delete(
    *, company: Company, actor: AbstractBaseUser, value: ClosingStock, version: Any
) -> None:
    """Remove a closing value read at `version` (the day before it counts again). Raises
    NotAllowed or StaleVersion; records a Change."""
    with company_write(company=company, actor=actor) as work:
        value = found(
            ClosingStock.objects.select_related("ledger"), pk=value.pk, company=work.company
        )
        before = closing_stock_snapshot(value)
        work.bump(value, version)
        work.record("delete", value, before=before)
        value.delete()
