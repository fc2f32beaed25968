"""The voucher form: one Form for the entry screen's post and for a JSON body, giving a
`VoucherDraft` before the write lock.

A JSON body sends `entries` as a list of {ledger, debit | credit}; the entry screen sends rows
entries-0-ledger, entries-0-side (Dr/Cr), entries-0-amount. Both become `LineForm`s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from companies.models import Company
from core.errors import Invalid
from core.forms import (
    AmountField,
    ByNameField,
    DaysField,
    Errors,
    LabelField,
    Refused,
    TallyDateField,
    TextField,
    form_errors,
    present,
)
from core.validation import parse_id
from ledgers.models import Ledger
from vouchers.bills import MAX_BILLS, BankDetail, BillRef, Instrument, Kind
from vouchers.drafts import MAX_LINES, MAX_NARRATION, Line, VoucherDraft
from vouchers.models import MAX_AFFIX, MAX_REFERENCE, VoucherNumbering
from vouchers.numbering import FY_TOKEN, number_typed_clean
from vouchers.selectors import voucher_type_for_key


class VoucherNoField(forms.Field):
    """The Voucher No. as typed (text, or a whole number from a script); used only by a
    manually numbered type, checked against its series under the lock."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str | None:
        try:
            return number_typed_clean(None if value == "" else value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


PAGE_ROW = re.compile(r"^entries-([0-9]+)-(\w+)$")


class Ledgers:
    """The ledgers a voucher's lines name, by id or by name, fetched in one query."""

    def __init__(self, company: Company, refs: list[Any]) -> None:
        ids = {ledger_id for r in refs if (ledger_id := parse_id(r)) is not None}
        names = {r.strip().lower() for r in refs if isinstance(r, str) and parse_id(r) is None}
        found = (
            Ledger.objects.filter(company=company)
            .annotate(lname=Lower("name"))
            .filter(Q(pk__in=ids) | Q(lname__in=names))
            .select_related("group")
        )
        self.by_id = {ledger.pk: ledger for ledger in found}
        self.by_name = {ledger.name.lower(): ledger for ledger in self.by_id.values()}

    def find(self, ref: Any) -> Ledger | None:
        if (ledger_id := parse_id(ref)) is not None:
            return self.by_id.get(ledger_id)
        if isinstance(ref, str) and ref.strip():
            return self.by_name.get(ref.strip().lower())
        return None


class Side(models.TextChoices):
    DR = "dr", "Dr"
    CR = "cr", "Cr"


def _no_ledger(ref: Any) -> str:
    return "Choose a ledger." if ref in (None, "") else f"No ledger {ref!r} in this company."


class BillForm(forms.Form):
    """One allocation of a line to a bill: type, name (none for On Account), amount, and for a
    New Ref its credit period or due date; `side` (Dr/Cr) when not the line's own."""

    type = LabelField(
        choices=Kind,
        required=True,
        message="A bill's type is New Ref, Agst Ref, Advance or On Account.",
    )
    name = TextField(max_length=100)
    amount = AmountField()
    side = LabelField(choices=Side, message="A bill's side is Dr or Cr.")
    credit_days = DaysField()
    due_date = TallyDateField()

    OPTIONAL = ("side", "credit_days", "due_date")

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        for name in self.OPTIONAL:
            if not present(data, name):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if kind and kind != Kind.ON_ACCOUNT and not data.get("name"):
            self.add_error("name", f"Name the bill of this {Kind(kind).label}.")
        if kind == Kind.ON_ACCOUNT and data.get("name"):
            self.add_error("name", "On Account is not a bill: it takes no name.")
        if kind and kind != Kind.NEW:
            for name in ("credit_days", "due_date"):
                if data.get(name) not in (None, ""):
                    self.add_error(name, "Only a New Ref has a credit period or due date.")
        return data

    def bill(self, line_amount: Any) -> BillRef:
        data = self.cleaned_data
        side = data.get("side") or ("dr" if line_amount > 0 else "cr")
        return BillRef(
            kind=data["type"],
            name=data.get("name") or "",
            amount=data["amount"] if side == "dr" else -data["amount"],
            due_date=data.get("due_date") or None,
            credit_days=data.get("credit_days"),
        )


class LineForm(forms.Form):
    """One line: a ledger and either a debit or a credit amount; on a bill-wise ledger its
    bills, on a bank ledger its instrument (type, number, date, favouring)."""

    ledger = ByNameField(find=lambda ref: None, message=_no_ledger)
    debit = AmountField()
    credit = AmountField()
    instrument_type = LabelField(
        choices=Instrument,
        message="An instrument is Cheque, NEFT, RTGS, IMPS, UPI, Demand Draft, Bank Transfer "
        "or Others.",
    )
    instrument_number = TextField(max_length=30)
    instrument_date = TallyDateField()
    favouring = TextField(max_length=200)

    BANK = ("instrument_type", "instrument_number", "instrument_date", "favouring")

    def __init__(self, data: Mapping[str, Any], *, ledgers: Ledgers) -> None:
        super().__init__(data)
        self.fields["ledger"].find = ledgers.find
        sides = [name for name in ("debit", "credit") if present(data, name)]
        for name in ("debit", "credit"):
            if name not in sides:
                del self.fields[name]
        if len(sides) != 1:
            self.fields.pop("credit", None)
            self.fields["debit"] = Refused("Enter either a debit or a credit amount.")
        for name in self.BANK:
            if not present(data, name):
                del self.fields[name]
        self.raw_bills = data.get("bills")
        self.bill_forms: list[BillForm] = []

    def bills_errors(self) -> Errors:
        """Build a BillForm per bill sent; their messages ("bills.0.name")."""
        raw = self.raw_bills
        if raw in (None, ""):
            return {}
        if isinstance(raw, str):  # the entry screen sends a line's bills as JSON text
            try:
                raw = json.loads(raw)
            except ValueError:
                return {"bills": ["Send a line's bills as a list of {type, name, amount}."]}
        if not isinstance(raw, list) or not all(isinstance(b, dict) for b in raw):
            return {"bills": ["Send a line's bills as a list of {type, name, amount}."]}
        if len(raw) > MAX_BILLS:
            return {"bills": [f"A line is allocated to at most {MAX_BILLS} bills."]}
        errors: Errors = {}
        for j, row in enumerate(raw):
            bill_form = BillForm(row)
            self.bill_forms.append(bill_form)
            errors.update(form_errors(bill_form, prefix=f"bills.{j}."))
        return errors

    def line(self) -> Line:
        data = self.cleaned_data
        amount = data["debit"] if "debit" in data else -data["credit"]
        bills = None
        if self.raw_bills not in (None, ""):
            bills = tuple(bill_form.bill(amount) for bill_form in self.bill_forms)
        bank = None
        if any(name in self.fields for name in self.BANK):
            bank = BankDetail(
                instrument_type=data.get("instrument_type") or "",
                instrument_number=data.get("instrument_number") or "",
                instrument_date=data.get("instrument_date"),
                favouring=data.get("favouring") or "",
            )
        return Line(ledger=data["ledger"], amount=amount, bills=bills, bank=bank)


def page_rows(data: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The entry screen's rows as typed (in order), without the blank ones (a side chosen,
    nothing typed): none left is a voucher without lines. None when the page sent no rows."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        if match := PAGE_ROW.match(key):
            rows.setdefault(int(match[1]), {})[match[2]] = value
    if not rows:
        return None
    return [row for _, row in sorted(rows.items()) if any(row_values_typed(row))]


def row_values_typed(row: dict[str, str]) -> list[bool]:
    return [bool(str(v).strip()) for k, v in row.items() if k != "side"]


def row_as_line(row: dict[str, Any]) -> dict[str, Any]:
    """A page row (side Dr/Cr and amount) as a line of the JSON shape (debit or credit)."""
    side, amount = str(row.get("side", "")).strip().lower(), row.get("amount", "")
    if side in {"dr", "cr"} and str(amount).strip():
        return {**row, "debit" if side == "dr" else "credit": amount}
    return row


class VoucherForm(forms.Form):
    """Type, date, narration, reference (the bill number) and lines. With `partial` (an
    alteration) what is not sent stays as the voucher has it."""

    type = ByNameField(
        find=lambda ref: None, message="Choose a voucher type, such as Sales or Receipt."
    )
    date = TallyDateField()
    narration = TextField(max_length=MAX_NARRATION, multiline=True)
    reference = TextField(max_length=MAX_REFERENCE)
    number = VoucherNoField()
    # Altering the amount of a line the bank has cleared: the user said yes when asked.
    confirm_reconciled = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, company: Company, partial: bool = False) -> None:
        if not isinstance(data, dict):
            raise Invalid.field(
                "__all__", "Send the voucher as an object with type, date and entries."
            )
        super().__init__(data)
        self.company = company
        self.fields["type"].find = lambda ref: voucher_type_for_key(company=company, key=ref)
        self.fields["date"].for_company(company, timezone.localdate())
        self.typed_rows = page_rows(data)
        if self.typed_rows is not None:
            self.raw_lines: Any = [row_as_line(row) for row in self.typed_rows]
        else:
            self.raw_lines = data.get("entries")
        self.lines_sent = not partial or self.raw_lines is not None or "entries" in data
        if partial:
            for name in ("type", "date", "narration", "reference"):
                if name not in data:
                    del self.fields[name]
        self.line_forms: list[LineForm | None] = []

    def _lines_errors(self) -> Errors:
        """Build a LineForm per line; the messages of the list and of each line."""
        raw = self.raw_lines
        if not isinstance(raw, list) or len(raw) < 2:
            return {"entries": ["A voucher needs at least two lines."]}
        if len(raw) > MAX_LINES:
            return {"entries": [f"A voucher has at most {MAX_LINES} lines."]}
        ledgers = Ledgers(self.company, [r.get("ledger") for r in raw if isinstance(r, dict)])
        errors: Errors = {}
        for i, row in enumerate(raw):
            if not isinstance(row, dict):
                errors[f"entries.{i}"] = ["Each line needs a ledger and a debit or credit."]
                self.line_forms.append(None)
                continue
            line_form = LineForm(row, ledgers=ledgers)
            self.line_forms.append(line_form)
            errors.update(form_errors(line_form, prefix=f"entries.{i}."))
            for name, messages in line_form.bills_errors().items():
                errors[f"entries.{i}.{name}"] = messages
        return errors

    def draft(self) -> VoucherDraft:
        """The draft as typed; Invalid with messages per field ("entries.1.debit")."""
        errors = form_errors(self)
        if self.lines_sent:
            errors.update(self._lines_errors())
        if errors:
            raise Invalid(errors)
        data = self.cleaned_data
        return VoucherDraft(
            voucher_type=data.get("type"),
            date=data.get("date"),
            narration=data.get("narration"),
            reference=data.get("reference"),
            lines=[f.line() for f in self.line_forms if f] if self.lines_sent else None,
            unreconcile=bool(data.get("confirm_reconciled")),
            number=data.get("number"),
        )


def voucher_draft(*, company: Company, data: Any, partial: bool = False) -> VoucherDraft:
    """The draft of a voucher from API or form input, with messages per field (Invalid)."""
    return VoucherForm(data, company=company, partial=partial).draft()


# What a prefix or suffix may hold once its {fy} is the year: a GST invoice number's characters.
_AFFIX = re.compile(r"^[A-Za-z0-9/-]*$")
MAX_WIDTH = 9


class AffixField(TextField):
    """A Voucher No.'s prefix or suffix: letters, digits, / and -, and {fy} for the year."""

    def __init__(self) -> None:
        super().__init__(max_length=MAX_AFFIX)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not _AFFIX.match(text.replace(FY_TOKEN, "26-27")):
            raise forms.ValidationError(
                "Use letters, digits, / and - (and {fy} for the year, 26-27): "
                "an invoice number holds no other characters."
            )
        return text


class NumberingForm(forms.Form):
    """A voucher type's numbering: method (automatic or manual), prefix, suffix and width of
    the number (0: as it is; 4: 0001). What is not sent stays as it is."""

    method = LabelField(
        choices=VoucherNumbering.Method, message="Numbering is automatic or manual."
    )
    prefix = AffixField()
    suffix = AffixField()
    width = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WIDTH,
        error_messages={
            "invalid": "Enter the width as a whole number (4 gives 0001).",
            "min_value": "The width is 0 or more.",
            "max_value": f"The width is at most {MAX_WIDTH}.",
        },
    )

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise Invalid.field("__all__", "Send the numbering as an object with its method.")
        super().__init__(data)
        for name in ("method", "prefix", "suffix", "width"):
            if name not in data:
                del self.fields[name]

    def draft(self) -> dict[str, Any]:
        """The fields sent, checked; Invalid with messages per field."""
        if not self.is_valid():
            raise Invalid(form_errors(self))
        return {name: self.cleaned_data[name] for name in self.fields}


def numbering_draft(*, data: Any) -> dict[str, Any]:
    """A voucher type's numbering as sent (method, prefix, suffix, width), checked."""
    return NumberingForm(data).draft()
