"""A slow socket is cut off rather than slowing the office; one process owns the memory layer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from asgiref.sync import async_to_sync

from sync import protocol
from sync.consumers import CompanyConsumer


def test_a_socket_whose_inbox_is_full_is_closed_to_resume():
    closed: list[int] = []

    async def scenario():
        consumer = CompanyConsumer()
        consumer.company_id = 1
        consumer.inbox = asyncio.Queue(maxsize=2)

        async def close(code=None):
            closed.append(code)

        consumer.close = close
        for seq in (1, 2, 3):  # nobody drains: the third frame overflows
            consumer.deliver(seq, "{}")
        await asyncio.sleep(0)
        return consumer.inbox.qsize()

    assert async_to_sync(scenario)() == 2
    assert closed == [protocol.CLOSE_TOO_SLOW]


def test_a_second_process_on_the_in_memory_layer_is_refused(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys
        os.environ["TALLYSYNC_VAR_DIR"] = sys.argv[1]
        os.environ.pop("REDIS_URL", None)
        import django
        os.environ["DJANGO_SETTINGS_MODULE"] = "tallysync.settings"
        django.setup()
        from sync.layers import claim_single_process
        claim_single_process()
        print("claimed", flush=True)
        sys.stdin.read()
        """
    )
    first = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().strip() == "claimed"
        second = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "Another TallySync server process is already running" in second.stderr
    finally:
        first.communicate(input="", timeout=30)
