"""The WebSocket side of the ASGI application."""

from channels.routing import URLRouter
from django.urls import path

from sync.auth import socket_auth
from sync.consumers import CompanyConsumer

websocket_urlpatterns = [path("ws/c/<id:cid>/", CompanyConsumer.as_asgi())]
websocket_application = socket_auth(URLRouter(websocket_urlpatterns))
