"""ASGI entry point served by daphne: HTTP now; the sync issue adds the WebSocket route."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")

application = get_asgi_application()
