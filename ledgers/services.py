"""Writes on groups and ledgers, Tally's seed chart, and posting entries into ledger totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection
from django.db.models import F

from companies.models import Company
from core.errors import Invalid, Parsed
from core.money import ZERO, MoneyField, money
from core.validation import clean_text
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_write
from ledgers.drafts import LedgerDraft, group_find, name_taken_message
from ledgers.forms import ledger_draft
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.snapshots import ledger_snapshot

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
        subs[name].save()
    Ledger.objects.create(company=company, name="Cash", group=subs["Cash-in-Hand"], predefined=True)
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
    )


def group_create(*, company: Company, actor: AbstractBaseUser, name: str, parent: Any) -> Group:
    """A user group under any group; it takes its parent's nature. Records a Change."""
    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    parent_group = group_find(company=company, ref=parent)
    if parent_group is None:
        errors.setdefault("parent", []).append("Choose the group this group goes under.")
    with company_write(company=company, actor=actor) as work:
        if name and Group.objects.filter(company=work.company, name__iexact=name).exists():
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


@contextmanager
def _name_kept(name: str) -> Iterator[None]:
    """The database's unique name refusing a name taken by another save at the same moment,
    with the draft's own message (the save's transaction is rolled back by the raise)."""
    try:
        yield
    except IntegrityError as exc:
        if "ledger_name_unique" not in str(exc):
            raise
        raise Invalid.field("name", name_taken_message(name)) from None


def ledger_post(
    work: UnitOfWork, draft: LedgerDraft, *, request_key: RequestKey | None = None
) -> Ledger:
    """Create a ledger from a whole draft; records a Change (the ledger's `change`)."""
    ledger = Ledger(company=work.company, altered_by=work.actor, **draft.given())
    with _name_kept(ledger.name):
        ledger.save(force_insert=True)
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
    return Ledger.objects.select_related("group").get(pk=ledger.pk, company=work.company)


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
    work.bump(ledger, version)
    given = draft.given()
    for name, value in given.items():
        setattr(ledger, name, value)
    with _name_kept(ledger.name):
        ledger.save(update_fields=[*given, "altered_at"])
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
        ledger.delete()


# A ledger's running totals are BIGINT paise: room for ninety thousand crore crore rupees.
MAX_TOTAL = Decimal(2**63 - 1).scaleb(-2).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


def _totals_room_check(per_ledger: dict[int, list[Decimal]]) -> None:
    """Refuse a posting to a ledger deleted since its draft was made, or one that would carry a
    ledger's totals past what the database holds."""
    current = Ledger.objects.filter(pk__in=per_ledger).values_list(
        "pk", "name", "total_debit", "total_credit"
    )
    found = 0
    for ledger_id, name, debit, credit in current:
        found += 1
        added_debit, added_credit = per_ledger[ledger_id]
        if debit + added_debit > MAX_TOTAL or credit + added_credit > MAX_TOTAL:
            raise Invalid.field(
                "entries", f"This would carry {name}'s totals past what the books can hold."
            )
    if found != len(per_ledger):
        raise Invalid.field("entries", "A ledger of this voucher was deleted meanwhile.")


_paise = MoneyField().get_prep_value
_DAY_UPSERT = """
INSERT INTO ledgers_ledgerday (ledger_id, date, debit, credit) VALUES (%s, %s, %s, %s)
ON CONFLICT (ledger_id, date) DO UPDATE SET
    debit = ledgers_ledgerday.debit + excluded.debit,
    credit = ledgers_ledgerday.credit + excluded.credit
"""


def ledger_totals_post(*, lines: Iterable[tuple[int, dt.date, Decimal]], sign: int = 1) -> None:
    """Add (sign=1) or take back (sign=-1) entry amounts in ledger and per-day totals.

    Runs inside the saving transaction; one UPDATE per ledger touched and one upsert per
    (ledger, day).
    """
    per_ledger: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    per_day: dict[tuple[int, dt.date], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for ledger_id, day, amount in lines:
        column = 0 if amount > 0 else 1
        per_ledger[ledger_id][column] += sign * abs(amount)
        per_day[(ledger_id, day)][column] += sign * abs(amount)
    if sign > 0:
        _totals_room_check(per_ledger)
    for ledger_id, (debit, credit) in per_ledger.items():
        Ledger.objects.filter(pk=ledger_id).update(
            total_debit=F("total_debit") + money(debit),
            total_credit=F("total_credit") + money(credit),
        )
    with connection.cursor() as cursor:
        cursor.executemany(
            _DAY_UPSERT,
            [
                (ledger_id, day, _paise(debit), _paise(credit))
                for (ledger_id, day), (debit, credit) in per_day.items()
            ],
        )
    if sign < 0:
        LedgerDay.objects.filter(
            ledger_id__in=per_ledger, date__in={day for _, day in per_day}, debit=0, credit=0
        ).delete()
