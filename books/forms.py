"""The office's forms: Company Creation/Alteration, first-run set-up, a new user, a password
reset and a member — each a Form for a page's post and a JSON body alike, giving a typed draft
before the write lock (STYLE.md: a form, then a draft)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from companies.models import GstRegistration, Membership
from core.errors import Invalid
from core.forms import GstinField, LabelField, TallyDateField, TextField, form_errors

_PIN = re.compile(r"^[1-9][0-9]{5}$")
_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
FY_FIRST_DAY = "A financial year begins on the 1st of a month, like 01-04-2026."
BOOKS_BEFORE_YEAR = "Books cannot begin before the financial year does."


class PinField(forms.Field):
    """Empty, or an Indian PIN code: six digits, the first not 0."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str:
        text = str(value).strip().replace(" ", "") if value is not None else ""
        if text and not _PIN.match(text):
            raise ValidationError("A PIN code has six digits, like 400001.")
        return text


class PanField(forms.Field):
    """Empty, or a PAN: five letters, four digits, a letter (AAAPL1234C)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str:
        text = str(value).strip().upper() if value is not None else ""
        if text and not _PAN.match(text):
            raise ValidationError("A PAN has 10 characters: five letters, four digits, a letter.")
        return text


class OptionalDateField(TallyDateField):
    """A Tally date, or nothing (None) when left empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> dt.date | None:  # type: ignore[override]
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return super().clean(value)


@dataclass(frozen=True)
class CompanyDraft:
    """A company's particulars as typed (Tally's Company Creation / Alteration)."""

    name: str
    mailing_name: str
    address: str
    state: str
    pin: str
    pan: str
    gstin: str
    financial_year_start: dt.date
    books_beginning: dt.date

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _body(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid.field("__all__", f"Send {what} as an object.")
    return data


def _typed_twice(data: dict[str, Any]) -> dict[str, Any]:
    """A script sends a password once; a page asks for it twice."""
    return data if "password_again" in data else {**data, "password_again": data.get("password")}


class CompanyForm(forms.Form):
    """Name, mailing name, address, state, PIN, PAN, GSTIN, financial year beginning and books
    beginning. The year begins on the 1st of a month; the books not before it; a GSTIN and a
    PAN given together agree (a GSTIN holds its PAN in characters 3 to 12)."""

    name = TextField(max_length=200, required=True)
    mailing_name = TextField(max_length=200)
    # A TextField has no length of its own: 1000 characters is a long postal address and
    # still fits the invoice header and the dashboard. The state's is its column's.
    address = TextField(max_length=1000, multiline=True)
    state = TextField(max_length=100)
    pin = PinField()
    pan = PanField()
    gstin = GstinField()
    financial_year_start = TallyDateField(required=True)
    books_beginning = OptionalDateField()

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(_body(data, "the company"), **kwargs)

    def clean_address(self) -> str:
        return self.cleaned_data["address"].replace("\r\n", "\n")  # a browser sends CRLF

    def clean_financial_year_start(self) -> dt.date:
        day: dt.date = self.cleaned_data["financial_year_start"]
        if day.day != 1:
            raise ValidationError(FY_FIRST_DAY)
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, books = data.get("financial_year_start"), data.get("books_beginning")
        if year and books and books < year:
            self.add_error("books_beginning", BOOKS_BEFORE_YEAR)
        pan, gstin = data.get("pan"), data.get("gstin")
        if pan and gstin and gstin[2:12] != pan:
            self.add_error("pan", f"The GSTIN {gstin} holds the PAN {gstin[2:12]}, not {pan}.")
        return data

    def draft(self) -> CompanyDraft:
        """The checked draft (books begin with the year when left empty); Invalid otherwise."""
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        return CompanyDraft(
            **{name: data[name] for name in self.fields if name != "books_beginning"},
            books_beginning=data.get("books_beginning") or data["financial_year_start"],
        )


def company_draft(*, data: Any) -> CompanyDraft:
    return CompanyForm(data).draft()


@dataclass(frozen=True)
class GstRegistrationDraft:
    """A company's GST registration as typed; in an alteration None keeps what it has."""

    gstin: str | None = None
    registration_type: str | None = None
    valid_from: dt.date | None = None

    def given(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


class GstRegistrationForm(forms.Form):
    """GSTIN (required; its state is its first two digits), registration type (regular or
    composition; regular unless said) and the day it applies from. Altering, only what is
    sent."""

    gstin = GstinField(required=True)
    registration_type = LabelField(
        choices=GstRegistration.Kind, message="A registration is Regular or Composition."
    )
    valid_from = TallyDateField(required=True)

    def __init__(self, data: Any, *, partial: bool = False) -> None:
        super().__init__(_body(data, "the registration"))
        if "registration_type" not in self.data:
            self.fields["registration_type"].required = False
        if partial:
            for name in ("gstin", "registration_type", "valid_from"):
                if name not in self.data:
                    del self.fields[name]

    def draft(self) -> GstRegistrationDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        return GstRegistrationDraft(
            gstin=data.get("gstin"),
            registration_type=data.get("registration_type") or None,
            valid_from=data.get("valid_from"),
        )


def gst_registration_draft(*, data: Any, partial: bool = False) -> GstRegistrationDraft:
    """A GST registration from a page post or a JSON body, checked (Invalid per field)."""
    return GstRegistrationForm(data, partial=partial).draft()


class UsernameField(TextField):
    """A new user's name: the admin's rule (letters, digits and @.+-_), at most 150."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=150, required=True, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        UnicodeUsernameValidator()(text)
        return text


class PasswordField(forms.Field):
    """A password as typed (checked against Django's validators by the service, which knows
    the user it is for)."""

    def clean(self, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValidationError("Enter a password.")
        if value != value.strip():
            raise ValidationError("A password cannot begin or end with a space.")
        return value


@dataclass(frozen=True)
class UserDraft:
    """A new user: name, password (not yet checked against the validators), and, for an owner
    making them, the company they join and the role they take there."""

    username: str
    password: str
    company_id: int | None
    role: str


class UserForm(forms.Form):
    username = UsernameField()
    password = PasswordField()
    password_again = PasswordField()
    company = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    role = forms.ChoiceField(choices=Membership.Role.choices, required=False)

    def __init__(self, data: Any, *, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(_typed_twice(_body(data, "the user")), **kwargs)
        self.fields["company"].choices = [("", "—"), *companies]
        self.fields["company"].error_messages["invalid_choice"] = (
            "Choose a company you own, or none."
        )
        self.fields["role"].error_messages["invalid_choice"] = (
            f"Choose one of: {', '.join(Membership.Role.values)}."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", "The two passwords differ.")
        if data.get("password") and data.get("username"):
            try:  # the server's validators, told the name (it may not be in the password)
                validate_password(data["password"], get_user_model()(username=data["username"]))
            except ValidationError as exc:
                self.add_error("password", exc)
        if data.get("company") and not data.get("role"):
            self.add_error("role", "Choose the role the user has in the company.")
        return data

    def draft(self) -> UserDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        return UserDraft(
            username=data["username"],
            password=data["password"],
            company_id=data.get("company"),
            role=data.get("role") or "",
        )


class PasswordResetForm(forms.Form):
    password = PasswordField()
    password_again = PasswordField()

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(_typed_twice(_body(data, "the new password")), **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", "The two passwords differ.")
        return data

    def new_password(self) -> str:
        """The password typed twice alike; Invalid otherwise."""
        if not self.is_valid():
            raise Invalid(form_errors(self))
        return self.cleaned_data["password"]
