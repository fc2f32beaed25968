"""The company a page is about and the viewer's membership of it, for every company page."""

from typing import Any

from django.http import HttpRequest


def company(request: HttpRequest) -> dict[str, Any]:
    """`company` and `membership` where `member_view` admitted the request; nothing elsewhere."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {"company": membership.company, "membership": membership}
