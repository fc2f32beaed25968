"""Reads of companies, memberships and API tokens, shared by views and the socket consumer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from companies.auth import token_expires_at, token_state
from companies.models import ApiToken, Membership


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


@dataclass(frozen=True)
class TokenListed:
    """One line of a user's token list: the token (never its key), when it stops working by
    date, and whether it works now."""

    token: ApiToken
    expires_at: dt.datetime
    state: ApiToken.State


def tokens_of_user(*, user: AbstractBaseUser) -> list[TokenListed]:
    """The user's API tokens, newest first, in one query."""
    now, password_mark = timezone.now(), user.get_session_auth_hash()
    return [
        TokenListed(
            token=token,
            expires_at=token_expires_at(token),
            state=token_state(token, password_mark=password_mark, now=now),
        )
        for token in ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")
    ]
