"""Writes on companies and memberships, above ledgers and vouchers: a new company comes with
Tally's chart and voucher types. Every service writes through one unit of work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.utils import timezone

from companies.access import OWNERS, company_creation_require
from companies.models import Company, Membership
from companies.snapshots import company_snapshot, membership_snapshot
from core.errors import Invalid, NotAllowed, Parsed
from core.validation import clean_gstin, clean_text, parse_flag
from editlog.write import company_founding, company_write
from ledgers.services import ledgers_seed
from vouchers.services import voucher_types_seed

Role = Membership.Role


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
    """Create a company owned by `actor`, seeded with Tally's groups, ledgers and voucher types.
    NotAllowed unless the actor may create companies (ServerConfig.company_creation)."""
    company_creation_require(actor=actor)
    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    # A TextField has no length of its own: 1000 characters is a long postal address and
    # still fits the invoice header and the dashboard. The state's is its column's.
    address = clean_text(address, field="address", max_length=1000, errors=errors, multiline=True)
    state = clean_text(state, field="state", max_length=100, errors=errors)
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
            address=address,
            state=state,
            gstin=gstin,
            financial_year_start=fy_start,
            books_beginning=books,
        )
        Membership.objects.create(user=actor, company=company, role=Role.OWNER)
        with company_founding(company=company, actor=actor) as work:
            ledgers_seed(company=company)
            voucher_types_seed(company=company)
            work.record("create", company, before=None)
    return company


# Tally's company features (F11) a company may switch, as the API and the form name them.
FEATURES = ("warn_negative_cash",)


def _features_parse(data: dict[str, Any]) -> dict[str, bool]:
    """The features `data` sets; Invalid naming each value that is not a yes or no."""
    given, errors = {}, {}
    for name in FEATURES:
        if name in data:
            try:
                given[name] = parse_flag(data[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
    if errors:
        raise Invalid(errors)
    if not given:
        raise Invalid.field("__all__", f"Send one of: {', '.join(FEATURES)}.")
    return given


def company_features_set(
    *, company: Company, actor: AbstractBaseUser, data: dict[str, Any]
) -> Company:
    """Owners switch the company's features (`warn_negative_cash`). Raises Invalid or
    NotAllowed; records a Change when something changed."""
    features = Parsed(_features_parse, data=data)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        company = work.company
        changed = {k: v for k, v in features.get().items() if getattr(company, k) != v}
        if not changed:
            return company
        before = company_snapshot(company)
        for name, value in changed.items():
            setattr(company, name, value)
        company.save(update_fields=list(changed))
        work.record("alter", company, before=before)
    return company


def _owners_left_after(company: Company, membership: Membership) -> int:
    return (
        Membership.objects.filter(company=company, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


def unaddable(username: str) -> str:
    """The one answer for a name that cannot be added, whether or not such an account exists."""
    return f"No user {username!r} can be added: check the name, or ask the server's administrator."


def member_set(
    *, company: Company, actor: AbstractBaseUser, username: str, role: str
) -> Membership:
    """Owner adds an existing user with `role`, or changes a member's role; the last owner stays."""
    if role not in Role.values:
        raise Invalid.field("role", f"Choose one of: {', '.join(Role.values)}.")
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        company = work.company  # the owner's check comes before saying who exists
        # Unknown and inactive names get the same answer: it tells no more than that this name
        # cannot be added (docs/security.md, "Companies and members").
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise Invalid.field("username", unaddable(username))
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
        work.record("alter" if before else "create", membership, before=before)
    return membership


def member_remove(*, company: Company, actor: AbstractBaseUser, username: str) -> None:
    """Owner removes a member; the last owner cannot be removed."""
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        company = work.company
        membership = (
            Membership.objects.filter(company=company, user__username=username)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise Invalid.field("username", f"{username} is not a member of {company.name}.")
        if membership.is_owner and not _owners_left_after(company, membership):
            raise Invalid.field("username", "A company needs at least one owner.")
        work.record("delete", membership, before=membership_snapshot(membership))
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
    if "username" not in errors:
        try:  # the admin's own rule: letters, digits and @.+-_ (no markup, no bidi controls)
            UnicodeUsernameValidator()(username)
        except DjangoValidationError as exc:
            errors["username"] = list(exc.messages)
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
