"""/auth/token/, /c/, /c/<cid>/ and /c/<cid>/members/ over HTTP."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from companies.models import ApiToken, Company, Membership
from tests.conftest import client_for


def token_for(username, password):
    body = {"username": username, "password": password}
    return Client().post("/auth/token/", body, content_type="application/json").json()["token"]


def test_a_password_change_revokes_the_users_tokens(alice, bob):
    mine, bobs = token_for("alice", "alice-secret-1"), token_for("bob", "bob-secret-1")
    alice.set_password("a-new-secret-9")
    alice.save()
    answer = Client(headers={"Authorization": f"Token {mine}"}).get("/c/")
    assert (answer.status_code, answer.json()) == (401, {"detail": "This API token is not valid."})
    assert Client(headers={"Authorization": f"Token {bobs}"}).get("/c/").status_code == 200
    fresh = token_for("alice", "a-new-secret-9")
    assert Client(headers={"Authorization": f"Token {fresh}"}).get("/c/").status_code == 200


def test_a_token_expires_after_the_configured_days(alice, settings):
    settings.API_TOKEN_DAYS = 30
    key = token_for("alice", "alice-secret-1")
    issued = timezone.now() - dt.timedelta(days=29, hours=23)
    ApiToken.objects.update(created_at=issued)
    assert Client(headers={"Authorization": f"Token {key}"}).get("/c/").status_code == 200
    ApiToken.objects.update(created_at=issued - dt.timedelta(hours=2))
    assert Client(headers={"Authorization": f"Token {key}"}).get("/c/").status_code == 401


def test_a_token_is_issued_for_the_right_password_and_only_its_hash_is_kept(alice):
    client = Client()
    answer = client.post(
        "/auth/token/",
        {"username": "alice", "password": "alice-secret-1"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    key = answer.json()["token"]
    assert ApiToken.objects.get(user=alice).key_hash == ApiToken.hash_key(key)
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert Client(headers={"Authorization": f"Token {key}"}).get("/c/").status_code == 200


def test_a_wrong_password_gets_no_token(alice):
    answer = Client().post(
        "/auth/token/", {"username": "alice", "password": "guess"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_bad_or_malformed_token_is_401(db):
    for header in ("Token nope", "Token "):
        answer = Client(headers={"Authorization": header}).get("/c/")
        assert answer.status_code == 401, header


def test_other_authorization_schemes_are_left_alone(db):
    """A reverse proxy's Basic auth is not a TallySync credential, and no reason to refuse."""
    answer = Client(headers={"Authorization": "Basic b2ZmaWNlOnB3"}).get("/login/")
    assert answer.status_code == 200


def test_signed_out_is_401_for_scripts_and_sign_in_for_browsers(db):
    assert Client().get("/c/", headers={"Accept": "application/json"}).status_code == 401
    assert Client().get("/c/").url == "/login/"


def test_company_list_shows_only_my_companies_with_my_role(company, charlie, dave):
    from books.services import company_create

    company_create(actor=dave, name="Gupta & Sons")
    answer = client_for(charlie).get("/c/")
    assert [(c["name"], c["role"]) for c in answer.json()] == [("Sharma Traders", "viewer")]


def test_company_create_makes_me_the_owner(dave, company_creation_open):
    answer = client_for(dave).post(
        "/c/",
        {"name": "Gupta & Sons", "financial_year_start": "01-Apr-2026", "state": "Goa"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["role"], body["books_beginning"], body["last_seq"]) == (
        "owner",
        "2026-04-01",
        1,
    )
    assert Membership.objects.get(user=dave).company_id == body["id"]


def test_company_create_with_a_bad_date_writes_nothing(dave, company_creation_open):
    answer = client_for(dave).post(
        "/c/", {"name": "X", "books_beginning": "soon"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "books_beginning" in answer.json()["errors"]
    assert not Company.objects.exists()


def test_another_companys_detail_is_404(company, dave):
    assert client_for(dave).get(f"/c/{company.pk}/").status_code == 404
    assert client_for(dave).get(f"/c/{company.pk}/ledgers/").status_code == 404


def test_owner_manages_members_over_http(company, alice, dave):
    client = client_for(alice)
    url = f"/c/{company.pk}/members/"
    answer = client.post(
        url, {"username": "dave", "role": "viewer"}, content_type="application/json"
    )
    assert answer.json() == {"username": "dave", "role": "viewer"}
    names = [m["username"] for m in client.get(url).json()]
    assert names == ["alice", "bob", "charlie", "dave"]
    assert client.delete(f"{url}dave/").status_code == 204
    assert not Membership.objects.filter(company=company, user=dave).exists()


def test_an_accountant_cannot_manage_members(company, bob):
    answer = client_for(bob).post(
        f"/c/{company.pk}/members/",
        {"username": "bob", "role": "owner"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert Membership.objects.get(company=company, user__username="bob").role == "accountant"


def test_session_sign_in_works_with_the_csrf_token(company, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/c/", headers={"Accept": "application/json"}).status_code == 200
    refused = client.post("/c/", {"name": "X"}, content_type="application/json")
    assert refused.status_code == 403
    client.get("/")  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    answer = client.post(
        "/c/", {"name": "X"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 201
