"""What `manage.py serve` starts (server.launch) does on the wire, against a real server: the
options the command line promises, not just its argv."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.services.servers import Server, WebSocket, books_prepare, free_ports, sqlite_url


def test_the_served_sockets_compress_nothing_and_refuse_oversized_frames(tmp_path: Path) -> None:
    """Per-message deflate is not negotiated even when the browser offers it (each socket would
    compress every broadcast on its own), and a frame over 64 KiB closes that socket (1009)
    while another socket of the same server carries on."""
    books = books_prepare(sqlite_url(tmp_path / "books.sqlite3"), tmp_path)
    server = Server("server", free_ports(1)[0], books.env, tmp_path)
    server.start_and_wait()
    try:
        asyncio.run(scenario(server, books.company_id, books.token))
    finally:
        server.stop()
        print(server.log()[-2000:])


async def scenario(server: Server, company_id: int, token: str) -> None:
    path = f"/ws/c/{company_id}/"
    headers = {
        "Authorization": f"Token {token}",
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    }
    big, other = [await WebSocket.open(server.port, path, headers) for _ in range(2)]
    try:
        assert "sec-websocket-extensions" not in big.handshake, big.handshake
        await big.ping()
        big.send_text("x" * (64 * 1024 + 1))
        await big.wait_until(lambda ws: ws.closed is not None, 10, "the oversized frame's close")
        assert big.closed is not None and big.closed[0] == 1009, big.closed
        assert (await other.ping())["type"] == "pong"
    finally:
        for socket in (big, other):
            await socket.close()
