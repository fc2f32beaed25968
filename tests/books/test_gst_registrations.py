"""The company's GST registrations: owners add and alter them (GSTIN checked, state from its
first two digits, regular or composition, valid from), JSON and the page; nothing saved on bad
input; one Change per save."""

from __future__ import annotations

import datetime as dt

import pytest

from books.services import gst_registration_alter, gst_registration_create
from companies.models import GstRegistration
from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change

MH = "27AAPFU0939F1ZV"
KA = "29AAPFU0939F1ZR"
TYPO = "This GSTIN's check character is wrong: please check for a typo."
STATE_39 = "A GSTIN begins with its state's code (01 to 38, or 97 for other territory): 39 is none."  # noqa: E501


def add(company, actor, **data):
    return gst_registration_create(
        company=company, actor=actor, data={"gstin": MH, "valid_from": "01-07-2017", **data}
    )


def test_a_registration_takes_its_state_from_the_gstin(company, alice):
    made = add(company, alice, gstin=MH.lower())
    assert (made.gstin, made.state_code, made.registration_type, made.valid_from) == (
        MH,
        "27",
        "regular",
        dt.date(2017, 7, 1),
    )
    assert made.change.after == {
        "id": made.pk,
        "gstin": MH,
        "state": "27",
        "registration_type": "regular",
        "valid_from": dt.date(2017, 7, 1),
        "version": 1,
    }


def test_a_company_may_have_several_registrations_each_gstin_once(company, alice):
    add(company, alice)
    assert add(company, alice, gstin=KA, registration_type="Composition").state_code == "29"
    with pytest.raises(Invalid) as caught:
        add(company, alice)
    assert caught.value.errors == {"gstin": [f"Sharma Traders has the GSTIN {MH} already."]}
    assert GstRegistration.objects.filter(company=company).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"gstin": ""}, "gstin", "Enter the GSTIN, like 27AAPFU0939F1ZV."),
        (
            {"gstin": MH[:-1]},
            "gstin",
            "A GSTIN has 15 characters, like 27AAPFU0939F1ZV; this has 14.",
        ),
        ({"gstin": "27AAPFU0939F1ZO"}, "gstin", TYPO),
        ({"gstin": "39AAPFU0939F1ZV"}, "gstin", STATE_39),
        ({"valid_from": ""}, "valid_from", None),
        (
            {"registration_type": "Occasional"},
            "registration_type",
            "A registration is Regular or Composition.",
        ),
    ],
)
def test_bad_input_is_refused_with_its_rule_and_nothing_saved(company, alice, data, field, message):
    seq = company.last_seq
    with pytest.raises(Invalid) as caught:
        add(company, alice, **data)
    assert list(caught.value.errors) == [field]
    if message:
        assert caught.value.errors[field] == [message]
    assert not GstRegistration.objects.exists()
    company.refresh_from_db()
    assert company.last_seq == seq


def test_a_gstin_of_another_pan_than_the_companys_is_refused(company, alice):
    company.pan = "AAAPL1234C"
    company.save(update_fields=["pan"])
    with pytest.raises(Invalid) as caught:
        add(company, alice)
    assert caught.value.errors == {
        "gstin": [f"The GSTIN {MH} holds the PAN AAPFU0939F, not AAAPL1234C."]
    }


def test_only_owners_register(company, bob):
    with pytest.raises(NotAllowed):
        add(company, bob)


def test_an_alteration_keeps_what_is_not_sent_and_checks_the_version(company, alice):
    made = add(company, alice)
    altered = gst_registration_alter(
        company=company,
        registration=made,
        actor=alice,
        data={"registration_type": "composition"},
        version=1,
    )
    assert (altered.gstin, altered.registration_type, altered.version) == (MH, "composition", 2)
    assert altered.change.before["registration_type"] == "regular"
    with pytest.raises(StaleVersion):
        gst_registration_alter(
            company=company, registration=made, actor=alice, data={"gstin": KA}, version=1
        )
    moved = gst_registration_alter(
        company=company, registration=made, actor=alice, data={"gstin": KA}, version=2
    )
    assert moved.state_code == "29"


def test_registrations_over_json(company, api):
    url = f"/c/{company.pk}/gst/registrations/"
    made = api.post(url, {"gstin": MH, "valid_from": "2017-07-01"}, "application/json")
    assert made.status_code == 201, made.content
    assert made.json() == {
        "id": made.json()["id"],
        "gstin": MH,
        "state": "27",
        "state_name": "Maharashtra",
        "registration_type": "regular",
        "valid_from": "2017-07-01",
        "version": 1,
    }
    refused = api.post(
        url, {"gstin": "27AAPFU0939F1ZO", "valid_from": "2017-07-01"}, "application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"gstin": [TYPO]}
    listed = api.get(url, headers={"Accept": "application/json"}).json()
    assert [r["gstin"] for r in listed["registrations"]] == [MH]
    one = f"{url}{made.json()['id']}/"
    altered = api.post(one, {"valid_from": "2018-04-01", "version": 1}, "application/json")
    assert altered.json()["valid_from"] == "2018-04-01"
    assert Change.objects.filter(object_type="gst_registration").count() == 2


def test_the_registrations_page(company, alice, client):
    client.force_login(alice)
    url = f"/c/{company.pk}/gst/registrations/"
    assert "No GST registration yet" in client.get(url).content.decode()
    saved = client.post(
        url, {"gstin": MH, "registration_type": "regular", "valid_from": "1-7-2017"}
    )
    assert saved.status_code == 302
    page = client.get(url).content.decode()
    assert MH in page and "27 Maharashtra" in page
    refused = client.post(url, {"gstin": KA[:-1], "valid_from": "1-7-2017"})
    assert refused.status_code == 422
    assert "this has 14" in refused.content.decode()
    assert "gst-registrations-link" in client.get(f"/c/{company.pk}/alter/").content.decode()


def test_a_registration_saved_refreshes_the_open_registrations_lists(company, alice):
    from sync.fragments import change_patch

    saved = gst_registration_create(
        company=company, actor=alice, data={"gstin": "27AAPFU0939F1ZV", "valid_from": "2017-07-01"}
    )
    assert "gst-registrations-list" in change_patch(saved.change).refresh
