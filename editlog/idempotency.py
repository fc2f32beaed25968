"""Idempotency-Key: a script that retries a save whose answer it never got (a dropped
connection, a server killed mid-request) gets the first save's answer, not a second voucher.

The key is stored on the save's Change, inside the save's own transaction, so "saved" and "key
remembered" commit together or not at all. `save_answered` is the one place a view's save is
answered in the format asked for: JSON through `saved_once`, or a page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from companies.models import Company
from core.errors import DomainError, Invalid, Locked, StaleVersion
from core.forms import Errors
from core.http import DATABASE_ERRORS, form_refusal, wants_json
from core.records import kind_get
from editlog.models import Change

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class KeyReused(DomainError):
    """The key was used before for a different request (HTTP 422)."""

    status = 422


@dataclass(frozen=True)
class RequestKey:
    """The client's key and a fingerprint of what it asked (method, path, body)."""

    key: str
    fingerprint: str


def request_key_of(request: HttpRequest) -> RequestKey | None:
    """The request's Idempotency-Key, checked; None when it sent none."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= 100 and key.isascii() and key.isprintable()):
        raise Invalid.field(HEADER, "Send an Idempotency-Key of 1 to 100 printable characters.")
    head = f"{request.method} {request.get_full_path()}\n".encode()
    return RequestKey(key=key, fingerprint=hashlib.sha256(head + _body_of(request)).hexdigest())


def _body_of(request: HttpRequest) -> bytes:
    """The request's body; for a multipart form (whose stream Django has read), its fields."""
    try:
        return request.body
    except RawPostDataException:
        return urlencode(sorted(request.POST.lists()), doseq=True).encode()


def change_for_key(
    *, company: Company, actor: AbstractBaseUser, request_key: RequestKey | None
) -> Change | None:
    """The Change an earlier request with this key saved, if any; KeyReused if that request
    was a different one."""
    if request_key is None:
        return None
    keyed = Change.objects.exclude(request_key="")  # so SQLite uses the partial unique index
    change = keyed.filter(company=company, actor=actor, request_key=request_key.key).first()
    if change is not None and change.request_fingerprint != request_key.fingerprint:
        raise KeyReused(
            f"This {HEADER} was used for a different request (saved as Edit Log #{change.seq}); "
            "send a new key for a new save."
        )
    return change


def saved_once(
    request: HttpRequest,
    *,
    company: Company,
    save: Callable[..., Any],
    answer: Callable[[Change], HttpResponse],
) -> HttpResponse:
    """Run `save(request_key=…)` (a service that records a Change under the request's key)
    unless a request with the same key was saved before: then answer from that save's Change."""
    request_key = request_key_of(request)
    earlier = change_for_key(company=company, actor=request.user, request_key=request_key)
    if earlier is None:
        try:
            return answer(save(request_key=request_key).change)
        except (IntegrityError, DomainError):
            # A retry racing the first save past the lookup: refused by the key's constraint,
            # or by a rule the first save changed (the version moved on, the name is taken).
            earlier = change_for_key(company=company, actor=request.user, request_key=request_key)
            if earlier is None:
                raise
    response = answer(earlier)
    response[REPLAYED] = "true"
    return response


# What a form page answers with the typing kept on screen, rather than a page of its own.
FORM_REFUSALS = (Invalid, Locked, StaleVersion, *DATABASE_ERRORS)


def save_answered(
    request: HttpRequest,
    *,
    company: Company,
    save: Callable[..., Any],
    answer: Callable[[Change], HttpResponse],
    saved_page: Callable[[Any], HttpResponse],
    refused_page: Callable[[Errors, int, Exception], HttpResponse],
) -> HttpResponse:
    """One save, answered in the format asked for. A script gets JSON: `answer` from the save's
    Change (replayed for a repeated Idempotency-Key). A browser gets `saved_page` of what was
    saved (a redirect; HX-Redirect for htmx and the voucher outbox), or, when the save is
    refused, `refused_page` with the messages per field and the status: the form again, with
    what was typed. A page that sends an Idempotency-Key (the voucher form's outbox) is saved
    once too: its retry is answered with where the first save went."""
    if wants_json(request):
        return saved_once(request, company=company, save=save, answer=answer)
    request_key = request_key_of(request)
    earlier = change_for_key(company=company, actor=request.user, request_key=request_key)
    if earlier is None:
        try:
            return _page(request, saved_page(save(request_key=request_key)))
        except (IntegrityError, *FORM_REFUSALS) as exc:
            # A page's outbox retrying a save whose answer it never got (the browser's
            # Idempotency-Key): the first save's record, not a second voucher nor a refusal.
            earlier = change_for_key(company=company, actor=request.user, request_key=request_key)
            if earlier is None and isinstance(exc, IntegrityError):
                raise
            if earlier is None:
                errors, status = form_refusal(exc)
                return refused_page(errors, status, exc)
    response = _page(request, _replayed_page(request, earlier))
    response[REPLAYED] = "true"
    return response


def _page(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A redirect after a save, as a script posting for a page (htmx, the voucher outbox)
    follows it: HX-Redirect, so the browser goes there itself and the page's messages are
    shown there, not spent on a fetch that follows the redirect."""
    if getattr(request, "htmx", False) and isinstance(response, HttpResponseRedirectBase):
        return HttpResponseClientRedirect(response["Location"])
    return response


def _replayed_page(request: HttpRequest, change: Change) -> HttpResponse:
    """A page's retry of a save that went in: say so, and go to the record, or, if it has been
    deleted since, to its entry in the Edit Log."""
    kind = kind_get(change.object_type)
    when = timezone.localtime(change.at)
    messages.success(
        request,
        f"{change.object_repr} was saved at {when:%H:%M:%S} on {when:%d-%b-%Y} "
        f"(Edit Log #{change.seq}); it is saved once.",
    )
    exists = kind is not None and kind.model._default_manager.filter(pk=change.object_id).exists()
    if kind is not None and kind.url_name and exists:
        return redirect(kind.url_name, change.company_id, change.object_id)
    return redirect(f"{reverse('editlog', args=[change.company_id])}?before={change.seq + 1}")
