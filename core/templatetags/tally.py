"""Tally's way of showing things: amounts in Indian grouping with Dr/Cr, dates as 26-Nov-2026,
names kept from reordering their neighbours (`bdi`), and `dom_id`, the one name a page region
has for the page and for live updates alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Model
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.dates import year_start_of
from core.errors import Locked
from core.formatting import bidi_isolated
from core.gst import STATES, RegistrationType
from core.money import format_amount, format_balance, format_signed
from core.validation import APRIL_FIRST

register = template.Library()


@register.filter
def amount(value: Decimal | None) -> str:
    """1,00,000.00 — blank for nothing or zero (Tally leaves an empty column empty)."""
    return format_amount(value) if value else ""


@register.filter
def signed_amount(value: Decimal | None) -> str:
    """1,00,000.00 / (-)250.00 for a contrary amount on a final account's side."""
    return format_signed(value or Decimal(0))


@register.filter
def balance(value: Decimal | None) -> str:
    """1,00,000.00 Dr / 250.00 Cr / 0.00."""
    return format_balance(value or Decimal(0))


@register.filter
def tally_date(value: dt.date | None) -> str:
    return value.strftime("%d-%b-%Y") if value else ""


@register.simple_tag
def date_context(company: Any = None) -> SafeString:
    """The attributes `static/dates.js` reads dates with, the server's own: today, and the first
    day of the current financial year (the company's; 1 April's outside a company), so that a
    typed 15-11 means in the browser what it means to `core.dates.parse_tally_date`."""
    today = timezone.localdate()
    if company:
        year_start = company.financial_year_begins(today)
    else:
        year_start = year_start_of(today, APRIL_FIRST)
    return format_html(
        'data-today="{}" data-year-start="{}"', today.isoformat(), year_start.isoformat()
    )


@register.filter
def bdi(value: Any) -> SafeString:
    """Escaped, inside <bdi>: a name with an RLO (U+202E) or Urdu letters cannot reorder the
    text around it."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolate(value: Any) -> str:
    """Between FSI and PDI if it could reorder its neighbours: for text where no element can go
    (a page's <title>) or that stays one sentence (the lock notice)."""
    return bidi_isolated(str(value))


@register.filter
def lock_notice(locked: Locked) -> str:
    """ "In use by bob since 10:30 — …" with the holder's name isolated."""
    return locked.notice(bidi_isolated)


@register.simple_tag
def dom_id(obj: Model | str, *suffix: Any) -> str:
    """A page region's stable id: "voucher-17", "ledger-4-balance", "day-book-2026-11-26"."""
    base = obj if isinstance(obj, str) else f"{obj._meta.model_name}-{obj.pk}"
    return "-".join([base, *(str(s) for s in suffix)])


@register.simple_tag
def gst_states() -> str:
    """GSTN's state codes and names as JSON, for a GSTIN field that fills its state
    (static/gst.js); autoescaped in the attribute it goes in."""
    return json.dumps(STATES)


@register.simple_tag
def gst_state_names() -> list[str]:
    return list(STATES.values())


@register.simple_tag
def gst_registration_types() -> list[tuple[str, str]]:
    return list(RegistrationType.choices)
