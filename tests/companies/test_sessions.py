"""Sessions are rows keyed by a hash of the cookie: what the database holds signs nobody in,
and sign-out still ends the session on the server."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from companies.sessions import session_key_stored


def signed_in_client(user: User) -> Client:
    client = Client()
    answer = client.post("/login/", {"username": user.username, "password": "alice-secret-1"})
    assert answer.url == "/"
    return client


def test_a_session_key_read_from_the_database_is_no_cookie(company, alice):
    """Another account that reads the database file (or a backup) cannot act as alice."""
    cookie = signed_in_client(alice).cookies["sessionid"].value
    stored = Session.objects.get().session_key
    assert stored == session_key_stored(cookie) != cookie
    thief = Client()
    thief.cookies["sessionid"] = stored
    assert thief.get("/").url == "/login/"
    assert thief.get(f"/c/{company.pk}/").url.startswith("/login/?next=")


def test_the_cookie_itself_signs_in_and_sign_out_deletes_the_row(company, alice):
    client = signed_in_client(alice)
    cookie = client.cookies["sessionid"].value
    assert client.get(f"/c/{company.pk}/").status_code == 200
    client.post("/logout/")
    assert not Session.objects.exists()
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/").url == "/login/"


def test_force_login_and_a_session_read_back_agree(alice):
    """The test client's own session handling (force_login, client.session) uses the store."""
    client = Client()
    client.force_login(alice)
    assert client.session["_auth_user_id"] == str(alice.pk)
    cookie = client.cookies["sessionid"].value
    assert Session.objects.get().session_key == session_key_stored(cookie)
