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
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from companies.auth import TOKEN_NOT_VALID
from config.selectors import config_get
from core.errors import DomainError
from core.export import streamed_content
from tallyxml import answers
from tallyxml.api import (
    Encoding,
    Refused,
    answer_bytes,
    answer_chunks,
    company_for,
    encoding_detect,
    line_error,
    request_read,
)

# Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB) would refuse an import of a
# thousand vouchers; the API reads the body itself, up to this.
MAX_BODY = 100 * 1024 * 1024
TOO_LARGE = (
    "The request is over 100 MB: import a file this large with manage.py import_tally, or "
    "send it in parts"
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


def _caller(request: HttpRequest) -> AbstractBaseUser | str:
    """Who calls: the token's user, the allow-list's, or the reason for a 401."""
    if getattr(request, "token_refused", False):
        return TOKEN_NOT_VALID
    if getattr(request, "token_auth", False):
        return request.user  # type: ignore[return-value]
    return _allowed_tool(request) or SIGN_IN


@csrf_exempt
def xml_api(request: HttpRequest) -> HttpResponse:
    """Answer one Tally XML request as Tally answers it on its port."""
    if request.user.is_authenticated and not getattr(request, "token_auth", False):
        # A browser's session: refused as any view refuses it without the CSRF token (before
        # the body is read, which Django's check may read as a form), else 401 below.
        refused = _csrf_refusal(request)
        if refused is not None:
            return refused
    # Who calls and how large the body says it is are known before it is read: a caller
    # without a token gets its 401 (and anyone an over-long body's 413) having cost the server
    # four bytes — the byte-order mark the answer's encoding needs.
    head = request.read(4)
    encoding = encoding_detect(head, request.headers.get("Content-Type", ""))
    user = _caller(request)
    if isinstance(user, str):
        return _answer(line_error(user), encoding, 401)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return _answer(line_error(TOO_LARGE), encoding, 413)
    body = head + request.read(MAX_BODY + 1 - len(head))
    if len(body) > MAX_BODY:
        return _answer(line_error(TOO_LARGE), encoding, 413)
    try:
        tally_request = request_read(body, encoding)
        del body
        company = company_for(request=tally_request, user=user)
        answered = answers.answer(tally_request, company, user)
    except (Refused, DomainError) as refusal:  # DomainError: a lock held, the database busy
        return _answer(line_error(str(refusal)), encoding)
    content_type = f"text/xml; charset={encoding.charset}"
    if not answered.streamed:
        return HttpResponse(b"".join(answer_chunks(answered, encoding)), content_type=content_type)
    # Written as it is read: a year's Day Book or vouchers collection never whole in memory.
    chunks = streamed_content(request, answer_chunks(answered, encoding))
    return StreamingHttpResponse(chunks, content_type=content_type)
