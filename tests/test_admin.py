"""The admin lists every model and never edits the books behind the services' back."""

import pytest
from django.contrib.auth.models import User


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
