"""Password guessing is throttled by django-axes: 5 failures lock one user name at one address
for 15 minutes, on the sign-in page and on /auth/token/ alike, and nobody else is locked out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from django.test.client import RequestFactory

from companies.models import ApiToken
from companies.signin import lockout_message

OFFICE = "192.168.1.20"  # the office NAT: everyone's requests come from here
HOME = "10.8.0.5"
LOCKED = "Too many failed sign-ins for this user from this computer; try again in 15 minutes."
LIMIT = 5


def sign_in(username: str, password: str, address: str = OFFICE, client: Any = None) -> Any:
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def ask_token(username: str, password: str, address: str = OFFICE) -> Any:
    body = {"username": username, "password": password}
    return Client().post("/auth/token/", body, content_type="application/json", REMOTE_ADDR=address)


def signed_in(answer: Any) -> bool:
    return answer.status_code == 302 and answer.url == "/"


def guess(username: str, times: int = LIMIT, address: str = OFFICE) -> list[Any]:
    return [sign_in(username, f"guess-{i}", address) for i in range(times)]


def cool_off_passes(minutes: float) -> None:
    """Move every recorded failure `minutes` into the past, as if that time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=minutes))


def test_four_failures_do_not_lock(alice: User) -> None:
    answers = guess("alice", times=LIMIT - 1)
    assert {a.status_code for a in answers} == {200}
    assert b"Please enter a correct" in answers[-1].content
    assert signed_in(sign_in("alice", "alice-secret-1"))


def test_five_failures_lock_that_user_at_that_address(alice: User) -> None:
    answers = guess("alice")
    assert answers[-1].status_code == 429
    client = Client()
    refused = sign_in("alice", "alice-secret-1", client=client)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    page = refused.content.decode()
    assert LOCKED in page
    assert 'id="lockout"' in page and 'value="alice"' in page  # the sign-in page, not axes' text


def test_the_same_user_elsewhere_still_signs_in(alice: User) -> None:
    guess("alice")
    assert signed_in(sign_in("alice", "alice-secret-1", address=HOME))


def test_others_behind_the_same_address_still_sign_in(alice: User, bob: User) -> None:
    """One person mistyping behind the office NAT does not lock the whole office out."""
    guess("alice")
    assert signed_in(sign_in("bob", "bob-secret-1"))
    assert sign_in("alice", "alice-secret-1").status_code == 429


def test_the_lock_lifts_after_the_cool_off(alice: User) -> None:
    guess("alice")
    cool_off_passes(14)
    assert sign_in("alice", "alice-secret-1").status_code == 429
    # That refused try restarted the cool-off: someone still guessing stays locked out.
    cool_off_passes(15.1)
    assert signed_in(sign_in("alice", "alice-secret-1"))


def test_axes_reset_unlocks_at_once(alice: User) -> None:
    """The owner's remedy (`manage.py axes_reset_username alice`, or the admin) works."""
    guess("alice")
    assert reset(username="alice") == 1
    assert signed_in(sign_in("alice", "alice-secret-1"))


def test_a_success_forgets_earlier_failures(alice: User) -> None:
    guess("alice", times=LIMIT - 1)
    assert signed_in(sign_in("alice", "alice-secret-1"))
    assert {a.status_code for a in guess("alice", times=LIMIT - 1)} == {200}


def test_tokens_are_throttled_too(alice: User) -> None:
    answers = [ask_token("alice", f"guess-{i}") for i in range(LIMIT)]
    assert [a.status_code for a in answers] == [400] * (LIMIT - 1) + [429]
    refused = ask_token("alice", "alice-secret-1")
    assert (refused.status_code, refused.json()) == (429, {"detail": LOCKED})
    assert not ApiToken.objects.exists()
    assert ask_token("alice", "alice-secret-1", address=HOME).status_code == 201


def test_a_token_sign_in_forgets_earlier_failures(alice: User) -> None:
    """As a page sign-in does: four wrong tries, the right one, and four more may follow."""
    assert [ask_token("alice", f"guess-{i}").status_code for i in range(LIMIT - 1)] == [400] * 4
    assert ask_token("alice", "alice-secret-1").status_code == 201
    assert {a.status_code for a in guess("alice", times=LIMIT - 1)} == {200}


def test_cross_site_form_posts_to_the_token_endpoint_lock_nobody_out(alice: User) -> None:
    """The review's attack: a foreign page makes its visitor's browser post five "simple" forms
    (no preflight) with wrong passwords. They are refused unread and counted nowhere."""
    foreign = {"Origin": "http://evil.example"}
    body = {"username": "alice", "password": "guess"}
    forms = [
        Client().post("/auth/token/", body, headers=foreign, REMOTE_ADDR=OFFICE) for _ in range(5)
    ]
    bare = [Client().post("/auth/token/", body, REMOTE_ADDR=OFFICE) for _ in range(5)]
    assert {a.status_code for a in forms} == {403}
    assert {a.status_code for a in bare} == {415}
    assert not AccessAttempt.objects.exists()
    assert signed_in(sign_in("alice", "alice-secret-1"))


@pytest.mark.parametrize(
    ("origin", "status"),
    [("http://evil.example", 403), ("null", 403), ("http://testserver", 201), (None, 201)],
)
def test_json_token_requests_come_from_this_server_or_no_page(
    alice: User, origin: str | None, status: int
) -> None:
    body = {"username": "alice", "password": "alice-secret-1"}
    headers = {"Origin": origin} if origin else {}
    answer = Client().post("/auth/token/", body, content_type="application/json", headers=headers)
    assert answer.status_code == status
    assert ApiToken.objects.exists() is (status == 201)


def test_page_and_token_failures_add_up(alice: User) -> None:
    """Guessing cannot switch to the API to get five more tries."""
    guess("alice", times=3)
    assert ask_token("alice", "guess-a").status_code == 400
    assert ask_token("alice", "guess-b").status_code == 429
    assert sign_in("alice", "alice-secret-1").status_code == 429


@pytest.mark.parametrize("minutes", [15, 60])
def test_the_message_names_the_configured_cool_off(settings: Any, minutes: int) -> None:
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=minutes)
    request = RequestFactory().post("/login/")
    assert f"try again in {minutes} minutes" in lockout_message(request)
