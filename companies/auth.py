"""`Authorization: Token …` sign-in for scripts, beside Django's session sign-in."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from companies.models import ApiToken
from companies.signals import tokens_revoked
from core.errors import found

log = logging.getLogger(__name__)
# What a script is told, over HTTP (401) and as a socket's close reason (4401).
TOKEN_NOT_VALID = "This API token is not valid."


def token_issue(*, user: AbstractBaseUser) -> str:
    """A new API token for `user`; only its hash is kept, so this is the one time it is seen."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key), password_mark=user.get_session_auth_hash()
    )
    return key


def token_lifetime() -> dt.timedelta:
    """How long a token works after it was issued (TALLYSYNC_TOKEN_DAYS, 90 by default)."""
    return dt.timedelta(days=settings.API_TOKEN_DAYS)


def token_get(key: str) -> ApiToken | None:
    """The live token for `key`, read only: not expired, its user active and with the password
    the token was issued under (a new password revokes every token of the user)."""
    try:  # get(), not first(): key_hash is unique, and an ORDER BY costs every request its
        # compiling (bench/request_floor.py, TokenAuthenticationMiddleware's share)
        token = ApiToken.objects.select_related("user").get(
            key_hash=ApiToken.hash_key(key), created_at__gt=timezone.now() - token_lifetime()
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    return token if token_password_current(token) else None


def token_password_current(token: ApiToken) -> bool:
    return constant_time_compare(token.password_mark, token.user.get_session_auth_hash())


def token_expires_at(token: ApiToken) -> dt.datetime:
    return token.created_at + token_lifetime()


def token_state(token: ApiToken, *, password_mark: str, now: dt.datetime) -> ApiToken.State:
    """Whether `token` works at `now` for a user whose session auth hash is `password_mark`
    (as `token_get` decides it, for a list that reads the user once)."""
    if not constant_time_compare(token.password_mark, password_mark):
        return ApiToken.State.PASSWORD_CHANGED
    if token_expires_at(token) <= now:
        return ApiToken.State.EXPIRED
    return ApiToken.State.LIVE


def token_revoke(*, user: AbstractBaseUser, token_id: int) -> ApiToken:
    """Delete one of `user`'s tokens and return it; NotFound for a missing id and for another
    user's alike. On commit, sockets opened with it close (`tokens_revoked`)."""
    with transaction.atomic(durable=True):
        token = found(ApiToken.objects.filter(user_id=user.pk), pk=token_id)
        tokens_delete(tokens=ApiToken.objects.filter(pk=token.pk))
    return token


def tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    """Delete every token of `user`, working or not, and say how many; on commit, sockets
    opened with any of them close (`tokens_revoked`)."""
    with transaction.atomic(durable=True):
        return tokens_delete(tokens=ApiToken.objects.filter(user_id=user.pk))


def tokens_delete(*, tokens: QuerySet[ApiToken]) -> int:
    """Delete `tokens`, whoever's, inside the caller's transaction (the admin's is its own), and
    say how many; on commit, `tokens_revoked` for each of their users closes their sockets."""
    user_ids = set(tokens.values_list("user_id", flat=True))
    count, _ = tokens.delete()
    for user_id in sorted(user_ids):
        send = partial(tokens_revoked.send, sender=ApiToken, user_id=user_id)
        transaction.on_commit(send, robust=True)
    return count


def token_user(key: str) -> AbstractBaseUser | None:
    token = token_get(key)
    return token.user if token is not None else None


def token_use_note(token: ApiToken) -> None:
    """Note (at most once a minute) when the token was last used, for the admin's list.
    Bookkeeping: a database busy with another writer only costs the note."""
    now = timezone.now()
    if token.last_used_at is not None and (now - token.last_used_at).total_seconds() <= 60:
        return
    try:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    except OperationalError:
        log.warning("could not note the use of %s's token: the database is busy", token.user)


class TokenAuthenticationMiddleware:
    """Signs a request in by its API token. A token is not an ambient credential a foreign site
    could make the browser send, so token requests need no CSRF token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token":  # other schemes (a proxy's Basic auth) are not ours
            token = token_get(key.strip()) if key.strip() else None
            if token is None and request.method == "POST" and request.path_info == "/":
                # Tally's XML API refuses in Tally's XML, in the request's encoding
                # (tallyxml.views_api): it is told, and sees an anonymous request.
                request.token_refused = True  # type: ignore[attr-defined]
                return self.get_response(request)
            if not key.strip():
                return JsonResponse({"detail": "Use 'Authorization: Token <key>'."}, status=401)
            if token is None:
                return JsonResponse({"detail": TOKEN_NOT_VALID}, status=401)
            request.user = token.user
            request.token_auth = True  # type: ignore[attr-defined]
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
            response = self.get_response(request)
            # After the answer is made, and not when the database was not available: the note
            # must never add its own wait for a busy database to a save's.
            if response.status_code != 503:
                token_use_note(token)
            return response
        return self.get_response(request)
