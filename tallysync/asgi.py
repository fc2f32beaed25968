"""ASGI entry point served by daphne: HTTP pages and the live WebSocket."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")

http_application = get_asgi_application()

from sync.layers import claim_single_process  # noqa: E402 - needs Django set up
from sync.publisher import serving  # noqa: E402
from sync.routing import websocket_application  # noqa: E402

claim_single_process()
application = serving(
    ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})
)
