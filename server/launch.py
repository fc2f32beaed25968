"""The command line that serves TallySync: uvicorn, as `manage.py serve`, the browser tests, the
multi-process tests and `bench/fanout.py` all start it. A leaf: no Django import, so the bench
can build the same command line without setting Django up.

uvicorn with uvloop, httptools and websockets (sans-I/O) replaced daphne as the server (why:
bench/README.md, `daphne_over_uvicorn`). Each choice is named rather than left to uvicorn's
"auto", so a missing package fails at start instead of quietly running the slow pure-Python
fallback.
"""

from __future__ import annotations

import sys
from pathlib import Path

ASGI_APPLICATION = "tallysync.asgi:application"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("uvicorn", "uvloop", "httptools", "websockets")  # what OPTIONS below name
HTTP_PROTOCOL = "server.protocol:LimitedHttpToolsProtocol"  # uvicorn imports it, with --app-dir
OPTIONS = (
    "--loop",
    "uvloop",
    # httptools, with a cap on connections and a timeout for the request head (server.protocol,
    # server.limits): uvicorn has neither for a connection that sends nothing.
    "--http",
    HTTP_PROTOCOL,
    # A connection idle between requests is closed after 5 s: a browser on the LAN opens a new
    # one in a millisecond, and an idle one holds a descriptor.
    "--timeout-keep-alive",
    "5",
    "--ws",
    "websockets-sansio",
    # Django has no lifespan handler; uvicorn would say so at every start.
    "--lifespan",
    "off",
    # Each socket would deflate every frame on its own: N compressions of one broadcast, for a
    # LAN that does not need the bytes saved.
    "--ws-per-message-deflate",
    "false",
    # Browsers send pings and resumes of a few dozen bytes; nothing needs megabytes.
    "--ws-max-size",
    "65536",
    # Clients connect directly: an X-Forwarded-For from a local process is not believed.
    "--no-proxy-headers",
    # On SIGTERM, sockets are closed 1012 (the browsers reconnect); requests get 5 s to finish.
    "--timeout-graceful-shutdown",
    "5",
)


def server_argv(
    address: str, port: int, *, python: str = sys.executable, app: str = ASGI_APPLICATION
) -> list[str]:
    """uvicorn serving TallySync (or a benchmark's `app`) on `address`:`port`, whatever the
    current directory."""
    return [
        python,
        "-m",
        "uvicorn",
        app,
        "--host",
        address,
        "--port",
        str(port),
        "--app-dir",
        str(ROOT),
        *OPTIONS,
    ]
