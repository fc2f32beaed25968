"""Who is on the socket: the session (browsers) or `Authorization: Token …` (scripts); and a
same-origin check, so a foreign page cannot open a socket with the user's cookies."""

from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib import auth
from django.http.request import split_domain_port, validate_host

from companies.auth import token_user
from core.http import origin_is_host
from sync.registry import Kind, event_record, refusal_detail, refusals

SERVER_SEND = "tallysync.server_send"  # scope key: the server's own `send` for this socket


class TokenAuthMiddleware:
    """Puts the token's user in the scope; AuthMiddleware then leaves it alone."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "token" and key.strip():
            user = await database_sync_to_async(token_user)(key.strip())
            if user is not None:
                scope = {**scope, "user": user, "token": key.strip()}
        return await self.app(scope, receive, send)


class SameOriginValidator:
    """Refuses a handshake sent to a host not in ALLOWED_HOSTS (as Django refuses such a page
    request), or whose Origin is not the host it was sent to.

    Browsers always send Origin; scripts (which carry a token, not cookies) may omit it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_allowed(host):
            return await _deny(scope, receive, send, f"Host {host} is not allowed")
        if origin and not origin_is_host(origin, host):
            return await _deny(scope, receive, send, f"Origin {origin} on host {host}")
        return await self.app(scope, receive, send)

    @staticmethod
    def host_allowed(host: str) -> bool:
        domain, _port = split_domain_port(host)
        return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def still_signed_in(scope: dict) -> bool:
    """Is the socket's user still signed in: token not revoked, session not ended by sign-out
    or expiry, password unchanged, account active? (Read afresh from the database.)"""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    if scope.get("token"):
        return token_user(scope["token"]) == user
    session = scope.get("session")
    if session is None or not session.session_key:
        return False
    fresh = SimpleNamespace(
        session=import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
    )
    return auth.get_user(fresh) == user  # type: ignore[arg-type]


async def _deny(scope: dict, receive: Any, send: Any, detail: str) -> Any:
    """Refuse the handshake, and say so in the Server Monitor's event log (sync.registry.
    Refusals: not every try of a client that keeps trying)."""
    client = scope.get("client")
    ip = client[0] if client else None
    left_out = refusals.take(Kind.REFUSED_ORIGIN, ip, time.monotonic())
    if left_out is not None:
        await database_sync_to_async(event_record)(
            kind=Kind.REFUSED_ORIGIN, ip=ip, detail=refusal_detail(detail, left_out)
        )
    return await WebsocketDenier()(scope, receive, send)


def socket_auth(app: Any) -> Any:
    checked = SameOriginValidator(TokenAuthMiddleware(AuthMiddlewareStack(app)))

    async def keeping_server_send(scope: dict, receive: Any, send: Any) -> Any:
        # Below, channels' session middleware wraps `send`; the consumer writes its frames to
        # the server's own (sync.consumers.CompanyConsumer.frame).
        return await checked({**scope, SERVER_SEND: send}, receive, send)

    return keeping_server_send
