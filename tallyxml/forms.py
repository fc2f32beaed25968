"""The Tally pages' input read into drafts: files to import (checked for size and for being XML
at all before anything is started) and the export's period and encoding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import TextChoices
from django.template.defaultfilters import filesizeformat

from companies.access import writer_require
from companies.models import Company
from core.dates import year_end
from core.errors import Invalid
from core.forms import LabelField, TallyDateField, form_errors
from tallyxml.reading import encoding_of

CHOOSE_FILES = "Choose one or more Tally XML files (Alt+E exports, Day Books, API answers)."
# Where a file's first tag may begin: Tally writes at most a BOM and an XML declaration, and
# some tools a few blank lines, before it.
HEAD = 1024


@dataclass(frozen=True)
class ImportDraft:
    """An import into `company`: the uploaded files, in the order given, and whether it is a
    dry run (everything done and reported, then rolled back)."""

    company: Company
    actor: AbstractBaseUser
    files: tuple[UploadedFile, ...]
    dry_run: bool


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class TallyFilesField(forms.FileField):
    """One or more uploads, each at most settings.TALLY_IMPORT_MAX_BYTES and starting as XML
    does (after a byte-order mark and blank space, a `<`)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> tuple[UploadedFile, ...]:
        uploads = tuple(data or ())
        if not uploads:
            raise ValidationError(CHOOSE_FILES)
        limit = settings.TALLY_IMPORT_MAX_BYTES
        for upload in uploads:
            if upload.size is not None and upload.size > limit:
                raise ValidationError(
                    f"{upload.name} is {filesizeformat(upload.size)}; a file may be at most "
                    f"{filesizeformat(limit)} (TALLYSYNC_TALLY_IMPORT_MAX_MB)."
                )
        total = sum(upload.size or 0 for upload in uploads)
        if total > limit:
            raise ValidationError(
                f"The files come to {filesizeformat(total)}; one import may be at most "
                f"{filesizeformat(limit)} (TALLYSYNC_TALLY_IMPORT_MAX_MB): import them in turn."
            )
        for upload in uploads:
            if not _looks_like_xml(upload):
                raise ValidationError(
                    f"{upload.name} is not a Tally XML file: it does not begin with a tag."
                )
        return uploads


def _looks_like_xml(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    encoding, skip = encoding_of(head)
    text = head[skip:].decode(encoding, errors="ignore").lstrip()
    return text.startswith("<")


class ImportForm(forms.Form):
    """The files (`files`, as many as chosen) and `dry_run` (a checkbox, or true in JSON)."""

    files = TallyFilesField(required=False)
    dry_run = forms.BooleanField(required=False)


def import_draft(
    *, company: Company, actor: AbstractBaseUser, data: Any, files: Any
) -> ImportDraft:
    """The draft of an import into `company` by `actor`; NotAllowed unless an owner or
    accountant, Invalid with messages per field (`files`, `dry_run`)."""
    writer_require(company=company, actor=actor)
    form = ImportForm(data, files)
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return ImportDraft(
        company=company,
        actor=actor,
        files=form.cleaned_data["files"],
        dry_run=form.cleaned_data["dry_run"],
    )


class Encoding(TextChoices):
    UTF16 = "utf-16", "UTF-16"  # Tally's own files are UTF-16LE with a BOM
    UTF8 = "utf-8", "UTF-8"


class OptionalDateField(TallyDateField):
    """A date as Tally users type it, or nothing (None)."""

    def clean(self, value: Any) -> dt.date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return super().clean(value)


@dataclass(frozen=True)
class ExportDraft:
    """A company's masters and its vouchers dated `date_from`..`date_to`, in `encoding`."""

    company: Company
    date_from: dt.date
    date_to: dt.date
    encoding: str

    @property
    def filename(self) -> str:
        return f"{self.company.name}-{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}.xml"


class ExportForm(forms.Form):
    """`from` and `to` (typed as Tally users type dates; the current financial year when
    left out) and `encoding` (utf-16, the default, or utf-8)."""

    encoding = LabelField(choices=Encoding, message="Choose UTF-16 or UTF-8.", required=False)

    def __init__(self, data: Any, *, company: Company, today: dt.date) -> None:
        super().__init__(data)
        self.company = company
        for name in ("from", "to"):
            field = OptionalDateField(required=False)
            field.for_company(company, today)
            self.fields[name] = field
        self.year_start = company.financial_year_begins(today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "The period ends before it begins.")
        return data

    def draft(self) -> ExportDraft:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        data = self.cleaned_data
        return ExportDraft(
            company=self.company,
            date_from=data.get("from") or max(self.year_start, self.company.books_beginning),
            date_to=data.get("to") or year_end(self.year_start),
            encoding=data.get("encoding") or Encoding.UTF16,
        )


def export_draft(*, company: Company, data: Any, today: dt.date) -> ExportDraft:
    """The draft of an export of `company`'s books; Invalid with messages per field."""
    return ExportForm(data, company=company, today=today).draft()
