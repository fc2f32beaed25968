"""The HTTP side of the ASGI app: Django's handler, with each request's middleware and view run
synchronously in one hop to a pooled worker thread (bench/request_floor.py measures the why)."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

# Requests answered at once; more wait for a thread. Every view is synchronous and a SQLite
# writer waits at most 4 s for the write lock, so this bounds threads (and, with persistent
# connections, the database connections they keep), not the requests one office sends.
REQUEST_THREADS = 32
request_threads = ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="request")


class RequestHandler(ASGIHandler):
    """Django's ASGIHandler builds an async middleware chain: every sync middleware method,
    the view and the response's close each cross to a thread and back (eight crossings and two
    new threads per request for the app's chain). Here the whole chain is sync, as under
    WSGI, and a request crosses once: request_started, the middleware, the view and, for a
    response that is not streamed, request_finished run in one call on one pooled thread, so
    the database connection the request used is closed (or kept, CONN_MAX_AGE) by the thread
    that used it. Only reading the body and sending the answer stay on the event loop.

    What Django's handler does and this one does not: watch for the client going away while
    the view runs. Django cancels only async views then, and every view here is sync; the
    answer to a client that left is dropped by the server."""

    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django answers HTTP only, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(
                self.respond, thread_sensitive=False, executor=request_threads
            )(scope, body_file)
            try:
                if response.streaming:
                    await self._send_until_gone(response, receive, send)
                else:
                    await self.send_response(response, send)
            finally:
                if response.streaming:  # its content was read while sending: close it now
                    await sync_to_async(
                        response.close, thread_sensitive=False, executor=request_threads
                    )()
        finally:
            body_file.close()

    async def _send_until_gone(self, response: Any, receive: Any, send: Any) -> None:
        """A streamed answer (a report's file) stops when its client goes, and its content is
        closed then (a file's reader lets go of its cursor and connection): as Django's own
        handler does, the sending is raced against `http.disconnect`. Only streamed answers
        listen: the others are sent in one go."""
        sending = asyncio.ensure_future(self.send_response(response, send))
        gone = asyncio.ensure_future(self.listen_for_disconnect(receive))
        done, _ = await asyncio.wait({sending, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sending, gone):
            if task not in done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                await task
        if sending.cancelled():  # the client went: close the content it was reading
            aclose = getattr(response._iterator, "aclose", None)  # Django keeps it there
            if aclose is not None:
                await aclose()

    def respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """The answer to one request, made on the worker thread (Django's WSGI path, sync)."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished: its content is already in memory
        return response
