"""The ledger form: one Form for the Ledger Creation/Alteration page and for a JSON body, giving
a `LedgerDraft` before the write lock."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from companies.models import Company
from core.errors import Invalid
from core.forms import (
    AmountField,
    ByNameField,
    GstinField,
    Refused,
    TallyDateField,
    TextField,
    form_errors,
    present,
)
from core.money import ZERO
from ledgers.drafts import (
    ClosingStockDraft,
    LedgerDraft,
    group_find,
    name_taken,
    name_taken_message,
)
from ledgers.models import Ledger


class LedgerForm(forms.Form):
    """Name, group, opening balance (opening_debit or opening_credit; the page sends
    opening_amount with opening_side), GSTIN and state. Altering `current`, the fields left
    out keep their values."""

    name = TextField(max_length=200, required=True)
    group = ByNameField(find=lambda ref: None, message="Choose a group, such as Sundry Debtors.")
    opening_debit = AmountField(allow_zero=True)
    opening_credit = AmountField(allow_zero=True)
    gstin = GstinField()
    state = TextField(max_length=100)

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
            for name in ("name", "group", "gstin", "state"):
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
        return data

    def draft(self) -> LedgerDraft:
        """The checked draft; Invalid with messages per field."""
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        opening = data.get("opening_debit", ZERO) - data.get("opening_credit", ZERO)
        sent_opening = self.current is None or {"opening_debit", "opening_credit"} & set(self.data)
        return LedgerDraft(
            name=data.get("name"),
            group=data.get("group"),
            opening_balance=opening if sent_opening else None,
            gstin=data.get("gstin"),
            state=data.get("state"),
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
