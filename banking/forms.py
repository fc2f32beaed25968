"""Input for reconciliation, parsed once at the edge into typed drafts: bank dates to set,
statement matches to accept, and a bank's statement format. A JSON body and a page's form post
read alike; the services never parse text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from banking.models import StatementFormat
from companies.models import Company
from core.errors import Invalid
from core.forms import form_errors
from core.validation import parse_date, parse_id

NO_DATES = "Type (or clear) at least one bank date to save."
AN_ID = "Name each entry by its id (a whole number)."
A_VERSION = "Send the version you read: a whole number."


@dataclass(frozen=True)
class BankDatesDraft:
    """Bank dates per entry id (None: clear it), and the versions read of their vouchers."""

    dates: dict[int, dt.date | None]
    versions: dict[int, int]


def _ids(mapping: Any, field: str, message: str) -> dict[int, Any]:
    if not isinstance(mapping, dict):
        raise Invalid.field(field, message)
    parsed = {parse_id(key): value for key, value in mapping.items()}
    if None in parsed:
        raise Invalid.field(field, message)
    return parsed  # type: ignore[return-value]


def _versions(raw: dict[int, Any]) -> dict[int, int]:
    versions: dict[int, int] = {}
    for voucher_id, value in raw.items():
        version = parse_id(value)
        if version is None:
            raise Invalid.field(f"versions.{voucher_id}", A_VERSION)
        versions[voucher_id] = version
    return versions


def _day(value: Any, *, field: str, year_start: dt.date) -> dt.date | None:
    """A bank date, or None for an empty value (the date is cleared)."""
    if value in (None, "") or (isinstance(value, str) and value.isspace()):
        return None
    try:
        return parse_date(value, year_start=year_start)
    except ValueError as exc:
        raise Invalid.field(field, f"Bank date: {exc}") from None


def _form_pairs(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A page's fields `prefix-<id>` as {id text: value}."""
    return {key[len(prefix) + 1 :]: value for key, value in data.items() if key.startswith(prefix)}


def bank_dates_draft(*, company: Company, data: dict[str, Any], today: dt.date) -> BankDatesDraft:
    """Bank dates from a JSON body ({"dates": {"17": "2026-11-28" | null}, "versions": {"5": 2}})
    or a page's form (`bank_date-17` beside `was-17`, the date it showed: only the rows whose
    date was changed count; `version-5`). Invalid naming the field and the rule."""
    year_start = company.financial_year_begins(today)
    if "dates" in data or "versions" in data:
        raw_dates = _ids(data.get("dates"), "dates", AN_ID)
        raw_versions = _ids(data.get("versions", {}), "versions", AN_ID)
    else:
        shown = _form_pairs(data, "was")
        raw_dates = _ids(
            {k: v for k, v in _form_pairs(data, "bank_date").items() if shown.get(k) != v},
            "dates",
            AN_ID,
        )
        raw_versions = _ids(_form_pairs(data, "version"), "versions", AN_ID)
    dates = {
        entry_id: _day(value, field=f"dates.{entry_id}", year_start=year_start)
        for entry_id, value in raw_dates.items()
    }
    return BankDatesDraft(dates=dates, versions=_versions(raw_versions))


@dataclass(frozen=True)
class MatchesDraft:
    """Statement lines accepted as clearing book entries: line id → entry id, and the versions
    read of the entries' vouchers."""

    matches: dict[int, int]
    versions: dict[int, int]


def matches_draft(*, data: dict[str, Any]) -> MatchesDraft:
    """Accepted matches from a JSON body ({"matches": {"<line id>": <entry id>}, "versions":
    {...}}) or the proposals page (a ticked `accept-<line id>` carries the entry's id;
    `version-<voucher id>`). Invalid naming the field and the rule."""
    if "matches" in data:
        raw, raw_versions = data["matches"], data.get("versions", {})
    else:
        raw, raw_versions = _form_pairs(data, "accept"), _form_pairs(data, "version")
    matches = {}
    for line_id, entry in _ids(raw, "matches", "Name each statement line by its id.").items():
        entry_id = parse_id(entry)
        if entry_id is None:
            raise Invalid.field(f"matches.{line_id}", AN_ID)
        matches[line_id] = entry_id
    if not matches:
        raise Invalid.field("matches", "Tick at least one proposed match to accept.")
    return MatchesDraft(matches=matches, versions=_versions(_ids(raw_versions, "versions", AN_ID)))


@dataclass(frozen=True)
class FormatDraft:
    """A statement format's settings, as the model's fields."""

    fields: dict[str, Any]


COLUMNS = (
    *("date_column", "narration_column", "reference_column"),
    *("withdrawal_column", "deposit_column", "amount_column", "drcr_column"),
)


class StatementFormatForm(forms.Form):
    """Column numbers count from 1 (A = 1); 0 or empty: the statement has no such column."""

    skip_rows = forms.IntegerField(min_value=0, max_value=50, required=False)
    date_format = forms.ChoiceField(choices=StatementFormat.DateFormat.choices)
    date_column = forms.IntegerField(min_value=1, max_value=50)
    narration_column = forms.IntegerField(min_value=0, max_value=50, required=False)
    reference_column = forms.IntegerField(min_value=0, max_value=50, required=False)
    withdrawal_column = forms.IntegerField(min_value=0, max_value=50, required=False)
    deposit_column = forms.IntegerField(min_value=0, max_value=50, required=False)
    amount_column = forms.IntegerField(min_value=0, max_value=50, required=False)
    drcr_column = forms.IntegerField(min_value=0, max_value=50, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in (*COLUMNS, "skip_rows"):
            if data.get(name) is None and name in self.fields:
                data[name] = 0
        two = bool(data.get("withdrawal_column")) and bool(data.get("deposit_column"))
        one = bool(data.get("amount_column")) and bool(data.get("drcr_column"))
        if two == one:
            raise ValidationError(
                "Give the withdrawal and deposit columns, or one amount column with its Dr/Cr "
                "column — one of the two."
            )
        return data


def format_draft(*, data: dict[str, Any]) -> FormatDraft:
    """A statement format from a JSON body or the page's form; Invalid per field."""
    form = StatementFormatForm({k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return FormatDraft(fields={name: form.cleaned_data[name] for name in form.fields})
