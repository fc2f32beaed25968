"""Socket tests: a WebsocketCommunicator per browser, the real ASGI app, on-commit publishing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from companies.auth import token_issue
from sync import registry


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """Each test runs its own event loop: give it a channel layer (and traffic count) of its own."""
    channel_layers.backends = {}
    registry.traffic = registry.ProcessTraffic()
    yield
    channel_layers.backends = {}


def application() -> Any:
    from tallysync.asgi import application

    return application


def token_headers(user: Any, origin: str | None = "http://testserver") -> list[tuple[bytes, bytes]]:
    headers = [
        (b"host", b"testserver"),
        (b"authorization", f"Token {token_issue(user=user)}".encode()),
    ]
    if origin:
        headers.append((b"origin", origin.encode()))
    return headers


def session_headers(user: Any) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [
        (b"host", b"testserver"),
        (b"origin", b"http://testserver"),
        (b"cookie", f"sessionid={cookie}".encode()),
    ]


async def open_socket(
    company_id: int, headers: list[tuple[bytes, bytes]], since: int | None = None
) -> tuple[WebsocketCommunicator, bool, Any]:
    path = f"/ws/c/{company_id}/" + (f"?since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application(), path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def next_message(communicator: WebsocketCommunicator, timeout: float = 5) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def changes(communicator: WebsocketCommunicator, count: int) -> list[dict]:
    """The next `count` change frames (skipping pongs)."""
    frames: list[dict] = []
    while len(frames) < count:
        message = await next_message(communicator)
        if message["type"] == "change":
            frames.append(message)
    return frames


def run(coroutine_function: Any) -> Any:
    """Run a test's async scenario to its end from the (sync) test."""
    return async_to_sync(coroutine_function)()


def in_thread(function: Any) -> Any:
    """Run a service as a view would: in a worker thread, where on_commit publishes."""
    return sync_to_async(function, thread_sensitive=False)
