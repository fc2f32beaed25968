"""The Users page's services (books.users): who manages whom, creating a user with a password the
validators accept, resetting a password, deactivating and activating an account again. alice
owns Sharma Traders (bob keeps its accounts, charlie views it); dave owns Dave & Sons; ravi is
the server's administrator (a superuser, as /setup/ makes the first owner)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission, User
from django.test import RequestFactory

from books.forms import UserDraft
from books.services import company_create
from books.users import (
    NOT_FOR_YOU,
    is_administrator,
    user_active_set,
    user_create,
    user_password_set,
    users_for,
)
from companies.auth import token_issue
from companies.models import ApiToken, Company, Membership
from core.errors import Invalid, NotAllowed, NotFound
from editlog.models import Change

GOOD = "office-pass-2026"


def signs_in(username: str, password: str) -> User | None:
    """Who the sign-in page would sign in (django-axes wants the request)."""
    request = RequestFactory().post("/login/")
    return authenticate(request, username=username, password=password)


def draft(name: str = "meena", *, company: Company | None = None, role: str = "") -> UserDraft:
    return UserDraft(
        username=name, password=GOOD, company_id=company.pk if company else None, role=role
    )


@pytest.fixture
def ravi(db) -> User:
    return User.objects.create_superuser("ravi", password="ravi-secret-1")


@pytest.fixture
def theirs(dave: User, company: Company) -> Company:
    return company_create(
        actor=dave, name="Dave & Sons", financial_year_start=company.books_beginning
    )


def test_an_administrator_creates_a_user_who_signs_in(ravi):
    user = user_create(actor=ravi, draft=draft())
    assert signs_in("meena", GOOD) == user
    assert not user.is_staff and not Membership.objects.filter(user=user).exists()


def test_an_owner_creates_a_user_into_their_company_in_one_save(company, alice):
    seq = company.last_seq
    user = user_create(actor=alice, draft=draft(company=company, role="accountant"))
    assert Membership.objects.get(user=user, company=company).role == "accountant"
    change = Change.objects.get(company=company, seq=seq + 1)
    assert (change.verb, change.object_type, change.after) == (
        "create",
        "membership",
        {"user": "meena", "role": "accountant"},
    )
    assert signs_in("meena", GOOD) == user


def test_an_owner_must_name_one_of_their_companies(company, alice, theirs):
    with pytest.raises(Invalid) as refused:
        user_create(actor=alice, draft=draft())
    assert refused.value.errors == {
        "company": ["Choose the company the new user joins: one you own."]
    }
    with pytest.raises(NotAllowed, match="You are not a member in Dave & Sons"):
        user_create(actor=alice, draft=draft(company=theirs, role="owner"))
    assert not User.objects.filter(username="meena").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc", "This password is too short. It must contain at least 8 characters."),
        ("12345678901", "This password is entirely numeric."),
        ("password123", "This password is too common."),
        ("meenakshi1", "The password is too similar to the username."),
    ],
)
def test_the_servers_password_validators_speak(ravi, password, message):
    refusal = UserDraft(username="meenakshi", password=password, company_id=None, role="")
    with pytest.raises(Invalid) as refused:
        user_create(actor=ravi, draft=refusal)
    assert message in refused.value.errors["password"]
    assert not User.objects.filter(username="meenakshi").exists()


def test_a_name_taken_in_any_case_is_refused(ravi, bob):
    with pytest.raises(Invalid) as refused:
        user_create(actor=ravi, draft=draft("BOB"))
    assert refused.value.errors == {"username": ["A user called BOB already exists."]}


def test_whoever_neither_owns_nor_administers_gets_no_users_page(company, bob, charlie):
    for actor in (bob, charlie):
        with pytest.raises(NotAllowed, match=NOT_FOR_YOU):
            users_for(actor)
        with pytest.raises(NotAllowed):
            user_create(actor=actor, draft=draft())


def test_staff_administer_users_only_with_the_admins_permissions(dave):
    User.objects.filter(pk=dave.pk).update(is_staff=True)
    staff = User.objects.get(pk=dave.pk)
    assert not is_administrator(staff)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["add_user", "change_user"]))
    assert is_administrator(User.objects.get(pk=dave.pk))


def test_an_owner_sees_the_members_of_their_companies_only(company, alice, theirs):
    listed = {row.user.username: row for row in users_for(alice)}
    assert set(listed) == {"alice", "bob", "charlie"}
    assert [m.company.name for m in listed["bob"].memberships] == ["Sharma Traders"]
    assert listed["bob"].manageable
    everyone = {row.user.username for row in users_for(User.objects.create_superuser("ravi"))}
    assert everyone == {"alice", "bob", "charlie", "dave", "ravi"}


def test_a_reset_password_works_and_the_old_one_and_the_tokens_stop(company, alice, bob):
    token_issue(user=bob)
    user_password_set(actor=alice, user_id=bob.pk, password="a-new-pass-2026")
    assert signs_in("bob", "a-new-pass-2026") is not None
    assert signs_in("bob", "bob-secret-1") is None
    assert not ApiToken.objects.filter(user=bob).exists()


def test_a_reset_password_meets_the_validators(company, alice, bob):
    with pytest.raises(Invalid) as refused:
        user_password_set(actor=alice, user_id=bob.pk, password="short")
    assert "This password is too short." in refused.value.errors["password"][0]
    assert signs_in("bob", "bob-secret-1") is not None


def test_an_owner_leaves_alone_whoever_keeps_another_companys_books(
    company, alice, bob, dave, theirs
):
    Membership.objects.create(user=bob, company=theirs, role="accountant")
    with pytest.raises(NotAllowed, match="bob also keeps books of a company you do not own"):
        user_password_set(actor=alice, user_id=bob.pk, password="a-new-pass-2026")
    with pytest.raises(NotFound):  # dave is no member of alice's: as if he were not there
        user_active_set(actor=alice, user_id=dave.pk, active=False)


def test_only_a_superuser_changes_a_superusers_account(company, alice, ravi):
    Membership.objects.create(user=ravi, company=company, role="accountant")
    with pytest.raises(NotAllowed, match="Only a superuser changes ravi's account."):
        user_password_set(actor=alice, user_id=ravi.pk, password="a-new-pass-2026")


def test_deactivating_signs_out_and_keeps_the_account(company, alice, bob):
    token_issue(user=bob)
    user_active_set(actor=alice, user_id=bob.pk, active=False)
    bob.refresh_from_db()
    assert not bob.is_active
    assert signs_in("bob", "bob-secret-1") is None
    assert not ApiToken.objects.filter(user=bob).exists()
    assert Membership.objects.filter(user=bob, company=company).exists()
    user_active_set(actor=alice, user_id=bob.pk, active=True)
    assert signs_in("bob", "bob-secret-1") is not None


def test_nobody_deactivates_themselves_nor_a_companys_last_active_owner(company, alice, ravi):
    with pytest.raises(Invalid, match="You cannot deactivate yourself."):
        user_active_set(actor=ravi, user_id=ravi.pk, active=False)
    with pytest.raises(Invalid) as refused:
        user_active_set(actor=ravi, user_id=alice.pk, active=False)
    assert refused.value.errors["__all__"] == [
        "alice is the only active owner of Sharma Traders: make someone else its owner first."
    ]
    assert User.objects.get(pk=alice.pk).is_active
