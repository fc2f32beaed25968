"""The registry of record kinds: a kind is found by its model whatever its name, and neither a
name nor a model can stand for two kinds."""

import pytest

from core import records
from core.records import RecordKind, kind_get, kind_of, register
from ledgers.models import Ledger
from tests.recordkind.models import Note


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry this test may change."""
    monkeypatch.setattr(records, "_kinds", dict(records._kinds))


def test_a_kind_named_otherwise_than_its_model_is_found_by_the_model(registry):
    records.unregister("note")
    note = register(RecordKind("memo_note", Note, "Memo", snapshot=lambda n: {"id": n.pk}))
    assert kind_of(Note(text="x")) is note
    assert kind_get("memo_note") is note
    assert kind_get("note") is None


def test_a_name_cannot_stand_for_two_models(registry):
    with pytest.raises(ValueError, match="'ledger' is registered for Ledger"):
        register(RecordKind("ledger", Note, "Note", snapshot=lambda n: {}))


def test_a_model_cannot_be_two_kinds(registry):
    with pytest.raises(ValueError, match="Ledger is registered as 'ledger' already"):
        register(RecordKind("account", Ledger, "Account", snapshot=lambda n: {}))


def test_an_unregistered_model_is_refused_by_name():
    from django.contrib.auth.models import User

    with pytest.raises(LookupError, match="User is not a registered record kind"):
        kind_of(User)
