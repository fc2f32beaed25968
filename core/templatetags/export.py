"""A report page's links to its files: the page's own query with `format` set."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context: dict[str, Any], fmt: str) -> str:
    """`?from=…&to=…&format=xlsx`: this page's report as a file (a statement's page offset
    left out: the file holds every line)."""
    query = context["request"].GET.copy()
    query.pop("offset", None)
    query["format"] = fmt
    return "?" + query.urlencode()
