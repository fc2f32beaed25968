"""What an import says at the end: Tally's own counters, and a line per refused object."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import Invalid


@dataclass
class Result:
    """Tally's import counters, and a line per refused object (and per thing done that the
    file did not ask for in so many words, such as a ledger it used but did not define)."""

    created: int = 0
    altered: int = 0
    deleted: int = 0
    ignored: int = 0
    errors: int = 0
    cancelled: int = 0
    lines: list[str] = field(default_factory=list)
    not_read: dict[str, int] = field(default_factory=dict)

    def refuse(self, what: str, reason: str) -> None:
        self.errors += 1
        self.lines.append(f"Refused {what}: {reason}")

    def note(self, line: str) -> None:
        self.lines.append(line)

    def counters(self) -> dict[str, int]:
        names = ("created", "altered", "deleted", "ignored", "errors", "cancelled")
        return {name: getattr(self, name) for name in names}


def messages_of(refusal: Invalid) -> str:
    """A refusal's messages as one line of the report."""
    return " ".join(m for messages in refusal.errors.values() for m in messages)
