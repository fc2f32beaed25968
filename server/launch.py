"""The command line that serves TallySync: uvicorn, as `manage.py serve`, the browser tests, the
multi-process tests and `bench/fanout.py` all start it. A leaf: no Django import, so the bench
can build the same command line without setting Django up.

uvicorn with uvloop, httptools and websockets (sans-I/O) replaced daphne as the default server
(why: bench/README.md, `daphne_over_uvicorn`). Each choice is named rather than left to
uvicorn's "auto". uvloop and httptools are C extensions that uvloop does not build for Windows:
where one is missing the server runs on asyncio's own loop, or h11's parser (both ship with
Python and uvicorn), and `serve` says so at start. daphne, the server the Channels
documentation names, stays a choice (`serve --server daphne`): the same application, without
uvicorn's connection caps and request timeout (server.protocol) and in one process only.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

ASGI_APPLICATION = "tallysync.asgi:application"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("uvicorn", "websockets")  # what uvicorn's OPTIONS below need
FASTER = ("uvloop", "httptools")  # what makes it faster where installed (else the fallbacks)
SERVERS = {"uvicorn": PACKAGES, "daphne": ("daphne",)}  # each server, and what it needs
HTTP_PROTOCOLS = {  # uvicorn imports it, with --app-dir
    "httptools": "server.protocol:LimitedHttpToolsProtocol",
    "h11": "server.protocol:LimitedH11Protocol",
}
HTTP_PROTOCOL = HTTP_PROTOCOLS["httptools"]
OPTIONS = (
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


def installed(module: str) -> bool:
    """Whether `module` can be imported in this Python (without importing it)."""
    return importlib.util.find_spec(module) is not None


def loop_and_http(found: Callable[[str], bool] = installed) -> tuple[str, str]:
    """uvicorn's --loop and --http: uvloop and httptools (with server.protocol's limits) where
    installed, else asyncio's loop and h11 (with the same limits)."""
    loop = "uvloop" if found("uvloop") else "asyncio"
    http = HTTP_PROTOCOLS["httptools" if found("httptools") else "h11"]
    return loop, http


def fallbacks(found: Callable[[str], bool] = installed) -> list[str]:
    """What `serve` tells the operator when the faster parts are missing."""
    said = {
        "uvloop": "uvloop not installed: serving on asyncio's own event loop (slower with many "
        "open pages; uvloop is not made for Windows)",
        "httptools": "httptools not installed: parsing HTTP with h11 (pure Python, slower)",
    }
    return [said[module] for module in FASTER if not found(module)]


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
    found: Callable[[str], bool] = installed,
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
    loop, http = loop_and_http(found)
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
        *("--loop", loop, "--http", http),
        *OPTIONS,
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
