"""User accounts in the browser (the Users page): who may manage whom, and the services that
create a user, reset a password and deactivate or reactivate an account.

Who: the server's administrators — superusers, and staff with the admin's own permissions on
users (auth.add_user and auth.change_user, as the admin's Users page asks) — manage every
account; only a superuser touches a superuser's. A company owner who is neither manages the
members of the companies they own: they create a user straight into one of their companies,
and reset or deactivate a user only while every company that user belongs to is one they own
(someone who also keeps another company's books is that company's business too). Nobody
deactivates themselves. Accounts are deactivated, never deleted: the Edit Log keeps who did
what (its actors are PROTECTed). Users are not a company's record, so their writes are not in
a company's Edit Log; a user made into a company joins it through the company's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet

from books.forms import UserDraft
from books.services import membership_put
from companies.access import OWNERS
from companies.auth import tokens_delete
from companies.models import ApiToken, Company, Membership
from companies.signals import tokens_revoked
from core.errors import Invalid, NotAllowed, found
from editlog.write import company_write

Role = Membership.Role
NOT_FOR_YOU = "The Users page is for company owners and the server's administrators."


def is_administrator(actor: AbstractBaseUser) -> bool:
    """A superuser, or staff holding the admin's permissions to add and change users."""
    return bool(
        actor.is_active
        and (
            actor.is_superuser
            or (actor.is_staff and actor.has_perms(["auth.add_user", "auth.change_user"]))
        )
    )


def companies_owned(actor: AbstractBaseUser) -> QuerySet[Company]:
    return Company.objects.filter(
        memberships__user_id=actor.pk, memberships__role=Role.OWNER
    ).order_by("name", "pk")


def users_page_require(actor: AbstractBaseUser) -> None:
    """NotAllowed (403) unless `actor` is an administrator or owns a company."""
    if not actor.is_authenticated or not (
        is_administrator(actor) or companies_owned(actor).exists()
    ):
        raise NotAllowed(NOT_FOR_YOU)


@dataclass(frozen=True)
class UserListed:
    """One line of the Users page: the account, its companies and roles (those the viewer may
    see), and whether the viewer may reset or deactivate it."""

    user: AbstractUser
    memberships: list[Membership]
    manageable: bool


def users_for(actor: AbstractBaseUser) -> list[UserListed]:
    """The accounts `actor` sees: every one for an administrator; for an owner, the members of
    the companies they own (only those memberships). Two queries."""
    users_page_require(actor)
    User = get_user_model()
    admin = is_administrator(actor)
    memberships = Membership.objects.select_related("company").order_by("company__name")
    if admin:
        users = list(User.objects.order_by("username"))
    else:
        owned = set(companies_owned(actor).values_list("pk", flat=True))
        memberships = memberships.filter(company_id__in=owned)
        users = list(User.objects.filter(membership__company_id__in=owned).distinct())
        users.sort(key=lambda user: user.get_username())
    ids = {user.pk for user in users}
    shown: dict[int, list[Membership]] = {pk: [] for pk in ids}
    for membership in memberships.filter(user_id__in=ids):
        shown[membership.user_id].append(membership)
    return [
        UserListed(user=user, memberships=shown[user.pk], manageable=_may_manage(actor, user))
        for user in users
    ]


def _may_manage(actor: AbstractBaseUser, user: AbstractUser) -> bool:
    try:
        _manage_require(actor, user)
    except NotAllowed:
        return False
    return True


def _manage_require(actor: AbstractBaseUser, user: AbstractUser) -> None:
    """NotAllowed unless `actor` may reset `user`'s password or (de)activate the account."""
    if user.is_superuser and not actor.is_superuser:
        raise NotAllowed(f"Only a superuser changes {user.get_username()}'s account.")
    if is_administrator(actor):
        return
    if user.is_staff:
        raise NotAllowed(f"{user.get_username()} is staff: ask the server's administrator.")
    owned = set(companies_owned(actor).values_list("pk", flat=True))
    theirs = set(Membership.objects.filter(user=user).values_list("company_id", flat=True))
    if not theirs & owned:
        raise NotAllowed(NOT_FOR_YOU)  # not a member of the actor's companies: as if not there
    if theirs - owned:
        raise NotAllowed(
            f"{user.get_username()} also keeps books of a company you do not own: ask the "
            "server's administrator."
        )


def _user_for(actor: AbstractBaseUser, user_id: int) -> AbstractUser:
    """The account `actor` names, if they may see it (a 404 otherwise, as for none)."""
    users_page_require(actor)
    User = get_user_model()
    users = User.objects.all()
    if not is_administrator(actor):
        users = users.filter(membership__company__in=companies_owned(actor)).distinct()
    return found(users, pk=user_id)


def _signed_out(user: AbstractUser) -> None:
    """In the caller's transaction: the user's API tokens go, and once it commits every socket
    of theirs is checked again at once (a changed password or an inactive account fails)."""
    tokens_delete(tokens=ApiToken.objects.filter(user_id=user.pk))
    send = partial(tokens_revoked.send, sender=ApiToken, user_id=user.pk)
    transaction.on_commit(send, robust=True)


def _password_check(password: str, user: AbstractBaseUser) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid({"password": list(exc.messages)}) from None


def user_create(*, actor: AbstractBaseUser, draft: UserDraft) -> AbstractUser:
    """A new active user with a password that passes the server's password validators; an
    owner's new user joins one of the owner's companies in the same save (a Change in its Edit
    Log). Invalid (name taken, weak password, no company for an owner) or NotAllowed."""
    users_page_require(actor)
    User = get_user_model()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=draft.username).exists():
        errors["username"] = [f"A user called {draft.username} already exists."]
    if draft.company_id is None and not is_administrator(actor):
        errors["company"] = ["Choose the company the new user joins: one you own."]
    try:
        _password_check(draft.password, User(username=draft.username))
    except Invalid as exc:
        errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    if draft.company_id is None:
        with transaction.atomic(durable=True):
            return User.objects.create_user(username=draft.username, password=draft.password)
    company = found(Company.objects, pk=draft.company_id)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        user = User.objects.create_user(username=draft.username, password=draft.password)
        membership_put(work, user=user, role=draft.role)
    return user


def user_password_set(*, actor: AbstractBaseUser, user_id: int, password: str) -> AbstractUser:
    """Give the user a new password (the validators'); their sessions and API tokens stop
    working, and the sockets opened with them close. NotFound, NotAllowed or Invalid."""
    user = _user_for(actor, user_id)
    _manage_require(actor, user)
    _password_check(password, user)
    with transaction.atomic(durable=True):
        user.set_password(password)
        user.save(update_fields=["password"])
        _signed_out(user)
    return user


def _last_active_owner_of(user: AbstractUser) -> Company | None:
    """A company `user` is the only active owner of, if any."""
    for membership in Membership.objects.filter(user=user, role=Role.OWNER).select_related(
        "company"
    ):
        others = Membership.objects.filter(
            company_id=membership.company_id, role=Role.OWNER, user__is_active=True
        ).exclude(user=user)
        if not others.exists():
            return membership.company
    return None


def user_active_set(*, actor: AbstractBaseUser, user_id: int, active: bool) -> AbstractUser:
    """Deactivate an account (it can no longer sign in; its sessions, tokens and sockets end)
    or activate it again. Never oneself, nor a company's last active owner. Nothing is
    deleted: the Edit Log keeps the user's name on what they did."""
    user = _user_for(actor, user_id)
    _manage_require(actor, user)
    if not active and user.pk == actor.pk:
        raise Invalid.field("__all__", "You cannot deactivate yourself.")
    if not active and (company := _last_active_owner_of(user)) is not None:
        raise Invalid.field(
            "__all__",
            f"{user.get_username()} is the only active owner of {company.name}: make someone "
            "else its owner first.",
        )
    with transaction.atomic(durable=True):
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            _signed_out(user)
    return user
