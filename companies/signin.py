"""What a person or script sees when django-axes has locked a user name out at one address."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.http import json_response, wants_json

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
