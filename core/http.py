"""What every JSON/form endpoint shares: reading the body, answering in the format asked for,
error answers."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_htmx.http import HttpResponseClientRefresh

from core.errors import DomainError, Invalid, Locked, NotFound, StaleVersion
from core.validation import optional_dates

log = logging.getLogger(__name__)

MAX_JSON_BODY = 1_000_000
TOO_DEEP = "The body is not valid JSON: it nests arrays or objects too deeply."


def wants_json(request: HttpRequest) -> bool:
    """Scripts get JSON (a token, a JSON body, or Accept: application/json); browsers get pages."""
    return (
        getattr(request, "token_auth", False)
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )


def region_asked(request: HttpRequest, regions: Mapping[str, str]) -> str | None:
    """The template that answers a live refresh of one page region (htmx's target: a region
    id of `regions`, region id → template, usually the page's `template#partial`), or None
    when the whole page is asked for. A refresh renders its region alone, never the page to
    `select` the region from."""
    target = request.htmx.target if getattr(request, "htmx", None) else None  # type: ignore[attr-defined]
    return regions.get(target) if target else None


def page_or(
    page: Callable[..., HttpResponse], view: Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """One URL, two views: a browser's GET (or any GET for a file, `?format=`) goes to `page`,
    every other request to `view`.

    For a record whose page a higher layer builds (a ledger's statement is a report) while its
    JSON and its writes stay with the record's own app; the URL conf joins the two."""

    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A file of the page (?format=csv) is the page's, for a script too.
        if request.method == "GET" and (not wants_json(request) or "format" in request.GET):
            return page(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return dispatch


def post_or(
    post: Callable[..., HttpResponse], view: Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """One URL, two views: a POST goes to `post`, which takes no CSRF token (it must authorise
    by what a browser never sends on its own, such as an API token), every other request to
    `view`, CSRF-protected as ever. For `/`: Tally's XML API and the company picker."""
    protected = csrf_protect(view)

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return post(request, *args, **kwargs)
        return protected(request, *args, **kwargs)

    return dispatch


def origin_is_host(origin: str, host: str) -> bool:
    """Does a request's Origin header name the host it was sent to? (The same check for pages
    posted to /auth/token/ and for socket handshakes; an Origin of "null" never matches.)"""
    return urlsplit(origin).netloc.lower() == host.lower()


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, safe=False)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _form_data(post: QueryDict) -> dict[str, Any]:
    """A form body as a dict of its fields (the last value of each; no CSRF token): a form of
    the resource reads it as it reads a JSON body."""
    return {key: value for key, value in post.items() if key != "csrfmiddlewaretoken"}


def _refuse_surrogates(data: dict[str, Any]) -> None:
    """JSON's "\\ud800" escapes decode to lone UTF-16 surrogates, which no database stores."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise Invalid.field(
            "__all__", "The body is not valid JSON text: it has a lone \\uD800–\\uDFFF escape."
        ) from None


def body_data(request: HttpRequest) -> dict[str, Any]:
    """The request body (JSON or form) as a dict; Invalid if it cannot be read."""
    if request.content_type == "application/json":
        if len(request.body) > MAX_JSON_BODY:
            raise Invalid.field("__all__", "The request is too large.")
        try:
            data = json.loads(
                request.body or b"{}", parse_float=str, parse_constant=_refuse_constant
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise Invalid.field("__all__", f"The body is not valid JSON: {exc}") from None
        except RecursionError:
            raise Invalid.field("__all__", TOO_DEEP) from None
        if not isinstance(data, dict):
            raise Invalid.field("__all__", "Send a JSON object.")
        try:
            _refuse_surrogates(data)
        except RecursionError:  # read, but too deep to write back (the Edit Log would have to)
            raise Invalid.field("__all__", TOO_DEEP) from None
        return data
    if request.method == "POST":
        return _form_data(request.POST)
    return _form_data(QueryDict(request.body))


def error_response(exc: DomainError) -> JsonResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, Invalid):
        body = {"detail": "Not saved: please correct the marked fields.", "errors": exc.errors}
    elif isinstance(exc, Locked):
        body.update(holder={"id": exc.holder_id, "name": exc.holder}, since=exc.since)
    elif isinstance(exc, StaleVersion):
        body.update(
            current_version=exc.current_version,
            altered_by=exc.altered_by,
            altered_at=exc.altered_at,
        )
    return json_response(body, status=exc.status)


class DomainErrorMiddleware:
    """Answers a refused save (DomainError) or what is not there (NotFound, Http404): JSON for
    scripts, a page with the reason for browsers (a refresh showing it, for htmx buttons)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotFound | Http404):
            if wants_json(request):
                return json_response({"detail": "Not found."}, status=404)
            message = "There is nothing here, or it is not yours to see."
            return render(request, "error.html", {"message": message}, status=404)
        if isinstance(exc, DomainError):
            if wants_json(request):
                return error_response(exc)
            if getattr(request, "htmx", False):  # a button's request: say why on a fresh page
                messages.error(request, str(exc))
                return HttpResponseClientRefresh()
            return render(request, "error.html", {"message": str(exc)}, status=exc.status)
        return None  # anything else, a missing row included, is a bug: a 500 with its traceback


def year_start(request: HttpRequest) -> dt.date | None:
    """The first day of the current financial year of the company the request is for (None
    outside a company): where a typed `15-11` falls."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return None
    return membership.company.financial_year_begins(timezone.localdate())


def date_param(request: HttpRequest, name: str, default: Any = None) -> Any:
    """A date from the query string (?date=26-Nov-2026, or a short form like 15-11 in the
    company's financial year), `default` if absent; Invalid if bad."""
    day = optional_dates(request.GET, name, year_start=year_start(request))[name]
    return default if day is None else day


def version_of(request: HttpRequest, data: dict[str, Any]) -> Any:
    """The version the caller read: in the body, else in the query string."""
    return data.get("version", request.GET.get("version"))


DATABASE_DOWN = "Not saved: the database is not available — your entry is kept"
DATABASE_DOWN_READING = "The database is not available just now — try again in a moment"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def form_refusal(exc: Exception) -> tuple[dict[str, list[str]], int]:
    """Messages per field and the status for a form page whose save was refused (a rule, a
    lock, a stale version, or a database that is not available): the page shows the typing."""
    if isinstance(exc, DATABASE_ERRORS):
        return {"__all__": [f"{DATABASE_DOWN}."]}, 503
    if isinstance(exc, Invalid):
        return exc.errors, 422
    return {"__all__": [str(exc)]}, getattr(exc, "status", 400)


def database_down_message(request: HttpRequest) -> str:
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    return DATABASE_DOWN if writing else DATABASE_DOWN_READING


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that is stopped or locked by another writer is a 503 that says
    so (JSON, or a page that needs no database), never a bare 500."""
    error = sys.exc_info()[1]
    if not isinstance(error, DATABASE_ERRORS):
        return defaults.server_error(request)
    log.warning("database not available for %s %s: %s", request.method, request.path, error)
    message = database_down_message(request)
    if wants_json(request):
        return JsonResponse({"detail": message}, status=503)
    page = render_to_string("503.html", {"message": message})
    return HttpResponse(page, status=503, headers={"Retry-After": "5"})


# Scripts, styles, images, fonts and connections (the live socket included) from this server
# only: no inline script or style, no other site's, no framing, forms posted only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Every answer carries the Content-Security-Policy; one for a signed-in user is never kept
    by the browser's cache (`no-store`), so the back button on a shared office computer shows
    no books after sign-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
