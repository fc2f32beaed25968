"""Typed values from the process environment for settings (healthchecks' envbool/envint): an
unset or empty variable is the default, a malformed one stops the start with its name."""

from __future__ import annotations

import os

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE | FALSE:
        raise ValueError(f"{name}={os.environ[name]!r}: use 1 or 0 (or true/false, yes/no)")
    return value in TRUE


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: use a whole number") from None


def env_list(name: str) -> list[str]:
    """A comma-separated variable as a list, blanks dropped (empty when unset)."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
