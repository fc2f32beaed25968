"""The ledger form: one Form for the Ledger Creation/Alteration page and for a JSON body, giving
a `LedgerDraft` before the write lock."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from companies.models import Company
from core.errors import Invalid
from core.forms import (
    AmountField,
    ByNameField,
    DaysField,
    Errors,
    GstinField,
    LabelField,
    Refused,
    TallyDateField,
    TextField,
    form_errors,
    present,
)
from core.gst import NEEDS_GSTIN, NO_GSTIN, RegistrationType, state_code_of, state_name
from core.money import ZERO
from ledgers.drafts import (
    ClosingStockDraft,
    LedgerDraft,
    OpeningBillDraft,
    bill_wise_default,
    group_find,
    name_taken,
    name_taken_message,
)
from ledgers.models import Ledger


class Side(models.TextChoices):
    DR = "dr", "Dr"
    CR = "cr", "Cr"


MAX_OPENING_BILLS = 5000


class OpeningBillForm(forms.Form):
    """A bill brought in: name, date, amount with its side (Dr: the party owes), due date."""

    name = TextField(max_length=100, required=True)
    date = TallyDateField(required=True)
    amount = AmountField(required=True)
    side = LabelField(choices=Side, required=True, message="An opening bill is Dr or Cr.")
    due_date = TallyDateField()

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        if not present(data, "due_date"):
            del self.fields["due_date"]

    def bill(self) -> OpeningBillDraft:
        data = self.cleaned_data
        amount = data["amount"] if data["side"] == Side.DR else -data["amount"]
        return OpeningBillDraft(
            name=data["name"], date=data["date"], amount=amount, due_date=data.get("due_date")
        )


def _opening_bills(raw: Any) -> tuple[tuple[OpeningBillDraft, ...] | None, Errors]:
    """The opening bills sent (a list, or the page's JSON text of one), with their messages
    ("opening_bills.2.date"); None when none were sent."""
    if raw is None:
        return None, {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except ValueError:
            raw = None
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        return None, {
            "opening_bills": ["Send opening bills as a list of {name, date, amount, side}."]
        }
    if len(raw) > MAX_OPENING_BILLS:
        return None, {"opening_bills": [f"A ledger brings in at most {MAX_OPENING_BILLS:,} bills."]}
    errors: Errors = {}
    bills, seen = [], set()
    for i, row in enumerate(raw):
        bill_form = OpeningBillForm(row)
        if not bill_form.is_valid():
            errors.update(form_errors(bill_form, prefix=f"opening_bills.{i}."))
            continue
        bill = bill_form.bill()
        if bill.name.lower() in seen:
            errors[f"opening_bills.{i}.name"] = [f"{bill.name} is named twice: one bill, one name."]
        seen.add(bill.name.lower())
        bills.append(bill)
    return tuple(bills), errors


def gstin_state_message(gstin: str, typed: str) -> str:
    code = gstin[:2]
    return f"The GSTIN {gstin} is of {state_name(code)} ({code}), not {typed}."


class LedgerForm(forms.Form):
    """Name, group, opening balance (opening_debit or opening_credit; the page sends
    opening_amount with opening_side), GSTIN and state; whether it keeps balances bill-by-bill
    (by default under Sundry Debtors and Sundry Creditors), its credit period in days and its
    opening bills. Altering `current`, the fields left out keep their values."""

    name = TextField(max_length=200, required=True)
    group = ByNameField(find=lambda ref: None, message="Choose a group, such as Sundry Debtors.")
    opening_debit = AmountField(allow_zero=True)
    opening_credit = AmountField(allow_zero=True)
    gstin = GstinField()
    state = TextField(max_length=100)
    gst_registration_type = LabelField(
        choices=RegistrationType,
        required=False,
        message="Choose a registration type: Regular, Composition, Consumer, Unregistered, "
        "Overseas, SEZ, Deemed export or UIN holder.",
    )
    bill_wise = forms.NullBooleanField(required=False)
    credit_days = DaysField()

    def __init__(
        self, data: Any, *, company: Company, current: Ledger | None = None, **kwargs: Any
    ) -> None:
        if not isinstance(data, dict):
            raise Invalid.field("__all__", "Send the ledger as an object with name and group.")
        super().__init__(_opening_from_page(data), **kwargs)
        self.company, self.current = company, current
        self.fields["group"].find = lambda ref: group_find(company=company, ref=ref)
        sent = self.data
        opening = [name for name in ("opening_debit", "opening_credit") if present(sent, name)]
        for name in ("opening_debit", "opening_credit"):
            if name not in opening:
                del self.fields[name]
        if len(opening) == 2:
            del self.fields["opening_debit"]
            self.fields["opening_credit"] = Refused(
                "An opening balance is either Dr or Cr, not both."
            )
        if current is not None:  # an alteration: only what was sent
            for name in (
                *("name", "group", "gstin", "state", "gst_registration_type", "bill_wise"),
                "credit_days",
            ):
                if name not in sent:
                    del self.fields[name]

    def clean_group(self) -> Any:
        if self.current is not None and self.current.group_id is None:
            raise ValidationError(f"{self.current.name} stands outside every group.")
        return self.cleaned_data["group"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name")
        if name and name_taken(company=self.company, name=name, current=self.current):
            self.add_error("name", name_taken_message(name))
        if not any(name in self.errors for name in ("gstin", "state", "gst_registration_type")):
            self._gst_details(data)
        return data

    def _kept(self, data: dict[str, Any], name: str) -> Any:
        """A field as sent, else as the ledger has it (a new ledger: empty)."""
        if name in self.fields:
            return data.get(name) or ""
        return getattr(self.current, name, "") or ""

    def _gst_details(self, data: dict[str, Any]) -> None:
        """A party's GST details agree: a GSTIN where its registration has one (Regular unless
        said, when a GSTIN is typed) and none where it has none; the state is the GSTIN's
        (filled from it when not typed); a state typed as a name or GSTN code is known by both."""
        gstin, kind = self._kept(data, "gstin"), self._kept(data, "gst_registration_type")
        if gstin and not kind:
            kind = RegistrationType.UIN_HOLDER if gstin[2:4].isdigit() else RegistrationType.REGULAR
            data["gst_registration_type"] = kind
        label = RegistrationType(kind).label if kind else ""
        if kind in NEEDS_GSTIN and not gstin:
            self.add_error("gstin", f"Enter the GSTIN: a party registered as {label} has one.")
        if kind in NO_GSTIN and gstin:
            self.add_error(
                "gst_registration_type",
                f"A party registered as {label} has no GSTIN: clear it, or choose Regular.",
            )
        typed = data.get("state", "") if "state" in self.fields else None
        code = state_code_of(typed) if typed else ""
        if gstin and (typed is not None or "gstin" in self.fields):
            if typed and code != gstin[:2]:
                self.add_error("state", gstin_state_message(gstin, typed))
            data["state"], data["state_code"] = state_name(gstin[:2]), gstin[:2]
        elif typed:
            if not code and kind and kind != RegistrationType.OVERSEAS:
                self.add_error("state", "Choose the state by its name or code, like Goa or 30.")
            data["state"], data["state_code"] = (state_name(code) if code else typed), code
        elif typed is not None:
            data["state_code"] = ""

    def draft(self) -> LedgerDraft:
        """The checked draft; Invalid with messages per field."""
        opening_bills, bill_errors = _opening_bills(self.data.get("opening_bills"))
        if not self.is_valid() or bill_errors:
            raise Invalid({**form_errors(self), **bill_errors})
        data = self.cleaned_data
        bill_wise = data.get("bill_wise")
        if bill_wise is None and self.current is None:
            bill_wise = bill_wise_default(data.get("group"))
        credit_days = data.get("credit_days")
        if "credit_days" in self.data and credit_days is None:
            credit_days = 0  # cleared: bills fall due on their date
        opening = data.get("opening_debit", ZERO) - data.get("opening_credit", ZERO)
        sent_opening = self.current is None or {"opening_debit", "opening_credit"} & set(self.data)
        return LedgerDraft(
            name=data.get("name"),
            group=data.get("group"),
            opening_balance=opening if sent_opening else None,
            gstin=data.get("gstin"),
            state=data.get("state"),
            state_code=data.get("state_code"),
            gst_registration_type=data.get("gst_registration_type"),
            bill_wise=bill_wise,
            credit_days=credit_days,
            opening_bills=opening_bills,
        )


def _opening_from_page(data: dict[str, Any]) -> dict[str, Any]:
    """The page's opening_amount and Dr/Cr as the API's opening_debit / opening_credit."""
    if "opening_amount" not in data:
        return data
    side = "opening_credit" if data.get("opening_side") == "Cr" else "opening_debit"
    return {**data, side: data.get("opening_amount") or "0"}


def ledger_draft(
    *, company: Company, data: dict[str, Any], current: Ledger | None = None
) -> LedgerDraft:
    """The draft of a ledger from API or form input, with messages per field (Invalid)."""
    return LedgerForm(data, company=company, current=current).draft()


class ClosingStockForm(forms.Form):
    """A closing value: the day (not before the books begin) and the amount (zero allowed)."""

    date = TallyDateField(required=True)
    amount = AmountField(allow_zero=True, required=True)

    def __init__(self, data: Any, *, company: Company, **kwargs: Any) -> None:
        if not isinstance(data, dict):
            raise Invalid.field(
                "__all__", "Send the closing stock as an object with date and amount."
            )
        super().__init__(data, **kwargs)
        self.fields["date"].for_company(company, timezone.localdate())

    def draft(self) -> ClosingStockDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        return ClosingStockDraft(date=self.cleaned_data["date"], amount=self.cleaned_data["amount"])


def closing_stock_draft(*, company: Company, data: dict[str, Any]) -> ClosingStockDraft:
    """The draft of a closing value from API or form input, with messages per field (Invalid)."""
    return ClosingStockForm(data, company=company).draft()
