"""Tally's XML API over HTTP: `POST /` with an XML body, answered in the request's encoding
(tallyxml.api reads it, tallyxml.answers answers it).

Who may call it (docs/security.md, "Tally's XML API"): a script with an API token in the
`Authorization` header (companies.auth signs it in), or a tool on a computer of the Server
configuration's allow-list, acting as the user configured there. A browser's session never:
the view takes no CSRF token (token callers have none), so a session cookie alone would let
any page a user visits post to it. A request with neither is refused with Django's own CSRF
refusal when a signed-in browser sent it without the token, else with 401 and Tally's LINEERROR.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from companies.auth import TOKEN_NOT_VALID
from config.selectors import config_get
from core.errors import DomainError
from tallyxml import answers
from tallyxml.api import (
    Encoding,
    Refused,
    answer_bytes,
    company_for,
    encoding_detect,
    line_error,
    request_read,
)

SIGN_IN = (
    "Send an API token (Authorization: Token <key>), or ask the administrator to allow this "
    "computer in the Server configuration"
)


def _answer(element: Any, encoding: Encoding, status: int = 200) -> HttpResponse:
    return HttpResponse(
        answer_bytes(element, encoding),
        status=status,
        content_type=f"text/xml; charset={encoding.charset}",
    )


def _allowed_tool(request: HttpRequest) -> AbstractBaseUser | None:
    """The configured user, for a request from an allow-listed computer that a browser did not
    send (no Origin, no cookies): a page on another site cannot forge the address, but it could
    make a browser on an allowed computer post."""
    if request.headers.get("Origin") or request.COOKIES:
        return None
    config = config_get()
    if not config.xml_api_allows(request.META.get("REMOTE_ADDR", "")):
        return None
    user = config.xml_api_user
    return user if user is not None and user.is_active else None


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF refusal for this request, as any view that is not exempt would give."""

    def protected(request: HttpRequest) -> HttpResponse:  # not csrf_exempt
        return HttpResponse()

    return CsrfViewMiddleware(protected).process_view(request, protected, (), {})


def _caller(request: HttpRequest, encoding: Encoding) -> AbstractBaseUser | HttpResponse:
    if getattr(request, "token_refused", False):
        return _answer(line_error(TOKEN_NOT_VALID), encoding, 401)
    if getattr(request, "token_auth", False):
        return request.user  # type: ignore[return-value]
    user = _allowed_tool(request)
    if user is not None:
        return user
    refused = _csrf_refusal(request) if request.user.is_authenticated else None
    return refused or _answer(line_error(SIGN_IN), encoding, 401)


@csrf_exempt
def xml_api(request: HttpRequest) -> HttpResponse:
    """Answer one Tally XML request as Tally answers it on its port."""
    encoding = encoding_detect(request.body, request.headers.get("Content-Type", ""))
    user = _caller(request, encoding)
    if isinstance(user, HttpResponse):
        return user
    try:
        tally_request = request_read(request.body, encoding)
        company = company_for(request=tally_request, user=user)
        answered = answers.answer(tally_request, company, user)
    except (Refused, DomainError) as refusal:  # DomainError: a lock held, the database busy
        answered = line_error(str(refusal))
    return _answer(answered, encoding)
