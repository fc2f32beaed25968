"""Who may do what in a company: owners, accountants and viewers, and the refusal that says so."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from companies.models import Company, Membership
from config.models import CompanyCreation
from config.selectors import config_get
from core.errors import NotAllowed

Role = Membership.Role
OWNERS = (Role.OWNER,)
WRITERS = (Role.OWNER, Role.ACCOUNTANT)  # owners and accountants write the books


def role_refusal(
    *, company: Company, membership: Membership | None, roles: tuple[str, ...]
) -> NotAllowed:
    role = membership.get_role_display().lower() if membership else "not a member"
    return NotAllowed(f"You are {role} in {company.name}; this needs {' or '.join(roles)}.")


def membership_require(
    *, company: Company, actor: AbstractBaseUser, roles: tuple[str, ...] = OWNERS
) -> Membership:
    """The actor's membership if its role is one of `roles`; raises NotAllowed otherwise."""
    membership = Membership.objects.filter(company=company, user_id=actor.pk).first()
    if membership is None or membership.role not in roles:
        raise role_refusal(company=company, membership=membership, roles=roles)
    return membership


def writer_require(*, company: Company, actor: AbstractBaseUser) -> Membership:
    """Owners and accountants write the books; viewers only read them."""
    return membership_require(company=company, actor=actor, roles=WRITERS)


def company_creation_allowed(*, actor: AbstractBaseUser) -> bool:
    """Staff create companies, and everyone else too if the Server configuration says so: an
    owner may add any user to a company, so owning one is a matter of the server's trust."""
    return actor.is_staff or config_get().company_creation == CompanyCreation.EVERYONE


def company_creation_require(*, actor: AbstractBaseUser) -> None:
    """NotAllowed (403) unless `actor` may create companies (company_creation_allowed)."""
    if company_creation_allowed(actor=actor):
        return
    raise NotAllowed(
        "Only the server's administrators may create companies here: ask one to create it "
        "and add you to it."
    )
