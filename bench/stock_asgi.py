"""Bench-only ASGI app: TallySync's HTTP side with the *stock* Channels socket, as a baseline.

Every consumer joins the company group itself and the channel layer's group_send delivers each
change to every consumer's own channel (the per-consumer layer hop that sync/hub.py avoids).
Same auth stack and membership check as the real socket; no replay, no seq bookkeeping.

    daphne -b 127.0.0.1 -p PORT bench.stock_asgi:application     (from the project root)
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")
http_application = get_asgi_application()

from channels.db import database_sync_to_async  # noqa: E402 - needs Django set up
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from companies.selectors import membership_get  # noqa: E402
from sync import protocol  # noqa: E402
from sync.auth import socket_auth  # noqa: E402
from sync.publisher import company_group  # noqa: E402


class StockCompanyConsumer(AsyncWebsocketConsumer):
    """The Channels tutorial pattern: group_add on connect, one handler per message type."""

    group = ""

    async def connect(self) -> None:
        company_id = int(self.scope["url_route"]["kwargs"]["cid"])
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        member = await database_sync_to_async(membership_get)(user=user, company_id=company_id)
        if member is None:
            await self.close(code=protocol.CLOSE_FORBIDDEN)
            return
        self.group = company_group(company_id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def change_frame(self, event: dict) -> None:
        """The publisher's {"type": "change.frame", "seq", "text"}: forward the text (member
        removals, {"kick": user id} with no text, are not part of this baseline)."""
        if event.get("text"):
            await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": socket_auth(
            URLRouter([path("ws/c/<int:cid>/", StockCompanyConsumer.as_asgi())])
        ),
    }
)
