"""The user limit (ServerConfig.max_users) on company pages: a user beyond it is told who holds
the seats before any page opens a socket."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from config.selectors import config_get
from core.http import wants_json
from sync.registry import SeatsTaken, seats_check


class UserLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (request.path.startswith("/c/") and request.user.is_authenticated):
            return self.get_response(request)
        limit = config_get().max_users
        if limit:
            try:
                seats_check(limit=limit, user=request.user, now=timezone.now())
            except SeatsTaken as taken:
                return _refusal(request, str(taken))
        return self.get_response(request)


def _refusal(request: HttpRequest, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": message}, status=503)
    return render(request, "error.html", {"message": message}, status=503)
