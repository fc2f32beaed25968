"""The Edit Log is append-only: the ORM refuses to alter or delete a Change."""

import pytest

from editlog.models import AppendOnlyError, Change


@pytest.fixture
def change(company):
    return Change.objects.filter(company=company).first()


def test_a_change_cannot_be_saved_again(change):
    change.verb = "delete"
    with pytest.raises(AppendOnlyError):
        change.save()


def test_a_change_cannot_be_deleted(change):
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.parametrize("method", ["delete", "update"])
def test_querysets_refuse_bulk_alteration(change, method):
    args = {"verb": "alter"} if method == "update" else {}
    with pytest.raises(AppendOnlyError):
        getattr(Change.objects.filter(pk=change.pk), method)(**args)
    assert Change.objects.get(pk=change.pk).verb == "create"


def test_seqs_are_gap_free_per_company(company, alice, ledgers, voucher, dave):
    from books.services import company_create

    other = company_create(actor=dave, name="Gupta & Sons")
    for each in (company, other):
        seqs = list(Change.objects.filter(company=each).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
    assert Change.objects.filter(company=other).count() == 1


def test_a_user_who_made_changes_cannot_be_deleted(company, alice):
    """Deleting the actor would rewrite the log (SET_NULL); deactivate the user instead."""
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        alice.delete()
    assert Change.objects.filter(company=company, actor=alice).exists()
