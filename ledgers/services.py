"""Writes on groups and ledgers, Tally's seed chart, and posting entries into ledger totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Lower

from companies.models import Company
from companies.services import company_lock, version_bump, writer_require
from core.errors import Invalid
from core.money import ZERO, MoneyField, money, parse_amount
from core.validation import clean_gstin, clean_text, parse_id
from editlog.idempotency import RequestKey
from editlog.services import change_record
from ledgers.models import Group, Ledger, LedgerDay
from ledgers.snapshots import group_snapshot, ledger_snapshot
from locking.services import lock_check, lock_release

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


def group_find(*, company: Company, ref: Any) -> Group | None:
    """A group of `company` by id or by name (case-insensitive)."""
    groups = Group.objects.filter(company=company)
    if (group_id := parse_id(ref)) is not None:
        return groups.filter(pk=group_id).first()
    if isinstance(ref, str) and ref.strip():
        return groups.annotate(lname=Lower("name")).filter(lname=ref.strip().lower()).first()
    return None


def group_create(*, company: Company, actor: AbstractBaseUser, name: str, parent: Any) -> Group:
    """A user group under any group; it takes its parent's nature. Records a Change."""
    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    parent_group = group_find(company=company, ref=parent)
    if parent_group is None:
        errors.setdefault("parent", []).append("Choose the group this group goes under.")
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        writer_require(company=company, actor=actor)
        if name and Group.objects.filter(company=company, name__iexact=name).exists():
            errors.setdefault("name", []).append(f"A group called {name} already exists.")
        if errors:
            raise Invalid(errors)
        assert parent_group is not None
        group = _subgroup_new(company=company, name=name, parent=parent_group, is_cash_bank=False)
        group.save()
        change_record(
            company=company,
            actor=actor,
            verb="create",
            obj=group,
            before=None,
            after=group_snapshot(group),
        )
    return group


def _parse_opening(data: dict[str, Any], errors: dict[str, list[str]]) -> Decimal | None:
    """Signed opening balance from opening_debit / opening_credit (one of them, or neither)."""
    debit, credit = data.get("opening_debit"), data.get("opening_credit")
    if debit not in (None, "") and credit not in (None, ""):
        errors.setdefault("opening_credit", []).append(
            "An opening balance is either Dr or Cr, not both."
        )
        return None
    field, raw, sign = (
        ("opening_credit", credit, -1) if credit not in (None, "") else ("opening_debit", debit, 1)
    )
    if raw in (None, ""):
        return ZERO
    try:
        return sign * parse_amount(raw, allow_zero=True)
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None


def _ledger_fields(
    *, company: Company, data: dict[str, Any], current: Ledger | None
) -> dict[str, Any]:
    """Clean ledger input; keys missing from `data` keep the current ledger's values."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    if current is None or "name" in data:
        fields["name"] = clean_text(
            data.get("name"), field="name", max_length=200, errors=errors, required=True
        )
    if current is None or "group" in data:
        fields["group"] = group_find(company=company, ref=data.get("group"))
        if fields["group"] is None:
            errors.setdefault("group", []).append("Choose a group, such as Sundry Debtors.")
        elif current is not None and current.group is None:
            errors.setdefault("group", []).append(f"{current.name} stands outside every group.")
    if current is None or "opening_debit" in data or "opening_credit" in data:
        fields["opening_balance"] = _parse_opening(data, errors)
    if current is None or "gstin" in data:
        fields["gstin"] = clean_gstin(data.get("gstin"), errors=errors)
    if current is None or "state" in data:
        fields["state"] = clean_text(
            data.get("state"), field="state", max_length=100, errors=errors
        )
    name = fields.get("name")
    if name:
        clash = Ledger.objects.filter(company=company, name__iexact=name)
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            errors.setdefault("name", []).append(f"A ledger called {name} already exists.")
    if errors:
        raise Invalid(errors)
    return fields


def ledger_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    request_key: RequestKey | None = None,
) -> Ledger:
    """Create a ledger from API/form data (name, group, opening_debit|opening_credit, gstin,
    state); raises Invalid or NotAllowed; records a Change."""
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        writer_require(company=company, actor=actor)
        fields = _ledger_fields(company=company, data=data, current=None)
        ledger = Ledger.objects.create(company=company, altered_by=actor, **fields)
        ledger.change = change_record(  # type: ignore[attr-defined]
            company=company,
            actor=actor,
            verb="create",
            obj=ledger,
            before=None,
            after=ledger_snapshot(ledger),
            request_key=request_key,
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
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        writer_require(company=company, actor=actor)
        lock_check(company=company, resource=f"ledger:{ledger.pk}", actor=actor)
        ledger = Ledger.objects.select_related("group").get(pk=ledger.pk, company=company)
        before = ledger_snapshot(ledger)
        fields = _ledger_fields(company=company, data=data, current=ledger)
        version_bump(obj=ledger, version=version, actor=actor)
        for name, value in fields.items():
            setattr(ledger, name, value)
        ledger.altered_by = actor
        ledger.save(update_fields=[*fields, "altered_at"])
        ledger.change = change_record(  # type: ignore[attr-defined]
            company=company,
            actor=actor,
            verb="alter",
            obj=ledger,
            before=before,
            after=ledger_snapshot(ledger),
            request_key=request_key,
        )
        lock_release(company=company, resource=f"ledger:{ledger.pk}", actor=actor)
    return ledger


def ledger_delete(
    *, company: Company, ledger: Ledger, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete an unused ledger read at `version`; a ledger with entries stays (the message says
    how many vouchers use it). Raises Locked or StaleVersion too. Records a Change."""
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        writer_require(company=company, actor=actor)
        lock_check(company=company, resource=f"ledger:{ledger.pk}", actor=actor)
        ledger = Ledger.objects.select_related("group").get(pk=ledger.pk, company=company)
        if ledger.predefined and ledger.group_id is None:  # Profit & Loss A/c, however renamed
            raise Invalid.field("__all__", f"{ledger.name} is Tally's own and stays.")
        used = ledger.entries.values("voucher").distinct().count()
        if used:
            plural = "voucher uses" if used == 1 else "vouchers use"
            raise Invalid.field("__all__", f"{used} {plural} {ledger.name}; it cannot be deleted.")
        before = ledger_snapshot(ledger)
        version_bump(obj=ledger, version=version, actor=actor)
        change_record(
            company=company, actor=actor, verb="delete", obj=ledger, before=before, after=None
        )
        lock_release(company=company, resource=f"ledger:{ledger.pk}", actor=actor)
        ledger.delete()


# A ledger's running totals are BIGINT paise: room for ninety thousand crore crore rupees.
MAX_TOTAL = Decimal(2**63 - 1).scaleb(-2).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


def _totals_room_check(per_ledger: dict[int, list[Decimal]]) -> None:
    """Refuse a posting that would carry a ledger's totals past what the database holds."""
    current = Ledger.objects.filter(pk__in=per_ledger).values_list(
        "pk", "name", "total_debit", "total_credit"
    )
    for ledger_id, name, debit, credit in current:
        added_debit, added_credit = per_ledger[ledger_id]
        if debit + added_debit > MAX_TOTAL or credit + added_credit > MAX_TOTAL:
            raise Invalid.field(
                "entries", f"This would carry {name}'s totals past what the books can hold."
            )


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
