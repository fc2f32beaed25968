"""The command line that serves TallySync: uvicorn, as `manage.py serve`, the browser tests, the
multi-process tests and `bench/fanout.py` all start it. A leaf: no Django import, so the bench
can build the same command line without setting Django up.

uvicorn with uvloop, httptools and websockets (sans-I/O) replaced daphne as the default server
(why: bench/README.md, `daphne_over_uvicorn`). Each choice is named rather than left to
uvicorn's "auto", so a missing package fails at start instead of quietly running the slow
pure-Python fallback. daphne, the server the Channels documentation names, stays a choice
(`serve --server daphne`): the same application, without uvicorn's connection caps and request
timeout (server.protocol) and in one process only.
"""

from __future__ import annotations

import sys
from pathlib import Path

ASGI_APPLICATION = "tallysync.asgi:application"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("uvicorn", "uvloop", "httptools", "websockets")  # what OPTIONS below name
SERVERS = {"uvicorn": PACKAGES, "daphne": ("daphne",)}  # each server, and what it needs
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


DAPHNE_OPTIONS = (
    # As uvicorn's --ws-max-size: browsers send pings and resumes of a few dozen bytes.
    "--websocket-max-message-size",
    "65536",
    # As uvicorn's graceful shutdown: an application that does not finish in 5 s is stopped.
    "--application-close-timeout",
    "5",
)


def server_argv(
    address: str,
    port: int,
    *,
    server: str = "uvicorn",
    workers: int = 1,
    python: str = sys.executable,
    app: str = ASGI_APPLICATION,
) -> list[str]:
    """`server` serving TallySync (or a benchmark's `app`) on `address`:`port` in `workers`
    processes (uvicorn only: they share the port). uvicorn finds the app whatever the current
    directory; daphne imports it from the current directory, so it must be ROOT."""
    if server == "daphne":
        if workers != 1:
            raise ValueError("daphne serves in one process: use uvicorn for several workers")
        return [python, "-m", "daphne", "-b", address, "-p", str(port), *DAPHNE_OPTIONS, app]
    if server != "uvicorn":
        raise ValueError(f"unknown server {server!r}: {' or '.join(SERVERS)}")
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
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
