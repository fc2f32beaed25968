"""Who may open a view: a member of one company (`member_view`), or the person signed in with
their password (`session_view`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from companies.models import Company
from companies.selectors import membership_get
from core.http import json_response, wants_json


def member_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A view of one company: the caller must be signed in (401) and a member (else 404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, cid: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if wants_json(request):
                return json_response({"detail": "Sign in first."}, status=401)
            return redirect_to_login(request.get_full_path())
        membership = membership_get(user=request.user, company_id=cid)
        if membership is None:
            raise Http404
        request.membership = membership  # type: ignore[attr-defined]
        company: Company = membership.company
        return view(request, company, *args, **kwargs)

    return wrapper


TOKEN_MAY_NOT = (
    "A token cannot list or revoke tokens: sign in with your password in the browser to do it."
)


def session_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A view of the person's own credentials: signed in with the password (a session; else 401,
    or the sign-in page), never by an API token (403). A leaked token reaches the books it may
    reach; it cannot see the user's other tokens, nor revoke them to cut their scripts off."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "token_auth", False):
            return json_response({"detail": TOKEN_MAY_NOT}, status=403)
        if not request.user.is_authenticated:
            if wants_json(request):
                return json_response({"detail": "Sign in first."}, status=401)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
