"""The Tally pages' input read into drafts: files to import (checked for size and for being XML
at all before anything is started) and the export's period and encoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from companies.access import writer_require
from companies.models import Company
from core.errors import Invalid
from core.forms import form_errors
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
