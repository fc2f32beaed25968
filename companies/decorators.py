"""Views of one company: the caller signed in and a member, the company handed to the view."""

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
