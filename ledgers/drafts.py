"""Ledger input as a typed draft, parsed (and its group looked up) before the write lock."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models.functions import Lower

from companies.models import Company
from core.errors import Invalid
from core.money import ZERO, parse_amount
from core.validation import clean_gstin, clean_text, parse_id
from ledgers.models import Group, Ledger


@dataclass(frozen=True)
class LedgerDraft:
    """A ledger as typed. In an alteration, None means "keep what the ledger has"."""

    name: str | None = None
    group: Group | None = None
    opening_balance: Decimal | None = None  # positive = Dr
    gstin: str | None = None
    state: str | None = None

    def given(self) -> dict[str, Any]:
        """The fields this draft sets, by model field name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


def group_find(*, company: Company, ref: Any) -> Group | None:
    """A group of `company` by id or by name (case-insensitive)."""
    groups = Group.objects.filter(company=company)
    if (group_id := parse_id(ref)) is not None:
        return groups.filter(pk=group_id).first()
    if isinstance(ref, str) and ref.strip():
        return groups.annotate(lname=Lower("name")).filter(lname=ref.strip().lower()).first()
    return None


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


def ledger_draft(
    *, company: Company, data: dict[str, Any], current: Ledger | None = None
) -> LedgerDraft:
    """The draft of a ledger from API or form input (name, group, opening_debit|opening_credit,
    gstin, state), with messages per field (Invalid); for an alteration of `current`, keys left
    out of `data` stay None. A name another ledger has is refused here; the database's unique
    name is the backstop for two such saves at once."""
    if not isinstance(data, dict):
        raise Invalid.field("__all__", "Send the ledger as an object with name and group.")
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    if current is None or "name" in data:
        given["name"] = clean_text(
            data.get("name"), field="name", max_length=200, errors=errors, required=True
        )
    if current is None or "group" in data:
        given["group"] = group_find(company=company, ref=data.get("group"))
        if given["group"] is None:
            errors.setdefault("group", []).append("Choose a group, such as Sundry Debtors.")
        elif current is not None and current.group_id is None:
            errors.setdefault("group", []).append(f"{current.name} stands outside every group.")
    if current is None or "opening_debit" in data or "opening_credit" in data:
        given["opening_balance"] = _parse_opening(data, errors)
    if current is None or "gstin" in data:
        given["gstin"] = clean_gstin(data.get("gstin"), errors=errors)
    if current is None or "state" in data:
        given["state"] = clean_text(data.get("state"), field="state", max_length=100, errors=errors)
    if given.get("name") and name_taken(company=company, name=given["name"], current=current):
        errors.setdefault("name", []).append(name_taken_message(given["name"]))
    if errors:
        raise Invalid(errors)
    return LedgerDraft(**given)


def name_taken(*, company: Company, name: str, current: Ledger | None = None) -> bool:
    clash = Ledger.objects.filter(company=company, name__iexact=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    return clash.exists()


def name_taken_message(name: str) -> str:
    return f"A ledger called {name} already exists."
