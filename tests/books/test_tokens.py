"""/auth/tokens/: a signed-in user sees their API tokens and revokes them (page and JSON)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from companies.auth import token_issue
from companies.models import ApiToken


def browser(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def as_json(value):
    return DjangoJSONEncoder().default(value)


def token_row(key: str) -> ApiToken:
    return ApiToken.objects.get(key_hash=ApiToken.hash_key(key))


@pytest.fixture
def alices_tokens(alice, bob):
    """alice's scripts: one in use, one expired, one from before her password changed; and a
    token of bob's, which her page never shows."""
    used, expired, old = (token_issue(user=alice) for _ in range(3))
    Client(headers={"Authorization": f"Token {used}"}).get("/c/")  # notes its last use
    ApiToken.objects.filter(pk=token_row(expired).pk).update(
        created_at=timezone.now() - dt.timedelta(days=91)
    )
    ApiToken.objects.filter(pk=token_row(old).pk).update(password_mark="an earlier password")
    return {"used": used, "expired": expired, "old": old, "bobs": token_issue(user=bob)}


def test_the_page_lists_my_tokens_with_their_states_and_never_a_key(alice, alices_tokens):
    page = browser(alice).get("/auth/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    for name, state in [("used", "live"), ("expired", "expired"), ("old", "password_changed")]:
        token = token_row(alices_tokens[name])
        assert f'id="api-token-{token.pk}" data-state="{state}"' in html, name
        assert token.fingerprint in html
    assert "Revoked by a password change" in html and "Expired" in html
    assert token_row(alices_tokens["bobs"]).fingerprint not in html
    for key in alices_tokens.values():
        assert key not in html
        assert ApiToken.hash_key(key) not in html  # only the fingerprint, not the whole hash


def test_the_list_as_json(alice, alices_tokens, settings):
    settings.API_TOKEN_DAYS = 30
    answer = browser(alice).get("/auth/tokens/", headers={"Accept": "application/json"})
    listed = {row["fingerprint"]: row for row in answer.json()}
    used = token_row(alices_tokens["used"])
    assert set(listed) == {
        token_row(alices_tokens[n]).fingerprint for n in ("used", "expired", "old")
    }
    assert listed[used.fingerprint] == {
        "id": used.pk,
        "fingerprint": used.fingerprint,
        "issued_at": as_json(used.created_at),
        "last_used_at": as_json(used.last_used_at),
        "expires_at": as_json(used.created_at + dt.timedelta(days=30)),
        "state": "live",
    }
    states = sorted(row["state"] for row in listed.values())
    assert states == ["expired", "live", "password_changed"]


def test_the_list_reads_in_the_same_queries_for_one_token_or_many(
    alice, config_cached, django_assert_num_queries
):
    client = browser(alice)
    token_issue(user=alice)
    with django_assert_num_queries(3):  # the session, the user, the tokens
        client.get("/auth/tokens/")
    for _ in range(5):
        token_issue(user=alice)
    with django_assert_num_queries(3):
        assert client.get("/auth/tokens/").content.decode().count('<tr id="api-token-') == 6


def test_revoking_one_of_my_tokens(alice, alices_tokens):
    used = token_row(alices_tokens["used"])
    client = browser(alice)
    answer = client.post(f"/auth/tokens/{used.pk}/revoke/")
    assert answer.url == "/auth/tokens/"
    page = client.get(answer.url).content.decode()
    assert f"Token {used.fingerprint} revoked: scripts using it are signed out" in page
    assert not ApiToken.objects.filter(pk=used.pk).exists()
    assert ApiToken.objects.filter(user=alice).count() == 2
    refused = Client(headers={"Authorization": f"Token {alices_tokens['used']}"}).get("/c/")
    assert (refused.status_code, refused.json()) == (
        401,
        {"detail": "This API token is not valid."},
    )


def test_revoking_needs_a_post_with_the_csrf_token(alice, alices_tokens):
    used = token_row(alices_tokens["used"])
    client = browser(alice, enforce_csrf_checks=True)
    url = f"/auth/tokens/{used.pk}/revoke/"
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # a foreign page's post: no CSRF token
    assert ApiToken.objects.filter(pk=used.pk).exists()
    csrf = client.get("/auth/tokens/").context["csrf_token"]
    assert client.post(url, {"csrfmiddlewaretoken": str(csrf)}).status_code == 302
    assert not ApiToken.objects.filter(pk=used.pk).exists()


def test_revoking_as_json(alice, alices_tokens):
    used = token_row(alices_tokens["used"])
    client = browser(alice)
    answer = client.post(f"/auth/tokens/{used.pk}/revoke/", content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["revoked"] == 1
    again = client.post(f"/auth/tokens/{used.pk}/revoke/", content_type="application/json")
    assert (again.status_code, again.json()) == (404, {"detail": "Not found."})


def test_revoke_all_takes_all_of_mine_and_none_of_bobs(alice, alices_tokens):
    client = browser(alice)
    answer = client.post("/auth/tokens/revoke/")
    page = client.get(answer.url).content.decode()
    assert "3 tokens revoked: scripts using them are signed out" in page
    assert "You have no API tokens." in page
    assert list(ApiToken.objects.values_list("key_hash", flat=True)) == [
        ApiToken.hash_key(alices_tokens["bobs"])
    ]
    nothing = client.post("/auth/tokens/revoke/", content_type="application/json")
    assert nothing.json() == {"revoked": 0, "detail": "You have no tokens to revoke."}


def test_a_token_cannot_list_or_revoke_tokens(alice, alices_tokens):
    """A leaked token reaches the books; it must not see or cut off the user's other scripts."""
    used = token_row(alices_tokens["used"])
    script = Client(headers={"Authorization": f"Token {alices_tokens['used']}"})
    for answer in (
        script.get("/auth/tokens/"),
        script.post(f"/auth/tokens/{used.pk}/revoke/"),
        script.post("/auth/tokens/revoke/"),
    ):
        assert answer.status_code == 403
        assert answer.json()["detail"].startswith("A token cannot list or revoke tokens")
    assert ApiToken.objects.count() == 4


def test_signed_out_is_sent_to_sign_in_or_told_401(db):
    assert Client().get("/auth/tokens/").url == "/login/?next=/auth/tokens/"
    answer = Client().get("/auth/tokens/", headers={"Accept": "application/json"})
    assert (answer.status_code, answer.json()) == (401, {"detail": "Sign in first."})


def test_every_page_links_to_the_tokens_of_whoever_is_signed_in(alice, company):
    for url in ("/", f"/c/{company.pk}/", "/auth/tokens/"):
        assert (
            'href="/auth/tokens/" id="api-tokens-link"' in browser(alice).get(url).content.decode()
        )
    assert "api-tokens-link" not in Client().get("/login/").content.decode()
