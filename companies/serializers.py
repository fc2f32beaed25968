"""Companies as the API shows them."""

from __future__ import annotations

from typing import Any

from companies.models import Company
from companies.snapshots import company_snapshot


def company_json(company: Company, role: str | None = None) -> dict[str, Any]:
    """The company as the API shows it: what the Edit Log keeps, its last seq and your role."""
    data = {**company_snapshot(company), "last_seq": company.last_seq}
    if role:
        data["role"] = role
    return data
