"""What a person or script sees when django-axes has locked a user name out at one address, and
what /auth/token/ (a sign-in without a session) takes and does besides."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.http import json_response, origin_is_host, wants_json

LOCKOUT_STATUS = 429


def lockout_message(request: HttpRequest | None = None) -> str:
    """The lockout in words, with the cool-off as configured (AXES_COOLOFF_TIME)."""
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else 0
    wait = f"try again in {minutes} minutes" if minutes else "ask the owner to unlock it"
    return f"Too many failed sign-ins for this user from this computer; {wait}."


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON 429 for scripts, else the sign-in page saying why (429)."""
    message = lockout_message(request)
    if wants_json(request) or request.path == reverse("auth-token"):
        return json_response({"detail": message}, status=LOCKOUT_STATUS)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"lockout": message, "username": username, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=LOCKOUT_STATUS)


def token_request_refusal(request: HttpRequest) -> HttpResponse | None:
    """/auth/token/ takes JSON from scripts (no Origin) and this server's own pages only. A
    foreign page may post a form cross-site unasked, and five wrong passwords would lock its
    visitor out; JSON it may not send without the server's leave, and its Origin gives it away."""
    origin = request.headers.get("Origin")
    if origin and not origin_is_host(origin, request.get_host()):
        detail = "Tokens are issued to scripts and to this server's own pages only."
        return json_response({"detail": detail}, status=403)
    if request.content_type != "application/json":
        detail = "Send the username and password as JSON (Content-Type: application/json)."
        return json_response({"detail": detail}, status=415)
    return None


def token_signed_in(request: HttpRequest, user: AbstractBaseUser) -> None:
    """A right password through /auth/token/ clears the user's failures at this address, as a
    page sign-in does (django-axes listens for that one on `user_logged_in`, which a token
    sign-in, making no session, does not send)."""
    AxesProxyHandler.user_logged_in(sender=type(user), request=request, user=user)
