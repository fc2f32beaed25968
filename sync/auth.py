"""Who is on the socket: the session (browsers) or `Authorization: Token …` (scripts); and a
same-origin check, so a foreign page cannot open a socket with the user's cookies."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier

from companies.auth import token_user


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
                scope = {**scope, "user": user}
        return await self.app(scope, receive, send)


class SameOriginValidator:
    """Refuses a handshake whose Origin is not the host it was sent to.

    Browsers always send Origin; scripts (which carry a token, not cookies) may omit it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1")
        if origin and urlsplit(origin).netloc.lower() != host.lower():
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.app(scope, receive, send)


def socket_auth(app: Any) -> Any:
    return SameOriginValidator(TokenAuthMiddleware(AuthMiddlewareStack(app)))
