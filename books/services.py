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
from django.db.models import Min
from django.utils import timezone

from books.forms import (
    BOOKS_BEFORE_YEAR,
    FY_FIRST_DAY,
    CompanyDraft,
    CompanyForm,
    GstRegistrationDraft,
    company_draft,
    gst_registration_draft,
)
from companies.access import OWNERS, company_creation_require
from companies.models import Company, GstRegistration, Membership
from companies.snapshots import company_snapshot, gst_registration_snapshot, membership_snapshot
from core.errors import Invalid, NotAllowed, Parsed, found
from core.validation import clean_gstin, clean_text, parse_flag
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_founding, company_write
from inventory.services import godowns_seed
from ledgers.models import ClosingStock
from ledgers.services import ledgers_seed
from vouchers.models import Voucher
from vouchers.services import voucher_types_seed

Role = Membership.Role


def _financial_year_start(today: dt.date) -> dt.date:
    year = today.year if today.month >= 4 else today.year - 1
    return dt.date(year, 4, 1)


def financial_year_start_now() -> dt.date:
    """1 April of the financial year we are in: a new company's year unless told otherwise."""
    return _financial_year_start(timezone.localdate())


def company_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    address: str = "",
    state: str = "",
    gstin: str = "",
    financial_year_start: dt.date | None = None,
    books_beginning: dt.date | None = None,
    mailing_name: str = "",
    pin: str = "",
    pan: str = "",
) -> Company:
    """Create a company owned by `actor`, seeded with Tally's groups, ledgers, voucher types
    and its Main Location godown.
    NotAllowed unless the actor may create companies (ServerConfig.company_creation)."""
    company_creation_require(actor=actor)
    errors: dict[str, list[str]] = {}
    name = clean_text(name, field="name", max_length=200, errors=errors, required=True)
    # A TextField has no length of its own: 1000 characters is a long postal address and
    # still fits the invoice header and the dashboard. The state's is its column's.
    address = clean_text(address, field="address", max_length=1000, errors=errors, multiline=True)
    state = clean_text(state, field="state", max_length=100, errors=errors)
    gstin = clean_gstin(gstin, errors=errors)
    mailing_name = clean_text(mailing_name, field="mailing_name", max_length=200, errors=errors)
    pin, pan = (_field_clean(f, v, errors) for f, v in (("pin", pin), ("pan", pan)))
    fy_start = financial_year_start or _financial_year_start(timezone.localdate())
    books = books_beginning or fy_start
    if fy_start.day != 1:
        errors.setdefault("financial_year_start", []).append(FY_FIRST_DAY)
    if books < fy_start:
        errors.setdefault("books_beginning", []).append(BOOKS_BEFORE_YEAR)
    if errors:
        raise Invalid(errors)
    with transaction.atomic(durable=True):
        company = Company.objects.create(
            name=name,
            mailing_name=mailing_name,
            pin=pin,
            pan=pan,
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
            godowns_seed(company=company)
            work.record("create", company, before=None)
    return company


def _field_clean(name: str, value: Any, errors: dict[str, list[str]]) -> str:
    try:
        return CompanyForm.base_fields[name].clean(value)
    except DjangoValidationError as exc:
        errors.setdefault(name, []).extend(exc.messages)
        return ""


# Tally's company features (F11) a company may switch, as the API and the form name them.
FEATURES = ("warn_negative_cash", "integrate_inventory", "refuse_negative_stock")


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


def _earliest_dated(company: Company) -> dt.date | None:
    """The earliest day of a voucher or a closing stock value of `company`."""
    days = [
        model.objects.filter(**where).aggregate(first=Min("date"))["first"]
        for model, where in (
            (Voucher, {"company": company}),
            (ClosingStock, {"ledger__company": company}),
        )
    ]
    return min((day for day in days if day), default=None)


def _alteration_check(company: Company, draft: CompanyDraft) -> None:
    """Rules that need the books: the books may not begin after a voucher's date, and the
    year's first day stays once vouchers are numbered and closed by it."""
    earliest = _earliest_dated(company)
    if earliest is None:
        return
    errors: dict[str, list[str]] = {}
    if draft.books_beginning > earliest:
        errors["books_beginning"] = [
            f"Entries are dated from {earliest:%d-%b-%Y}: the books cannot begin after that "
            "day. Alter or delete those entries first."
        ]
    old, new = company.financial_year_start, draft.financial_year_start
    if (old.month, old.day) != (new.month, new.day):
        errors["financial_year_start"] = [
            f"Entries exist: the financial year keeps beginning on {old:%d-%b} (their numbers "
            "and each year's results follow it)."
        ]
    if errors:
        raise Invalid(errors)


def company_alter(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: RequestKey | None = None,
) -> Company:
    """Owners alter the company's particulars (Tally's Company Alteration) read at `version`.
    Raises Invalid, NotAllowed, Locked (423) or StaleVersion (409); records a Change and lets
    go of the actor's edit lock."""
    draft = Parsed(company_draft, data=data)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        company = work.company
        work.guard(company)
        before = company_snapshot(company)
        _alteration_check(company, draft.get())
        work.bump(company, version)
        given = draft.get().given()
        for name, value in given.items():
            setattr(company, name, value)
        company.altered_at = timezone.now()
        company.save(update_fields=[*given, "altered_at"])
        company.change = work.record(  # type: ignore[attr-defined]
            "alter", company, before=before, request_key=request_key
        )
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
        # The owner's check (above) comes before saying who exists. Unknown and inactive names
        # get the same answer: it tells no more than that this name cannot be added
        # (docs/security.md, "Companies and members").
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise Invalid.field("username", unaddable(username))
        return membership_put(work, user=user, role=role)


def membership_put(work: UnitOfWork, *, user: AbstractBaseUser, role: str) -> Membership:
    """In an owner's unit of work: `user` joins the company with `role`, or takes `role`
    there; the last owner stays. Records a Change when something changed."""
    company = work.company
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
    company_name: str = "",
    financial_year_start: dt.date | None = None,
    company: Parsed[CompanyDraft] | None = None,
) -> tuple[AbstractBaseUser, Company]:
    """First run only: create the owner account (staff, superuser) and the first company: by
    name (and year), or with the particulars Tally's Company Creation asks (`company`, a parsed
    CompanyDraft whose messages join the account's).

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
    if company is None:
        clean_text(company_name, field="company_name", max_length=200, errors=errors, required=True)
    else:
        try:
            company.get()
        except Invalid as exc:
            errors.update(exc.errors)
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
    if company is None:
        made = company_create(
            actor=user, name=company_name, financial_year_start=financial_year_start
        )
    else:
        made = company_create(actor=user, **company.get().given())
    return user, made


# -- GST registrations --------------------------------------------------------------------------


def _registration_check(
    company: Company, draft: GstRegistrationDraft, *, current: GstRegistration | None = None
) -> None:
    """A GSTIN once per company, and of the company's PAN when it has one (a GSTIN holds its
    PAN in characters 3 to 12). Invalid names the field."""
    gstin = draft.gstin
    if not gstin:
        return
    clash = GstRegistration.objects.filter(company=company, gstin=gstin)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise Invalid.field("gstin", f"{company.name} has the GSTIN {gstin} already.")
    is_uin = gstin[2:4].isdigit()  # a UN body's or embassy's UIN holds no PAN
    if company.pan and not is_uin and gstin[2:12] != company.pan:
        raise Invalid.field(
            "gstin", f"The GSTIN {gstin} holds the PAN {gstin[2:12]}, not {company.pan}."
        )


def gst_registration_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: Any,
    request_key: RequestKey | None = None,
) -> GstRegistration:
    """Owners add a GST registration to the company (GSTIN, type, valid from; its state is the
    GSTIN's first two digits). Raises Invalid or NotAllowed; records a Change."""
    draft = Parsed(gst_registration_draft, data=data)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        checked = draft.get()
        _registration_check(work.company, checked)
        registration = GstRegistration(company=work.company, altered_by=actor, **checked.given())
        registration.state_code = registration.gstin[:2]
        registration.save()
        registration.change = work.record(  # type: ignore[attr-defined]
            "create", registration, before=None, request_key=request_key
        )
    return registration


def gst_registration_alter(
    *,
    company: Company,
    registration: GstRegistration,
    actor: AbstractBaseUser,
    data: Any,
    version: Any,
    request_key: RequestKey | None = None,
) -> GstRegistration:
    """Owners alter a registration read at `version` (what is not sent stays). Raises Invalid,
    NotAllowed or StaleVersion; records a Change."""
    draft = Parsed(gst_registration_draft, data=data, partial=True)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        registration = found(GstRegistration.objects.filter(company=work.company),
                             pk=registration.pk)  # fmt: skip
        before = gst_registration_snapshot(registration)
        checked = draft.get()
        _registration_check(work.company, checked, current=registration)
        work.bump(registration, version)
        for name, value in checked.given().items():
            setattr(registration, name, value)
        registration.state_code = registration.gstin[:2]
        registration.save()
        registration.change = work.record(  # type: ignore[attr-defined]
            "alter", registration, before=before, request_key=request_key
        )
    return registration
