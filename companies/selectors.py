"""Reads of companies and memberships, shared by views and the socket consumer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from companies.models import Company, Membership
from companies.snapshots import company_snapshot


def company_json(company: Company, role: str | None = None) -> dict[str, Any]:
    """The company as the API shows it: what the Edit Log keeps, its last seq and your role."""
    data = {**company_snapshot(company), "last_seq": company.last_seq}
    if role:
        data["role"] = role
    return data


def membership_get(*, user: AbstractBaseUser, company_id: int) -> Membership | None:
    """The user's membership of the company, with the company; None for a non-member."""
    return (
        Membership.objects.select_related("company")
        .filter(user_id=user.pk, company_id=company_id)
        .first()
    )


def memberships_of_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("company")
        .filter(user_id=user.pk)
        .order_by("company__name", "company_id")
    )


def memberships_of_company(*, company_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user")
        .filter(company_id=company_id)
        .order_by("user__username")
    )
