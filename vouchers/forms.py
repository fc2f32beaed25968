"""The voucher form: one Form for the entry screen's post and for a JSON body, giving a
`VoucherDraft` before the write lock.

A JSON body sends `entries` as a list of {ledger, debit | credit}; the entry screen sends rows
entries-0-ledger, entries-0-side (Dr/Cr), entries-0-amount. Both become `LineForm`s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from companies.models import Company
from core.errors import Invalid
from core.forms import (
    AmountField,
    ByNameField,
    Errors,
    Refused,
    TallyDateField,
    TextField,
    form_errors,
    present,
)
from core.validation import parse_id
from ledgers.models import Ledger
from vouchers.drafts import MAX_LINES, MAX_NARRATION, Line, VoucherDraft
from vouchers.models import MAX_REFERENCE
from vouchers.selectors import voucher_type_for_key

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


def _no_ledger(ref: Any) -> str:
    return "Choose a ledger." if ref in (None, "") else f"No ledger {ref!r} in this company."


class LineForm(forms.Form):
    """One line: a ledger and either a debit or a credit amount."""

    ledger = ByNameField(find=lambda ref: None, message=_no_ledger)
    debit = AmountField()
    credit = AmountField()

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

    def line(self) -> Line:
        data = self.cleaned_data
        amount = data["debit"] if "debit" in data else -data["credit"]
        return Line(ledger=data["ledger"], amount=amount)


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
        )


def voucher_draft(*, company: Company, data: Any, partial: bool = False) -> VoucherDraft:
    """The draft of a voucher from API or form input, with messages per field (Invalid)."""
    return VoucherForm(data, company=company, partial=partial).draft()
