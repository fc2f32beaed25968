"""The office pages (books.office): Users, Members and Company Alteration in the browser and as
JSON, and the set-up form that asks what Tally's Company Creation asks."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from books.services import unaddable
from companies.models import Company, Membership
from locking.models import EditLock


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


# -- Users -----------------------------------------------------------------------------------


def test_an_owner_creates_a_user_on_the_users_page_who_then_signs_in(company, alice):
    client = browser(alice)
    assert "bob" in page(client.get("/users/"))
    body = {
        "username": "meena",
        "password": "office-pass-2026",
        "password_again": "office-pass-2026",
        "company": company.pk,
        "role": "accountant",
    }
    answer = client.post("/users/", body)
    assert answer.status_code == 302
    assert "User meena created" in page(client.get("/users/"))
    assert Membership.objects.get(user__username="meena").role == "accountant"
    meena = Client()
    signed_in = meena.post("/login/", {"username": "meena", "password": "office-pass-2026"})
    assert signed_in.status_code == 302
    assert "Sharma Traders" in page(meena.get("/"))


def test_the_users_page_shows_each_refusal_by_its_field(company, alice):
    body = {"username": "meena", "password": "short", "password_again": "other", "company": ""}
    answer = browser(alice).post("/users/", body)
    assert answer.status_code == 422
    text = page(answer)
    assert "This password is too short." in text
    assert "The two passwords differ." in text
    body.update(password="office-pass-2026", password_again="office-pass-2026")
    answer = browser(alice).post("/users/", body)
    assert "Choose the company the new user joins: one you own." in page(answer)
    assert not User.objects.filter(username="meena").exists()


def test_the_users_page_is_refused_to_who_neither_owns_nor_administers(company, bob):
    assert browser(bob).get("/users/").status_code == 403
    assert Client().get("/users/").status_code == 302  # to sign-in


def test_the_users_page_resets_and_deactivates(company, alice, bob):
    client = browser(alice)
    body = {"password": "a-new-pass-2026", "password_again": "a-new-pass-2026"}
    assert client.post(f"/users/{bob.pk}/password/", body).status_code == 302
    assert User.objects.get(pk=bob.pk).check_password("a-new-pass-2026")
    assert client.post(f"/users/{bob.pk}/active/", {"active": "false"}).status_code == 302
    assert not User.objects.get(pk=bob.pk).is_active
    assert "Deactivated" in page(client.get("/users/"))
    refused = client.post(f"/users/{alice.pk}/active/", {"active": "false"})
    assert "You cannot deactivate yourself." in page(refused)


def test_scripts_use_the_users_page_as_json(company, alice):
    client = browser(alice)
    body = {"username": "meena", "password": "office-pass-2026", "company": company.pk}
    body["role"] = "viewer"
    answer = client.post("/users/", body, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["username"] == "meena"
    listed = client.get("/users/", headers={"Accept": "application/json"}).json()
    assert {row["username"] for row in listed} == {"alice", "bob", "charlie", "meena"}


# -- Members ---------------------------------------------------------------------------------


def test_the_members_page_adds_changes_and_removes(company, alice, dave):
    client = browser(alice)
    text = page(client.get(f"/c/{company.pk}/members/"))
    assert 'id="member-bob"' in text and "Add a member" in text
    answer = client.post(f"/c/{company.pk}/members/", {"username": "dave", "role": "viewer"})
    assert answer.status_code == 302
    assert Membership.objects.get(company=company, user=dave).role == "viewer"
    client.post(f"/c/{company.pk}/members/dave/", {"role": "accountant"})
    assert Membership.objects.get(company=company, user=dave).role == "accountant"
    client.post(f"/c/{company.pk}/members/dave/", {"remove": "1"})
    assert not Membership.objects.filter(company=company, user=dave).exists()


def test_the_members_page_answers_an_unknown_and_an_inactive_name_alike(company, alice, dave):
    """The page says what the JSON API says (one service, books.services.member_set)."""
    User.objects.filter(pk=dave.pk).update(is_active=False)
    client = browser(alice)
    said = {}
    for name in ("dave", "nobody"):
        answer = client.post(f"/c/{company.pk}/members/", {"username": name, "role": "viewer"})
        assert answer.status_code == 422
        said[name] = [
            m.replace(name, "NAME") for m in re.findall(r'role="alert">([^<]*)<', page(answer))
        ]
        assert escape(unaddable(name)) in page(answer)
    assert said["dave"] == said["nobody"]


def test_the_members_page_keeps_the_last_owner(company, alice):
    answer = browser(alice).post(f"/c/{company.pk}/members/alice/", {"remove": "1"})
    assert "alice: A company needs at least one owner." in page(answer)
    assert Membership.objects.filter(company=company, user=alice, role="owner").exists()


def test_members_see_the_list_and_only_owners_change_it(company, bob):
    client = browser(bob)
    text = page(client.get(f"/c/{company.pk}/members/"))
    assert "charlie" in text and "Add a member" not in text
    assert client.post(f"/c/{company.pk}/members/charlie/", {"remove": "1"}).status_code == 403
    assert Membership.objects.filter(company=company, user__username="charlie").exists()


# -- Company Alteration ----------------------------------------------------------------------


def test_the_alteration_screen_shows_tally_dates_and_takes_the_lock(company, alice):
    text = page(browser(alice).get(f"/c/{company.pk}/alter/"))
    assert 'value="01-04-2026"' in text
    assert f'data-holding="company:{company.pk}"' in text
    assert f'data-lock-url="/c/{company.pk}/company/{company.pk}/lock/"' in text
    assert EditLock.objects.filter(resource=f"company:{company.pk}", holder=alice).exists()


def test_the_alteration_screen_is_for_owners(company, bob):
    assert browser(bob).get(f"/c/{company.pk}/alter/").status_code == 403
    assert not EditLock.objects.exists()


def test_the_alteration_form_saves_or_says_why(company, alice):
    client = browser(alice)
    body = {
        "name": "Sharma Traders",
        "mailing_name": "Sharma Traders Pvt Ltd",
        "pin": "411001",
        "financial_year_start": "01-04-2026",
        "books_beginning": "",
        "version": "1",
    }
    refused = client.post(f"/c/{company.pk}/alter/", {**body, "pin": "4110"})
    assert refused.status_code == 422
    assert "A PIN code has six digits, like 400001." in page(refused)
    saved = client.post(f"/c/{company.pk}/alter/", body)
    assert saved.status_code == 302
    assert Company.objects.get(pk=company.pk).mailing_name == "Sharma Traders Pvt Ltd"
    stale = client.post(f"/c/{company.pk}/alter/", body)
    assert stale.status_code == 409
    assert "now version 2" in page(stale)


def test_the_company_lock_routes_name_the_company_itself(company, alice):
    client = browser(alice)
    assert client.post(f"/c/{company.pk}/company/{company.pk}/lock/").status_code == 200
    assert client.delete(f"/c/{company.pk}/company/{company.pk}/lock/").status_code == 204
    assert client.post(f"/c/{company.pk}/company/{company.pk + 1}/lock/").status_code == 404


# -- Set-up ----------------------------------------------------------------------------------


def test_set_up_asks_what_company_creation_asks(db, setup_code):
    body = {
        "setup_code": setup_code,
        "company_name": "Sharma Traders",
        "mailing_name": "Sharma Traders Pvt Ltd",
        "address": "12 MG Road\r\nPune",
        "state": "Maharashtra",
        "pin": "411001",
        "financial_year_start": "01-04-2026",
        "books_beginning": "01-05-2026",
        "username": "ravi",
        "password": "a-long-passphrase",
    }
    answer = Client().post("/setup/", body)
    assert answer.status_code == 302
    company = Company.objects.get()
    assert (company.mailing_name, company.pin, company.state) == (
        "Sharma Traders Pvt Ltd",
        "411001",
        "Maharashtra",
    )
    assert company.financial_year_start == dt.date(2026, 4, 1)  # dd-mm-yyyy, never mm/dd
    assert company.books_beginning == dt.date(2026, 5, 1)


def test_set_up_refuses_a_year_not_begun_on_the_first_and_creates_nothing(db, setup_code):
    body = {
        "setup_code": setup_code,
        "company_name": "Sharma Traders",
        "financial_year_start": "04-01-2026",
        "username": "ravi",
        "password": "a-long-passphrase",
    }
    answer = Client().post("/setup/", body)
    assert answer.status_code == 422
    assert "A financial year begins on the 1st of a month, like 01-04-2026." in page(answer)
    assert not User.objects.exists() and not Company.objects.exists()
