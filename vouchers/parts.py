"""A voucher's parts kept by the apps above vouchers — an invoice's GST details, its stock
lines: each app registers how its part is read (`voucher_part_register`, in its
AppConfig.ready), and the voucher's snapshot — the Edit Log, the API, a copy restore — shows it
under the part's name. The app writes its part inside the voucher's own save: `voucher_post`
and `voucher_repost` take a `PartWrite`, called once the voucher and its entries are written,
whose answer (the part as written) goes into the voucher's Change. `vouchers` names no app
above it: the layers stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vouchers.models import Voucher

# Writes the caller's rows for a voucher (inside the save's unit of work) and answers them as
# the voucher's snapshot shows them: `{name: part}`, or `{}` when the voucher has none.
PartWrite = Callable[[Voucher], dict[str, Any]]


@dataclass(frozen=True)
class VoucherPart:
    """`name`: the key in the voucher's snapshot ("gst", "items"; a word). `read`: voucher ids
    to the part's snapshot of each voucher that has one (one query for all of them); only the
    vouchers whose save wrote the part are read for it (`Voucher.part_names`). `refresh`: the
    page regions a Change of a voucher with the part (before or after) makes stale, such as
    the open Stock Summary for stock lines (`vouchers.live` adds them to the Change's frame)."""

    name: str
    read: Callable[[list[int]], dict[int, Any]]
    refresh: tuple[str, ...] = ()


_parts: dict[str, VoucherPart] = {}


def voucher_part_register(part: VoucherPart) -> VoucherPart:
    """Add a part (registering a name again replaces it, as a test app's reload does)."""
    _parts[part.name] = part
    return part


def part_regions(*snapshots: dict[str, Any]) -> list[str]:
    """The regions the registered parts in these snapshots of a voucher make stale."""
    return [
        region
        for part in _parts.values()
        if any(snapshot.get(part.name) for snapshot in snapshots)
        for region in part.refresh
    ]


def voucher_parts_read(vouchers: Iterable[Voucher]) -> dict[int, dict[str, Any]]:
    """The registered parts of these vouchers, per voucher id (a voucher with none is absent):
    one read per part some of them keep (`Voucher.part_names`), none for plain vouchers. A
    cancelled voucher shows none: it keeps its part's rows (a cancelled invoice still counts in
    GSTR-1's Documents Issued), which readers of stock or tax leave out as they leave out its
    amounts."""
    found: dict[int, dict[str, Any]] = {}
    if not _parts:
        return found
    vouchers = list(vouchers)
    for part in _parts.values():
        ids = [v.pk for v in vouchers if not v.is_cancelled and part.name in v.parts_kept]
        if not ids:
            continue
        for voucher_id, shown in part.read(ids).items():
            found.setdefault(voucher_id, {})[part.name] = shown
    return found


@dataclass(frozen=True)
class VoucherBody:
    """A voucher body another app posts on the vouchers' own JSON and form endpoints (an item
    invoice with "items", a tax invoice with "tax_lines"): the key that marks it, the part its
    vouchers keep (`VoucherPart.name`), and the app's services, which take the same keyword
    arguments as `voucher_create` (company, actor, data, request_key) and `voucher_alter`
    (company, voucher, actor, data, version, request_key)."""

    key: str
    part: str
    create: Callable[..., Voucher]
    alter: Callable[..., Voucher]


_bodies: dict[str, VoucherBody] = {}


def voucher_body_register(body: VoucherBody) -> VoucherBody:
    """Add a body (registering a key again replaces it)."""
    _bodies[body.key] = body
    return body


def voucher_body_of(data: Any, voucher: Voucher | None = None) -> VoucherBody | None:
    """The registered body that posts `data`: the one whose key `data` has; else, for an
    alteration, the one whose part the voucher keeps (so that a voucher made by an app is
    altered by that app, whatever the body sends); None: a plain voucher."""
    if not _bodies:
        return None
    if isinstance(data, dict):
        for body in _bodies.values():
            if body.key in data:
                return body
    if voucher is not None:
        kept = voucher_parts_read([voucher]).get(voucher.pk, {})
        for body in _bodies.values():
            if body.part in kept:
                return body
    return None
