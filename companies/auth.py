"""`Authorization: Token …` sign-in for scripts, beside Django's session sign-in."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from companies.models import ApiToken

log = logging.getLogger(__name__)


def token_issue(*, user: AbstractBaseUser) -> str:
    """A new API token for `user`; only its hash is kept, so this is the one time it is seen."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key))
    return key


def token_user(key: str) -> AbstractBaseUser | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        try:  # bookkeeping: a database busy with another writer must not refuse the request
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        except OperationalError:
            log.warning("could not note the use of %s's token: the database is busy", token.user)
    return token.user


class TokenAuthenticationMiddleware:
    """Signs a request in by its API token. A token is not an ambient credential a foreign site
    could make the browser send, so token requests need no CSRF token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token":  # other schemes (a proxy's Basic auth) are not ours
            if not key.strip():
                return JsonResponse({"detail": "Use 'Authorization: Token <key>'."}, status=401)
            user = token_user(key.strip())
            if user is None:
                return JsonResponse({"detail": "This API token is not valid."}, status=401)
            request.user = user
            request.token_auth = True  # type: ignore[attr-defined]
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
