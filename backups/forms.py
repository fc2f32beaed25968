"""The backup and restore forms: one Form each, read from the Backups page's posts, a JSON body
and the `backup` / `restore` commands' options alike, giving a typed draft before any job,
lock or write starts (a refusal names the field and the rule, and nothing is written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from backups.archive import recipients_parse
from backups.restore import MODES
from companies.access import OWNERS, company_creation_require, membership_require
from companies.models import Company
from core.errors import Invalid
from core.forms import ByNameField, TextField, form_errors

SECRET_LENGTH = 1000  # a passphrase or a key file's text; age itself sets no limit
CHOOSE_ARCHIVE = "Choose one of this company's backups, or upload one."
CHOOSE_MODE = f"Choose one of {', '.join(MODES)}."


@dataclass(frozen=True)
class BackupDraft:
    """A backup as asked for: the company, and the passphrase or the age public keys that
    encrypt it (neither: a plain archive)."""

    company: Company
    passphrase: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class RestoreDraft:
    """A restore as asked for. The archive is a file (`archive`: a listed backup, or a file
    named on the command line) or an upload (`upload`), never both."""

    archive: Path | None
    upload: UploadedFile | None
    mode: str  # one of MODES
    new_name: str | None  # the copy's (mode copy)
    company: Company | None  # the company replaced (mode replace)
    passphrase: str | None
    identities: tuple[str, ...]  # age secret keys
    confirm: str  # the replaced company's name, typed


class PassphraseField(forms.Field):
    """A passphrase as typed, spaces and all (it is not stripped); empty is none."""

    def clean(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise ValidationError("Enter the passphrase as text.")
        if len(value) > SECRET_LENGTH:
            raise ValidationError(f"At most {SECRET_LENGTH} characters (this has {len(value)}).")
        if "\n" in value or "\r" in value or "\x00" in value:
            raise ValidationError("A passphrase is one line.")
        return value


class RecipientsField(forms.Field):
    """age public keys (age1…): a list, or text with one or more separated by spaces."""

    def clean(self, value: Any) -> tuple[str, ...]:
        if value in (None, "", []):
            return ()
        keys = value.split() if isinstance(value, str) else value
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValidationError("Give the age public keys (age1…) as text.")
        try:
            recipients_parse(keys)
        except Invalid as exc:
            raise ValidationError(exc.errors["recipient"]) from None
        return tuple(k.strip() for k in keys)


class IdentityField(forms.Field):
    """age secret keys (AGE-SECRET-KEY-…): one typed, or an identity file's text, whose other
    lines (comments) are passed over."""

    def clean(self, value: Any) -> tuple[str, ...]:
        if value in (None, ""):
            return ()
        if not isinstance(value, str) or len(value) > 100 * SECRET_LENGTH:
            raise ValidationError("Enter the age secret key (AGE-SECRET-KEY-…) as text.")
        keys = [line.strip() for line in value.splitlines() if line.strip()]
        keys = [key for key in keys if key.upper().startswith("AGE-SECRET-KEY-")]
        if not keys:
            raise ValidationError("An age secret key begins AGE-SECRET-KEY-.")
        for key in keys:
            try:
                pyrage.x25519.Identity.from_str(key)
            except pyrage.IdentityError:
                raise ValidationError("That is not an age secret key (AGE-SECRET-KEY-…).") from None
        return tuple(keys)


def _body(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid.field("__all__", f"Send {what} as an object.")
    return data


class BackupForm(forms.Form):
    """An optional passphrase, or age public keys (`recipients`), not both."""

    passphrase = PassphraseField(required=False)
    recipients = RecipientsField(required=False)

    def __init__(self, data: Any, *, company: Company, **kwargs: Any) -> None:
        super().__init__(_body(data, "the backup"), **kwargs)
        self.company = company

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("recipients"):
            self.add_error("passphrase", "Give a passphrase or a recipient key, not both.")
        return data

    def draft(self) -> BackupDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        return BackupDraft(
            company=self.company, passphrase=data["passphrase"], recipients=data["recipients"]
        )


def backup_draft(*, company: Company, actor: AbstractBaseUser | None, data: Any) -> BackupDraft:
    """The draft of a backup of `company`; NotAllowed unless `actor` owns it (None: the
    server's own command line), Invalid with messages per field."""
    if actor is not None:
        membership_require(company=company, actor=actor, roles=OWNERS)
    return BackupForm(data, company=company).draft()


class RestoreForm(forms.Form):
    """The archive (`archive`, looked up by `find`, or an upload), the mode, the copy's `name`
    (mode copy), the replaced company's name typed as `confirm` (mode replace), and a
    `passphrase` or an age secret key (`identity`) for an encrypted archive."""

    archive = ByNameField(find=lambda ref: None, message=CHOOSE_ARCHIVE)
    mode = TextField(max_length=20, required=True)
    name = TextField(max_length=200)
    confirm = TextField(max_length=200)
    passphrase = PassphraseField(required=False)
    identity = IdentityField(required=False)

    def __init__(
        self,
        data: Any,
        *,
        company: Company | None,
        find: Callable[[Any], Path | None],
        message: str | Callable[[Any], str] = CHOOSE_ARCHIVE,
        upload: UploadedFile | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(_body(data, "the restore"), **kwargs)
        self.company, self.upload = company, upload
        if upload is not None:
            del self.fields["archive"]
        else:
            self.fields["archive"].find, self.fields["archive"].message = find, message

    def clean_mode(self) -> str:
        mode: str = self.cleaned_data["mode"]
        if mode not in MODES:
            raise ValidationError(CHOOSE_MODE)
        return mode

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        if mode == "copy" and not data.get("name"):
            self.add_error("name", "Give the copy a new name (at most 200 characters).")
        if mode == "replace":
            if self.company is None:
                self.add_error(None, "Name the company to replace.")
            elif data.get("confirm") != self.company.name:
                self.add_error(
                    "confirm",
                    f"Type the company's name, {self.company.name}, to replace it with the backup.",
                )
        if data.get("passphrase") and data.get("identity"):
            self.add_error("passphrase", "Give a passphrase or an age secret key, not both.")
        return data

    def draft(self) -> RestoreDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        mode = data["mode"]
        return RestoreDraft(
            archive=data.get("archive"),
            upload=self.upload,
            mode=mode,
            new_name=data["name"] if mode == "copy" else None,
            company=self.company if mode == "replace" else None,
            passphrase=data["passphrase"],
            identities=data["identity"],
            confirm=data["confirm"],
        )


def restore_draft(
    *,
    actor: AbstractBaseUser,
    company: Company | None,
    data: Any,
    find: Callable[[Any], Path | None],
    message: str | Callable[[Any], str] = CHOOSE_ARCHIVE,
    upload: UploadedFile | None = None,
) -> RestoreDraft:
    """The draft of a restore by `actor` (`company`: the one a replace would replace);
    NotAllowed unless they own it (replace) or may create companies (new, copy); Invalid
    with messages per field."""
    mode = data.get("mode") if isinstance(data, dict) else None
    mode = mode.strip() if isinstance(mode, str) else None
    if mode == "replace" and company is not None:
        membership_require(company=company, actor=actor, roles=OWNERS)
    elif mode in MODES:
        company_creation_require(actor=actor)
    form = RestoreForm(data, company=company, find=find, message=message, upload=upload)
    return form.draft()
