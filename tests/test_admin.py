"""The admin lists every model and never edits the books behind the services' back."""

import pytest
from django.contrib.auth.models import User

from companies.auth import token_issue
from companies.models import ApiToken
from companies.signals import tokens_revoked


@pytest.fixture
def staff_client(client, db):
    admin = User.objects.create_superuser("root", password="root-secret-1")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/companies/company/",
        "/admin/companies/membership/",
        "/admin/companies/apitoken/",
        "/admin/ledgers/group/",
        "/admin/ledgers/ledger/",
        "/admin/vouchers/voucher/",
        "/admin/vouchers/vouchertype/",
        "/admin/editlog/change/",
    ],
)
def test_admin_lists_open(staff_client, company, voucher, url):
    assert staff_client.get(url).status_code == 200


def test_the_edit_log_cannot_be_changed_in_the_admin(staff_client, company):
    from editlog.models import Change

    change = Change.objects.first()
    page = staff_client.get(f"/admin/editlog/change/{change.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert staff_client.get(f"/admin/editlog/change/{change.pk}/delete/").status_code == 403


@pytest.mark.parametrize("model", ["ledgers/group", "companies/membership", "vouchers/vouchertype"])
def test_the_books_cannot_be_changed_in_the_admin(staff_client, company, model):
    """Only the services write the books (rules, Edit Log): the admin adds and deletes nothing."""
    assert staff_client.get(f"/admin/{model}/add/").status_code == 403


def test_a_token_deleted_in_the_admin_is_revoked_as_on_the_token_page(
    staff_client, alice, bob, django_capture_on_commit_callbacks
):
    """The admin's delete goes through the service: tokens_revoked is sent, on commit, for each
    user whose token went, so their sockets close at once (tests/sync/test_hostile.py)."""
    for user in (alice, alice, bob):
        token_issue(user=user)
    heard = []

    def listen(sender, user_id, **kwargs):
        heard.append(user_id)

    tokens_revoked.connect(listen, dispatch_uid="tests.admin")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            one = ApiToken.objects.filter(user=alice).first()
            staff_client.post(f"/admin/companies/apitoken/{one.pk}/delete/", {"post": "yes"})
            assert heard == []  # not before the commit
        assert heard == [alice.pk]
        everyone = list(ApiToken.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            staff_client.post(
                "/admin/companies/apitoken/",
                {"action": "delete_selected", "_selected_action": everyone, "post": "yes"},
            )
    finally:
        tokens_revoked.disconnect(dispatch_uid="tests.admin")
    assert heard == [alice.pk, alice.pk, bob.pk]
    assert not ApiToken.objects.exists()
