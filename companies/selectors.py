"""Reads of companies and memberships, shared by views and the socket consumer."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from companies.models import Membership


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
