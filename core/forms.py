"""Form fields that read input the way TallySync does everywhere — from a browser's form post and
from a JSON body alike — with the messages users already know (`core.money`, `core.validation`).

Each field's `clean` is the whole rule: Django's own required/empty handling is not used, so a
JSON number, a string with Indian digit grouping, or an empty value all get our message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.money import parse_amount
from core.validation import clean_gstin, clean_text, parse_date, parse_id

Errors = dict[str, list[str]]


def _checked(rule: Callable[[Errors], Any]) -> Any:
    """Run a rule that collects messages under "value"; raise them as a ValidationError."""
    errors: Errors = {}
    value = rule(errors)
    if errors:
        raise ValidationError(errors["value"])
    return value


class TextField(forms.Field):
    """Stripped text without control characters (newlines only if `multiline`)."""

    def __init__(
        self, *, max_length: int, required: bool = False, multiline: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(required=required, **kwargs)
        self.max_length, self.multiline = max_length, multiline

    def clean(self, value: Any) -> str:
        return _checked(
            lambda errors: clean_text(
                value,
                field="value",
                max_length=self.max_length,
                errors=errors,
                required=self.required,
                multiline=self.multiline,
            )
        )


class GstinField(forms.Field):
    """Empty (unless required), or a GSTIN: its length, state code, shape and check character
    (`core.validation.gstin_problem`)."""

    def __init__(self, *, required: bool = False, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.needed = required

    def clean(self, value: Any) -> str:
        gstin = _checked(lambda errors: clean_gstin(value, errors=errors, field="value"))
        if self.needed and not gstin:
            raise ValidationError("Enter the GSTIN, like 27AAPFU0939F1ZV.")
        return gstin


class AmountField(forms.Field):
    """Rupees and paise: 100000, "1,00,000.00" (positive; zero only with `allow_zero`)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_zero = allow_zero

    def clean(self, value: Any) -> Decimal:
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class TallyDateField(forms.Field):
    """A date as Tally users type it (`core.dates.parse_tally_date`: 15, 15-11, 15-11-26,
    26-Nov-2026, 15112026, 2026-11-26 …), a short form filled in from the financial year
    beginning `year_start` (the company's current one; 1 April's when None), not before
    `not_before` (the day the books begin)."""

    def __init__(
        self,
        *,
        not_before: dt.date | None = None,
        year_start: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.not_before, self.year_start = not_before, year_start

    def for_company(self, company: Any, today: dt.date) -> None:
        """Read dates for `company`: its books' first day, short forms in its current year."""
        self.not_before = company.books_beginning
        self.year_start = company.financial_year_begins(today)

    def clean(self, value: Any) -> dt.date:
        try:
            day = parse_date(value, year_start=self.year_start)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.not_before and day < self.not_before:
            raise ValidationError(f"The books begin on {self.not_before:%d-%b-%Y}.")
        return day


class ByNameField(forms.Field):
    """A record named by id or by name (case-insensitive), looked up by `find`; `message` when
    there is none. `LedgerChoiceField`-like fields are this with the company's lookup."""

    def __init__(
        self, *, find: Callable[[Any], Any], message: str | Callable[[Any], str], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.find, self.message = find, message

    def clean(self, value: Any) -> Any:
        found = self.find(value)
        if found is None:
            message = self.message(value) if callable(self.message) else self.message
            raise ValidationError(message)
        return found


class LabelField(forms.Field):
    """One of `choices` by its value or its label, case-insensitive ("Agst Ref", "agst")."""

    def __init__(self, *, choices: Any, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.by_word = {str(v).lower(): v for v, _ in choices.choices}
        self.by_word.update({str(label).lower(): v for v, label in choices.choices})
        self.message = message

    def clean(self, value: Any) -> Any:
        if value in (None, "") and not self.required:
            return ""
        found = self.by_word.get(str(value).strip().lower()) if isinstance(value, str) else None
        if found is None:
            raise ValidationError(self.message)
        return found


class DaysField(forms.Field):
    """A credit period: whole days, 0 to 3,650."""

    def clean(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        days = parse_id(value)
        if days is None or days > 3650:
            raise ValidationError("A credit period is whole days, from 0 to 3,650.")
        return days


class Refused(forms.Field):
    """A value refused whatever it is (e.g. both sides of a balance sent)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def clean(self, value: Any) -> Any:
        raise ValidationError(self.message)


def form_errors(form: forms.Form, *, prefix: str = "") -> Errors:
    """A form's messages per field, as the API answers them ("__all__" for the whole form)."""
    return {f"{prefix}{name}": list(messages) for name, messages in form.errors.items()}


def present(data: Mapping[str, Any], name: str) -> bool:
    """`name` was sent with a value (not absent, None or empty)."""
    return data.get(name) not in (None, "")
