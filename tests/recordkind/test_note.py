"""A kind of record added by one registration (tests/recordkind/apps.py) is lockable through
lock_acquire and the generic lock routes, shown in the Edit Log with its labels, and patched
live by its own patcher — without an edit in locking, editlog or sync."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import Locked
from core.records import kind_of
from editlog.models import Change
from editlog.selectors import FieldChange, change_diff_of
from editlog.write import company_write
from locking.models import EditLock
from locking.services import lock_acquire
from sync.fragments import change_patch
from tests.conftest import client_for
from tests.recordkind.models import Note

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.recordkind.urls")]


def note_create(*, company, actor, text) -> Note:
    with company_write(company=company, actor=actor) as work:
        note = Note.objects.create(company=work.company, text=text)
        work.record("create", note, before=None)
    return note


def note_alter(*, note, actor, text) -> Change:
    """An alteration through the unit of work: the edit lock and the version are checked, and
    the snapshot comes from the registration."""
    with company_write(company=note.company, actor=actor) as work:
        work.guard(note)
        before = kind_of(note).snapshot(note)
        work.bump(note, note.version)
        note.text = text
        note.save(update_fields=["text", "altered_at"])
        return work.record("alter", note, before=before)


@pytest.fixture
def note(company, alice):
    return note_create(company=company, actor=alice, text="Call Sharma on Monday")


def test_lock_acquire_takes_a_note(company, alice, bob, note):
    resource = f"note:{note.pk}"
    assert lock_acquire(company=company, resource=resource, actor=bob).holder == bob
    with pytest.raises(Locked) as refused:
        lock_acquire(company=company, resource=resource, actor=alice)
    assert refused.value.holder == "bob"


def test_the_generic_lock_routes_serve_notes(company, alice, bob, note):
    url = reverse("note-lock", args=(company.pk, note.pk))
    assert url == f"/c/{company.pk}/notes/{note.pk}/lock/"
    taken = client_for(bob).post(url, {}, content_type="application/json")
    assert taken.status_code == 200
    assert taken.json()["resource"] == f"note:{note.pk}"
    assert client_for(alice).post(url, {}, content_type="application/json").status_code == 423
    broken = client_for(alice).post(reverse("note-lock-break", args=(company.pk, note.pk)))
    assert broken.json() == {"resource": f"note:{note.pk}", "broken": True}
    assert not EditLock.objects.exists()


def test_a_note_of_another_company_is_not_found(company, dave, bob):
    from books.services import company_create

    theirs = company_create(actor=dave, name="Dave & Sons")
    their_note = note_create(company=theirs, actor=dave, text="Dave's secret")
    url = reverse("note-lock", args=(company.pk, their_note.pk))
    assert client_for(bob).post(url, {}, content_type="application/json").status_code == 404
    assert not EditLock.objects.exists()


def test_the_edit_log_shows_a_note_change_with_its_labels(company, alice, note):
    change = note_alter(note=note, actor=alice, text="Call Sharma on Tuesday")
    assert change_diff_of(change) == [
        FieldChange("Words", "Call Sharma on Monday", "Call Sharma on Tuesday")
    ]
    browser = Client()
    browser.force_login(alice)
    page = browser.get(f"/c/{company.pk}/editlog/?type=note").content.decode()
    assert '<option value="note" selected>Note</option>' in page
    assert "Words:" in page
    assert "Call Sharma on Tuesday" in page


def test_a_note_change_is_patched_live_by_its_own_patcher(company, alice, note):
    change = note_alter(note=note, actor=alice, text="Call <Sharma> on Tuesday")
    html = "".join(change_patch(change).html)
    assert (
        f'<p id="note-{note.pk}" hx-swap-oob="outerHTML">Call &lt;Sharma&gt; on Tuesday</p>' in html
    )
    assert "dashboard-activity" in html  # the activity feed, as for every kind


def test_a_note_alteration_waits_for_the_lock_holder_and_ends_their_lock(company, alice, bob, note):
    """The unit of work's guard and record work for any lockable kind."""
    lock_acquire(company=company, resource=f"note:{note.pk}", actor=bob)
    with pytest.raises(Locked):
        note_alter(note=note, actor=alice, text="Alice was here")
    note.refresh_from_db()
    assert (note.text, note.version) == ("Call Sharma on Monday", 1)
    change = note_alter(note=note, actor=bob, text="Bob saved")
    assert change.after == {"id": note.pk, "text": "Bob saved", "version": 2}
    assert not EditLock.objects.exists()


def test_a_new_snapshot_shape_is_stored_with_its_version(company, alice, note, monkeypatch):
    """A kind whose snapshot changed shape says so in every snapshot it writes from then on
    ("_v"), and the Edit Log's diff does not show it as a field."""
    from dataclasses import replace

    from core import records

    monkeypatch.setitem(records._kinds, "note", replace(kind_of(note), snapshot_version=2))
    change = note_alter(note=note, actor=alice, text="Call Sharma at noon")
    assert (change.before["_v"], change.after["_v"]) == (2, 2)
    assert change_diff_of(change) == [
        FieldChange("Words", "Call Sharma on Monday", "Call Sharma at noon")
    ]
