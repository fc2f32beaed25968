"""A party ledger's GST details (issue 19): registration type, GSTIN (required where the type
has one), state (from the GSTIN, or typed as a name or GSTN code); bad input names the field and
saves nothing; the details are in the ledger's snapshot and its Edit Log labels."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from core.records import kind_of
from ledgers.models import Ledger
from ledgers.services import ledger_alter, ledger_create

KA = "29AABCR1718E1ZL"
MH = "27AABCR1718E1ZP"


def party(company, alice, **data) -> Ledger:
    return ledger_create(
        company=company,
        actor=alice,
        data={"name": "Rao Electronics", "group": "Sundry Debtors", **data},
    )


def alter(company, alice, ledger, **data) -> Ledger:
    ledger = Ledger.objects.get(pk=ledger.pk)
    return ledger_alter(
        company=company, ledger=ledger, actor=alice, data=data, version=ledger.version
    )


def test_a_gstin_gives_the_state_and_makes_the_party_regular(company, alice):
    made = party(company, alice, gstin=KA)
    assert (made.gstin, made.gst_registration_type, made.state, made.state_code) == (
        KA,
        "regular",
        "Karnataka",
        "29",
    )
    after = made.change.after
    assert (after["gst_registration_type"], after["state_code"], after["state"]) == (
        "regular",
        "29",
        "Karnataka",
    )


def test_a_state_typed_as_its_code_or_name(company, alice):
    assert party(company, alice, state="30").state == "Goa"
    other = ledger_create(
        company=company,
        actor=alice,
        data={"name": "Nair Stores", "group": "Sundry Debtors", "state": "kerala"},
    )
    assert (other.state, other.state_code) == ("Kerala", "32")


def test_a_state_that_is_no_state_stays_as_typed_for_a_ledger_without_gst(company, alice):
    made = party(company, alice, state="Dubai")
    assert (made.state, made.state_code, made.gst_registration_type) == ("Dubai", "", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"gst_registration_type": "Regular"},
            "gstin",
            "Enter the GSTIN: a party registered as Regular has one.",
        ),
        (
            {"gst_registration_type": "SEZ", "gstin": ""},
            "gstin",
            "Enter the GSTIN: a party registered as SEZ has one.",
        ),
        (
            {"gst_registration_type": "consumer", "gstin": KA},
            "gst_registration_type",
            "A party registered as Consumer has no GSTIN: clear it, or choose Regular.",
        ),
        (
            {"gstin": KA, "state": "Maharashtra"},
            "state",
            f"The GSTIN {KA} is of Karnataka (29), not Maharashtra.",
        ),
        (
            {"gst_registration_type": "unregistered", "state": "Atlantis"},
            "state",
            "Choose the state by its name or code, like Goa or 30.",
        ),
        (
            {"gstin": "29AABCR1718E1ZM"},
            "gstin",
            "This GSTIN's check character is wrong: please check for a typo.",
        ),
        (
            {"gst_registration_type": "Casual"},
            "gst_registration_type",
            "Choose a registration type: Regular, Composition, Consumer, Unregistered, "
            "Overseas, SEZ, Deemed export or UIN holder.",
        ),
    ],
)
def test_gst_details_that_disagree_are_refused_and_nothing_is_saved(
    company, alice, data, field, message
):
    with pytest.raises(Invalid) as caught:
        party(company, alice, **data)
    assert caught.value.errors == {field: [message]}
    assert not Ledger.objects.filter(company=company, name="Rao Electronics").exists()


def test_an_overseas_party_has_no_state_of_ours(company, alice):
    made = party(company, alice, gst_registration_type="Overseas", state="Dubai")
    assert (made.gst_registration_type, made.state, made.state_code) == ("overseas", "Dubai", "")


def test_an_alteration_judges_what_is_sent_with_what_the_ledger_has(company, alice):
    made = party(company, alice, gstin=KA)
    with pytest.raises(Invalid) as caught:
        alter(company, alice, made, state="Goa")
    assert caught.value.errors == {"state": [f"The GSTIN {KA} is of Karnataka (29), not Goa."]}
    with pytest.raises(Invalid) as caught:
        alter(company, alice, made, gstin="")
    assert caught.value.errors == {
        "gstin": ["Enter the GSTIN: a party registered as Regular has one."]
    }
    moved = alter(company, alice, made, gstin=MH)
    assert (moved.state, moved.state_code) == ("Maharashtra", "27")
    assert (moved.change.before["state_code"], moved.change.after["state_code"]) == ("29", "27")
    consumer = alter(company, alice, moved, gstin="", gst_registration_type="consumer")
    assert (consumer.gstin, consumer.gst_registration_type, consumer.state) == (
        "",
        "consumer",
        "Maharashtra",
    )


def test_the_edit_log_labels_the_gst_details():
    kind = kind_of(Ledger)
    assert kind.labels["gst_registration_type"] == "GST registration type"
    assert kind.labels["state_code"] == "State code"
    assert kind.grown["gst_registration_type"] == ""


def test_the_ledger_json_and_form(company, alice, api, client):
    made = party(company, alice, gstin=KA)
    shown = api.get(f"/c/{company.pk}/ledgers/{made.pk}/").json()
    assert (
        shown["gstin"],
        shown["gst_registration_type"],
        shown["state"],
        shown["state_code"],
    ) == (
        KA,
        "regular",
        "Karnataka",
        "29",
    )
    created = api.post(
        f"/c/{company.pk}/ledgers/",
        {"name": "Iyer & Co", "group": "Sundry Creditors", "gstin": MH, "state": "27"},
        "application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "Maharashtra"
    refused = api.post(
        f"/c/{company.pk}/ledgers/",
        {"name": "Bad GST", "group": "Sundry Debtors", "gstin": "29AABCR1718E1Z"},
        "application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "gstin": ["A GSTIN has 15 characters, like 27AAPFU0939F1ZV; this has 14."]
    }
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/ledgers/new/").content.decode()
    assert (
        'data-gstin-state="#id_state"' in page and "&quot;29&quot;: &quot;Karnataka&quot;" in page
    )
    assert 'name="gst_registration_type"' in page
