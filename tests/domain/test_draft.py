"""OrderDraft: editing helpers, recipient rule, summary, JSON round-trip and old-draft tolerance."""

from __future__ import annotations

import json

import pytest

from impilo_desktop.api.models import Patient, ShippingOption, Site
from impilo_desktop.domain import (
    ItemLine,
    OrderDraft,
    PatientChoice,
    ReturnDevice,
    SiteChoice,
)

JANE = PatientChoice(id=5, first_name="Jane", last_name="Doe", site_id=2, site_name="North")
NORTH = SiteChoice(id=2, name="North Clinic", city="Austin", state="TX")


def test_new_draft_defaults() -> None:
    draft = OrderDraft()
    assert draft.recipient_kind == "patient"
    assert draft.shipping_option == ShippingOption.STANDARD
    assert draft.email_label is False
    assert draft.is_empty()
    assert len(draft.draft_id) == 36
    assert OrderDraft().draft_id != draft.draft_id
    assert draft.created_at.tzinfo is not None


def test_add_item_twice_increases_the_count() -> None:
    draft = OrderDraft()
    draft.add_item(10, 2, name="BP cuff", sku="BP-1")
    line = draft.add_item(10, 3)
    assert len(draft.item_lines) == 1
    assert line.count == 5
    assert draft.item_lines[0].name == "BP cuff"
    draft.add_item(11)
    assert [ln.item_id for ln in draft.item_lines] == [10, 11]


def test_add_item_fills_a_missing_snapshot() -> None:
    draft = OrderDraft(item_lines=[ItemLine(item_id=10, count=1)])
    draft.add_item(10, 1, name="Scale", sku="SC-9", manufacturer="Acme")
    assert draft.item_lines[0].model_dump(include={"name", "sku", "manufacturer"}) == {
        "name": "Scale",
        "sku": "SC-9",
        "manufacturer": "Acme",
    }


def test_set_and_remove_items_and_kits() -> None:
    draft = OrderDraft()
    draft.add_item(10)
    draft.set_item_count(10, 7)
    assert draft.item_lines[0].count == 7
    assert draft.remove_item(10) is True
    assert draft.remove_item(10) is False
    assert draft.item_lines == []

    draft.add_kit(3, name="Starter kit")
    draft.add_kit(3, 2)
    assert draft.kit_lines[0].count == 3
    draft.set_kit_count(3, 1)
    assert draft.kit_lines[0].count == 1
    assert draft.remove_kit(3) is True
    assert draft.kit_lines == []


def test_set_count_of_an_absent_line_is_a_key_error() -> None:
    draft = OrderDraft()
    with pytest.raises(KeyError):
        draft.set_item_count(99, 1)
    with pytest.raises(KeyError):
        draft.set_kit_count(99, 1)


def test_editing_moves_updated_at() -> None:
    draft = OrderDraft()
    before = draft.updated_at
    draft.add_item(1)
    assert draft.updated_at >= before
    assert draft.created_at <= draft.updated_at


def test_choosing_a_site_drops_the_patient_and_back() -> None:
    draft = OrderDraft()
    draft.set_patient(JANE)
    assert (draft.recipient_kind, draft.recipient) == ("patient", JANE)
    draft.set_site(NORTH)
    assert (draft.recipient_kind, draft.recipient, draft.patient) == ("site", NORTH, None)
    draft.set_patient(JANE)
    assert (draft.recipient_kind, draft.recipient, draft.site) == ("patient", JANE, None)


def test_set_recipient_kind_clears_only_when_the_kind_changes() -> None:
    draft = OrderDraft()
    draft.set_patient(JANE)
    draft.set_recipient_kind("patient")
    assert draft.patient == JANE
    draft.set_recipient_kind("site")
    assert draft.patient is None
    assert draft.site is None
    assert draft.recipient is None


def test_recipient_follows_the_kind_when_an_old_draft_holds_both() -> None:
    draft = OrderDraft(recipient_kind="site", patient=JANE, site=NORTH)
    assert draft.recipient == NORTH


def test_summary() -> None:
    draft = OrderDraft()
    assert draft.summary() == "No recipient — nothing added yet"
    draft.set_patient(JANE)
    draft.add_item(1)
    draft.add_item(2)
    draft.add_kit(3)
    assert draft.summary() == "Jane Doe — 2 items, 1 kit"
    draft.return_devices.append(ReturnDevice(device_id=4))
    assert draft.summary() == "Jane Doe — 2 items, 1 kit, 1 return"
    draft.set_site(NORTH)
    assert draft.summary().startswith("North Clinic — ")


def test_summary_counts_units_and_ignores_negative_counts() -> None:
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=9))
    draft.add_item(1, 3)
    draft.add_item(2, -4)
    assert draft.summary() == "Patient #9 — 3 items"


def test_is_empty_ignores_blank_texts_but_not_content() -> None:
    draft = OrderDraft(external_order_ids=["  "], notes=[""])
    assert draft.is_empty()
    draft.notes.append("call first")
    assert not draft.is_empty()
    assert not OrderDraft(site=NORTH).is_empty()


def test_json_round_trip() -> None:
    draft = OrderDraft()
    draft.set_patient(JANE)
    draft.add_item(10, 2, name="Cuff")
    draft.add_kit(3, name="Kit")
    draft.external_order_ids.append("PO-1")
    draft.notes.append("Leave at reception")
    draft.shipping_option = ShippingOption.OVERNIGHT
    text = draft.model_dump_json()
    again = OrderDraft.model_validate_json(text)
    assert again == draft
    assert again.model_dump_json() == text


def test_an_old_saved_draft_loads_with_defaults() -> None:
    old = {"draft_id": "abc", "patient": {"id": 5}, "item_lines": [{"item_id": 1}]}
    draft = OrderDraft.model_validate_json(json.dumps(old))
    assert draft.draft_id == "abc"
    assert draft.patient is not None
    assert draft.patient.first_name == ""
    assert draft.item_lines[0].count == 1
    assert draft.kit_lines == []
    assert draft.shipping_option == ShippingOption.STANDARD


def test_fields_from_a_newer_version_are_ignored_and_unknown_shipping_kept() -> None:
    newer = {"future_field": 1, "shipping_option": "drone", "site": {"id": 2, "zone": "x"}}
    draft = OrderDraft.model_validate(newer)
    assert draft.shipping_option == "drone"
    assert draft.site == SiteChoice(id=2)


def test_copy_as_new_has_a_fresh_identity() -> None:
    draft = OrderDraft()
    draft.add_item(1)
    copy = draft.copy_as_new()
    assert copy.draft_id != draft.draft_id
    copy.add_item(1)
    assert draft.item_lines[0].count == 1


def test_choices_from_api_records() -> None:
    patient = Patient.model_validate(
        {
            "id": 5,
            "firstName": " Jane",
            "lastName": "Doe ",
            "dateOfBirth": "1980-01-01T00:00:00Z",
            "email": "j@example.org",
            "externalIdentifier": "MRN-1",
            "archived": False,
            "site": {"id": 2, "name": "North"},
        }
    )
    assert PatientChoice.from_patient(patient) == PatientChoice(
        id=5,
        first_name="Jane",
        last_name="Doe",
        date_of_birth="1980-01-01",
        email="j@example.org",
        external_identifier="MRN-1",
        site_id=2,
        site_name="North",
        archived=False,
    )
    assert PatientChoice.from_patient(Patient()) == PatientChoice()
    site = Site.model_validate(
        {"id": 2, "name": "North", "active": True, "address": {"city": "Austin", "state": "TX"}}
    )
    assert SiteChoice.from_site(site) == SiteChoice(
        id=2, name="North", city="Austin", state="TX", active=True
    )
    assert SiteChoice.from_site(Site(id=3)).display_name == "Site #3"


def test_nulls_in_a_saved_draft_read_as_defaults() -> None:
    text = json.dumps({"recipient_kind": None, "item_lines": None, "notes": None})
    draft = OrderDraft.model_validate_json(text)
    assert (draft.recipient_kind, draft.item_lines, draft.notes) == ("patient", [], [])
