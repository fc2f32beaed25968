"""`{% history_url voucher %}`: the Edit Log of one object, for "History" links on any page."""

from __future__ import annotations

from django import template
from django.db.models import Model
from django.urls import reverse

from companies.models import Company

register = template.Library()


@register.simple_tag
def history_url(obj: Model) -> str:
    """/c/<cid>/editlog/?object=voucher:17 — the object's Changes, newest first."""
    company_id = obj.pk if isinstance(obj, Company) else obj.company_id  # type: ignore[attr-defined]
    return f"{reverse('editlog', args=[company_id])}?object={obj._meta.model_name}:{obj.pk}"
