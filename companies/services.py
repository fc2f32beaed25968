"""Writes on companies and memberships; every service records a Change in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from companies.models import Company, Membership
from companies.snapshots import company_snapshot, membership_snapshot
from core.errors import Invalid, NotAllowed, StaleVersion
from core.validation import clean_gstin, clean_text, parse_int
from editlog.services import change_record

Role = Membership.Role


def company_lock(*, company_id: int) -> Company:
    """The company row, locked until the end of the caller's transaction (no-op on SQLite).

    On SQLite the IMMEDIATE transaction already holds the database write lock.
    """
    return Company.objects.select_for_update().get(pk=company_id)


def membership_require(
    *, company: Company, actor: AbstractBaseUser, roles: tuple[str, ...] = (Role.OWNER,)
) -> Membership:
    """The actor's membership if its role is one of `roles`; raises NotAllowed otherwise."""
    membership = Membership.objects.filter(company=company, user_id=actor.pk).first()
    if membership is None or membership.role not in roles:
        role = membership.get_role_display().lower() if membership else "not a member"
        raise NotAllowed(f"You are {role} in {company.name}; this needs {' or '.join(roles)}.")
    return membership


def writer_require(*, company: Company, actor: AbstractBaseUser) -> Membership:
    """Owners and accountants write the books; viewers only read them."""
    return membership_require(company=company, actor=actor, roles=(Role.OWNER, Role.ACCOUNTANT))


def version_bump(*, obj: Model, version: Any, actor: AbstractBaseUser) -> None:
    """Move `obj` (a voucher or ledger) to its next version if it is still at `version` — the
    lost-update guard, even for a lock holder whose lease ran out. Raises StaleVersion (409)
    naming who altered it and when, or Invalid for a missing version."""
    try:
        version = parse_int(version, message="Send the version you read.")
    except ValueError as exc:
        raise Invalid.field("version", str(exc)) from None
    model = type(obj)
    bumped = model.objects.filter(pk=obj.pk, version=version).update(
        version=F("version") + 1, altered_by=actor
    )
    if not bumped:
        current = model.objects.select_related("altered_by").get(pk=obj.pk)
        raise StaleVersion(
            current_version=current.version,
            altered_by=current.altered_by.get_username() if current.altered_by else None,
            altered_at=current.altered_at,
        )
    obj.version = version + 1  # type: ignore[attr-defined]
    obj.altered_by = actor  # type: ignore[attr-defined]


def _financial_year_start(today: dt.date) -> dt.date:
    year = today.year if today.month >= 4 else today.year - 1
    return dt.date(year, 4, 1)


def company_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    address: str = "",
    state: str = "",
    gstin: str = "",
    financial_year_start: dt.date | None = None,
    books_beginning: dt.date | None = None,
) -> Company:
    """Create a company owned by `actor`, seeded with Tally's groups, ledgers and voucher types."""
    from ledgers.services import ledgers_seed
    from vouchers.services import voucher_types_seed

    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    gstin = clean_gstin(gstin, errors=errors)
    fy_start = financial_year_start or _financial_year_start(timezone.localdate())
    books = books_beginning or fy_start
    if books < fy_start:
        errors.setdefault("books_beginning", []).append(
            "Books cannot begin before the financial year does."
        )
    if errors:
        raise Invalid(errors)
    with transaction.atomic(durable=True):
        company = Company.objects.create(
            name=name,
            address=address.strip(),
            state=state.strip(),
            gstin=gstin,
            financial_year_start=fy_start,
            books_beginning=books,
        )
        Membership.objects.create(user=actor, company=company, role=Role.OWNER)
        ledgers_seed(company=company)
        voucher_types_seed(company=company)
        change_record(
            company=company,
            actor=actor,
            verb="create",
            obj=company,
            before=None,
            after=company_snapshot(company),
        )
    return company


def _owners_left_after(company: Company, membership: Membership) -> int:
    return (
        Membership.objects.filter(company=company, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


def member_set(
    *, company: Company, actor: AbstractBaseUser, username: str, role: str
) -> Membership:
    """Owner adds an existing user with `role`, or changes a member's role; the last owner stays."""
    if role not in Role.values:
        raise Invalid.field("role", f"Choose one of: {', '.join(Role.values)}.")
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        membership_require(company=company, actor=actor)  # before saying who exists
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise Invalid.field("username", f"There is no user called {username!r}.")
        membership = Membership.objects.filter(company=company, user=user).first()
        before = membership_snapshot(membership) if membership else None
        if membership is None:
            membership = Membership.objects.create(company=company, user=user, role=role)
        elif membership.role != role:
            if membership.is_owner and not _owners_left_after(company, membership):
                raise Invalid.field("role", "A company needs at least one owner.")
            membership.role = role
            membership.save(update_fields=["role"])
        else:
            return membership
        change_record(
            company=company,
            actor=actor,
            verb="alter" if before else "create",
            obj=membership,
            before=before,
            after=membership_snapshot(membership),
        )
    return membership


def member_remove(*, company: Company, actor: AbstractBaseUser, username: str) -> None:
    """Owner removes a member; the last owner cannot be removed."""
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        membership_require(company=company, actor=actor)
        membership = (
            Membership.objects.filter(company=company, user__username=username)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise Invalid.field("username", f"{username} is not a member of {company.name}.")
        if membership.is_owner and not _owners_left_after(company, membership):
            raise Invalid.field("username", "A company needs at least one owner.")
        before = membership_snapshot(membership)
        change_record(
            company=company, actor=actor, verb="delete", obj=membership, before=before, after=None
        )
        membership.delete()


def first_run_setup(
    *,
    username: str,
    password: str,
    company_name: str,
    financial_year_start: dt.date | None = None,
) -> tuple[AbstractBaseUser, Company]:
    """First run only: create the owner account (staff, superuser) and the first company.

    Raises Invalid with messages per field, or NotAllowed once any user exists.
    """
    User = get_user_model()
    if User.objects.exists():
        raise NotAllowed("TallySync is already set up: sign in instead.")
    errors: dict[str, list[str]] = {}
    username = clean_text(username, field="username", max_length=150, errors=errors, required=True)
    clean_text(company_name, field="company_name", max_length=200, errors=errors, required=True)
    try:
        validate_password(password, User(username=username))
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        # Two first-run forms sent at once: the second waits here, then finds the first owner.
        # (SQLite's IMMEDIATE transaction already takes the write lock at BEGIN.)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {User._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        if User.objects.exists():
            raise NotAllowed("TallySync is already set up: sign in instead.")
        user = User.objects.create_superuser(username=username, password=password)
    company = company_create(
        actor=user, name=company_name, financial_year_start=financial_year_start
    )
    return user, company
