"""Revoking API tokens (companies.auth): one's own only, and sockets are told only after the
revocation has committed."""

from __future__ import annotations

import pytest

from companies.auth import token_issue, token_revoke, tokens_revoke_all
from companies.models import ApiToken
from companies.signals import tokens_revoked
from core.errors import NotFound


@pytest.fixture
def heard():
    """The user ids `tokens_revoked` was sent for."""
    users: list[int] = []

    def listen(sender, user_id, **kwargs):
        users.append(user_id)

    tokens_revoked.connect(listen, dispatch_uid="tests.heard")
    yield users
    tokens_revoked.disconnect(dispatch_uid="tests.heard")


def test_a_revocation_deletes_the_token_and_is_told_on_commit(
    alice, heard, django_capture_on_commit_callbacks
):
    token_issue(user=alice)
    token = ApiToken.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        revoked = token_revoke(user=alice, token_id=token.pk)
    assert heard == []  # not before the commit
    assert revoked.fingerprint == token.fingerprint
    assert not ApiToken.objects.exists()
    for callback in callbacks:
        callback()
    assert heard == [alice.pk]


def test_another_users_token_is_not_found_and_nothing_is_told(
    alice, bob, heard, django_capture_on_commit_callbacks
):
    token_issue(user=bob)
    bobs = ApiToken.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(NotFound):
            token_revoke(user=alice, token_id=bobs.pk)
        with pytest.raises(NotFound):
            token_revoke(user=alice, token_id=bobs.pk + 1000)
    assert (callbacks, heard) == ([], [])
    assert ApiToken.objects.get() == bobs


def test_revoking_all_takes_the_users_tokens_only(
    alice, bob, heard, django_capture_on_commit_callbacks
):
    for user in (alice, alice, bob):
        token_issue(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        assert tokens_revoke_all(user=alice) == 2
        assert tokens_revoke_all(user=alice) == 0  # nothing left: nothing to tell
    assert heard == [alice.pk]
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["bob"]
