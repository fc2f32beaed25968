"""The ASGI app's HTTP side (tallysync.handler.RequestHandler): a request crosses to a worker
thread once, and the answers and refusals are Django's as before — the token, CSRF for signed-in
browsers, the database connection closed by the thread that used it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync, iscoroutinefunction
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.test import Client

from companies.auth import token_issue
from ledgers.models import Ledger
from tallysync.handler import RequestHandler

pytestmark = pytest.mark.django_db(transaction=True)


def application() -> Any:
    from tallysync.asgi import application

    return application


def answer(
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    before: Any = None,
    leave_after: int | None = None,
) -> dict[str, Any]:
    """The app's answer to one request, as a server would collect it (`before` runs on the
    event loop just before the request goes in). The client stays until the answer is sent,
    or, with `leave_after`, goes once that many body parts have come."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path.partition("?")[0],
        "raw_path": path.partition("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), *headers],
    }
    sent: dict[str, Any] = {"body": b""}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await gone.wait()  # as a server does: http.disconnect only when the client goes
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        else:
            sent["body"] += message.get("body", b"")
            sent["parts"] = sent.get("parts", 0) + 1
            if leave_after is not None and sent["parts"] >= leave_after:
                gone.set()

    async def request() -> None:
        if before is not None:
            before()
        await application()(scope, receive, send)

    async_to_sync(request)()
    return sent


@pytest.fixture
def crossings(monkeypatch: Any) -> Iterator[dict[str, int]]:
    """How often code crosses between the event loop and a thread (asgiref's two adapters)."""
    counts = {"to_thread": 0, "to_loop": 0}
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["to_thread"] += 1
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["to_loop"] += 1
        return to_loop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted_to_thread)
    monkeypatch.setattr(AsyncToSync, "__call__", counted_to_loop)
    yield counts


def test_the_app_serves_http_with_a_synchronous_chain():
    """The middleware chain is built synchronous, as under WSGI: no middleware method or view
    is adapted to async on its own."""
    from tallysync.asgi import http_application

    assert isinstance(http_application, RequestHandler)
    assert not iscoroutinefunction(http_application._middleware_chain)
    assert not any(map(iscoroutinefunction, http_application._view_middleware))


def test_a_token_request_crosses_to_a_thread_once(company, alice, crossings):
    """The token, the middleware, the view and request_finished: one crossing, none back."""
    headers = [(b"authorization", f"Token {token_issue(user=alice)}".encode())]
    response = answer(
        "GET",
        f"/c/{company.pk}/ledgers/",
        headers,
        before=lambda: crossings.update(dict.fromkeys(crossings, 0)),
    )
    assert response["status"] == 200
    assert "Cash" in {ledger["name"] for ledger in json.loads(response["body"])}
    assert crossings == {"to_thread": 1, "to_loop": 0}


def test_a_bad_token_is_refused(company):
    response = answer("GET", f"/c/{company.pk}/ledgers/", [(b"authorization", b"Token nope")])
    assert response["status"] == 401
    assert json.loads(response["body"]) == {"detail": "This API token is not valid."}


def test_a_signed_in_browser_still_needs_the_csrf_token(company, alice, ledgers):
    """The chain runs sync now: CsrfViewMiddleware still refuses a session's post without it."""
    browser = Client()
    browser.force_login(alice)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    body = json.dumps({"name": "Foreign", "group": "Sundry Debtors"}).encode()
    headers = [(b"cookie", cookie), (b"content-type", b"application/json")]
    response = answer("POST", f"/c/{company.pk}/ledgers/", headers, body)
    assert response["status"] == 403
    assert not Ledger.objects.filter(company=company, name="Foreign").exists()


def test_request_finished_runs_on_the_thread_that_answered(company, alice):
    """Django closes (or keeps) a request's database connection at request_finished, per
    thread: it must run where the request's queries ran, not on another thread."""
    threads: dict[str, int] = {}

    def started(**kwargs: Any) -> None:
        threads["started"] = threading.get_ident()

    def finished(**kwargs: Any) -> None:
        threads["finished"] = threading.get_ident()

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        token = token_issue(user=alice)
        response = answer(
            "GET", f"/c/{company.pk}/ledgers/", [(b"authorization", f"Token {token}".encode())]
        )
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert response["status"] == 200
    assert threads["started"] == threads["finished"] != threading.get_ident()


def test_a_static_file_is_streamed_and_closed():
    """WhiteNoise answers with a streamed file: sent whole, then closed (request_finished)."""
    finished: list[bool] = []

    def note(**kwargs: Any) -> None:
        finished.append(True)

    request_finished.connect(note)
    try:
        response = answer("GET", "/static/app.css", [])
    finally:
        request_finished.disconnect(note)
    assert response["status"] == 200
    assert response["body"] == (settings.BASE_DIR / "static" / "app.css").read_bytes()
    assert finished == [True]


def test_a_file_whose_client_went_is_read_no_further_and_let_go(company, alice, monkeypatch):
    """A report's file streams from its own thread; when the browser goes mid-file the rows
    stop being read and the file's generator is closed (its cursor and connection with it)."""
    from core import export

    read: list[str] = []
    closed: list[bool] = []

    def lines(table: Any) -> Iterator[str]:
        try:
            for n in range(100_000):
                read.append(threading.current_thread().name)
                yield f"line {n}\n"
        finally:
            closed.append(True)

    monkeypatch.setattr(export, "csv_lines", lines)
    monkeypatch.setattr(export, "BATCH", 10)
    token = token_issue(user=alice)
    path = f"/c/{company.pk}/reports/trial-balance/?format=csv"
    headers = [(b"authorization", f"Token {token}".encode())]
    response = answer("GET", path, headers, leave_after=3)
    assert response["status"] == 200
    assert 30 <= len(read) < 100_000, "stopped soon after the client went"
    assert closed == [True]
    assert {name.split("_")[0] for name in read} == {"export"}, "its own thread, not asgiref's"
