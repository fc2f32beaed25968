"""A progress line for the backup and restore commands: rewritten in place on a terminal,
silent otherwise (a cron job's log gets the result lines only)."""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper


class ProgressLine:
    """`progress(done, total, what)` as backups.archive.Progress calls it."""

    def __init__(self, stream: OutputWrapper, label: str) -> None:
        self.stream, self.label, self.shown = stream, label, 0.0
        self.live = stream.isatty()

    def __call__(self, done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if not self.live or (now - self.shown < 0.2 and done < total):
            return
        self.shown = now
        share = f"{100 * done // total:3d}%" if total else "   "
        self.stream.write(
            f"\r{self.label}: {share} {done:,} of {total:,} rows {what:<24}", ending=""
        )
        self.stream.flush()

    def end(self) -> None:
        if self.live and self.shown:
            self.stream.write("\r" + " " * 79 + "\r", ending="")
            self.stream.flush()
