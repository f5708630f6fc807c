"""Create-order request JSON -> draft (`drafts import`): problems, never exceptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain import (
    ItemLine,
    KitLine,
    PatientChoice,
    Problem,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
    draft_from_create_json,
    import_create_json,
    to_order_create,
)
from impilo_desktop.domain.new_patient import NewPatient, UsAddress


def load(data_dir: Path, name: str) -> Any:
    return json.loads((data_dir / "fixtures" / name).read_text())


def test_patient_fixture_names_the_lines_without_item_ids(data_dir: Path) -> None:
    result = import_create_json(load(data_dir, "create-patient-order.request.json"))
    draft = result.draft
    assert draft.patient == PatientChoice(id=4821, first_name="Amara", last_name="Okafor")
    assert draft.item_lines == [
        ItemLine(item_id=None, count=2),
        ItemLine(item_id=None, count=1),
        ItemLine(item_id=None, count=3),
    ]
    assert [(ln.kit_id, ln.count) for ln in draft.kit_lines] == [(2210, 1), (2214, 2)]
    assert draft.external_order_ids == ["ACFC-2025-0611", "ACFC-2025-0611-b"]
    assert draft.notes == ["Patient works nights; deliver after 2 pm."]
    assert draft.shipping_option == ShippingOption.OVERNIGHT
    assert result.problems == [
        Problem(f"item_lines[{i}].item", f"Line {i + 1} has no item id; choose the item")
        for i in range(3)
    ]
    assert result.ignored == []
    assert not result.ok


def test_site_fixture_reports_the_missing_site_id(data_dir: Path) -> None:
    result = import_create_json(load(data_dir, "create-site-order.request.json"))
    assert result.draft.recipient_kind == "site"
    assert result.draft.site == SiteChoice()
    assert result.problems[0] == Problem(
        "recipient", "The site has no Impilo site id; choose the site from the list"
    )
    assert [p.field for p in result.problems[1:]] == [f"item_lines[{i}].item" for i in range(4)]


def test_draft_from_create_json_gives_just_the_draft(data_dir: Path) -> None:
    draft = draft_from_create_json(load(data_dir, "create-patient-order.request.json"))
    assert len(draft.item_lines) == 3
    assert draft.patient is not None


def test_a_complete_file_becomes_a_sendable_draft() -> None:
    data = {
        "patient": {
            "id": "1234",
            "firstName": "John",
            "lastName": "Doe",
            "dateOfBirth": "1980-01-01T00:00:00Z",
            "site": {"id": 3, "name": "North"},
        },
        "orderItems": [{"item": {"id": 10, "name": "Cuff", "sku": "C-1"}, "count": 2.0}],
        "orderKits": [{"kit": {"id": 55}, "count": "1"}],
        "externalOrderIds": ["PO-1", 17],
        "orderNotes": [{"note": "Call first"}, "Gate 4"],
        "shippingOption": "overnight",
        "emailLabel": False,
        "returnItems": [{"id": 12, "count": 1}, {"item": {"id": 13}, "count": 2}],
        "returnDevices": [{"id": 77}],
        "returnPackedKits": [{"id": 8}],
        "currentStatus": "orderPlaced",
        "id": 5,
    }
    result = import_create_json(data)
    assert result.problems == []
    assert result.ok
    assert result.ignored == ["currentStatus", "id"]
    draft = result.draft
    assert draft.patient == PatientChoice(
        id=1234,
        first_name="John",
        last_name="Doe",
        date_of_birth="1980-01-01",
        site_id=3,
        site_name="North",
    )
    assert draft.item_lines == [ItemLine(item_id=10, count=2, name="Cuff", sku="C-1")]
    assert draft.kit_lines == [KitLine(kit_id=55, count=1)]
    assert draft.external_order_ids == ["PO-1", "17"]
    assert draft.notes == ["Call first", "Gate 4"]
    assert draft.return_items == [ReturnItem(item_id=12, count=1), ReturnItem(item_id=13, count=2)]
    assert draft.return_devices == [ReturnDevice(device_id=77)]
    assert draft.return_packed_kits == [ReturnPackedKit(packed_kit_id=8, quantity=1)]
    body = to_order_create(draft, "desk-1").to_wire()
    assert body["externalOrderIds"] == ["PO-1", "17", "desk-1"]
    assert body["emailLabel"] is False


def test_both_patient_and_site_keeps_the_patient() -> None:
    result = import_create_json(
        {"patient": {"id": 1}, "site": {"id": 2}, "orderKits": [{"kit": {"id": 3}, "count": 1}]}
    )
    assert result.draft.recipient_kind == "patient"
    assert result.draft.site is None
    assert result.problems == [
        Problem(
            "recipient",
            "The file names both a patient and a site; an order goes to one recipient, "
            "so the site was left out",
        )
    ]


def test_structural_problems_are_explained_once_per_field() -> None:
    result = import_create_json(
        {
            "patient": {"id": True},
            "orderItems": [
                {"item": {"id": "abc"}, "count": "many"},
                "garbage",
                {"item": 5, "count": None},
            ],
            "orderKits": {"kit": 1},
            "externalOrderIds": [None],
            "orderNotes": [3],
            "shippingOption": 1,
            "emailLabel": "yes",
            "returnDevices": [{"id": [1]}],
        }
    )
    assert result.problems == [
        Problem("recipient", "The patient id must be a number"),
        Problem("item_lines[0].item", "The item id 'abc' is not a number"),
        Problem("item_lines[0].count", "The count 'many' is not a whole number"),
        Problem("item_lines[1]", "Line 2 must be an object, not 'garbage'"),
        Problem("item_lines[1].count", "This line has no count"),
        Problem("item_lines[2].item", "Line 3's item must be an object, not 5"),
        Problem("item_lines[2].count", "This line has no count"),
        Problem("kit_lines", "orderKits must be a list, not {'kit': 1}"),
        Problem("external_order_ids", "External order id None was left out"),
        Problem("notes", "Note 3 was left out"),
        Problem("email_label", "emailLabel must be true or false"),
        Problem("return_devices[0].device", "The device id [1] is not a number"),
        Problem("shipping_option", "Shipping option 1 is not understood"),
        # Validation adds what the file's own problems did not already explain.
        Problem("item_lines[1].item", "Line 2 has no item id; choose the item"),
    ]


@pytest.mark.parametrize("data", [None, [], "order", 42])
def test_not_an_object(data: Any) -> None:
    result = import_create_json(data)
    assert result.problems[0] == Problem(
        "file", "The file does not hold an order (expected a JSON object)"
    )
    assert result.draft.is_empty()


def test_an_empty_object_needs_recipient_and_lines() -> None:
    assert [p.field for p in import_create_json({}).problems] == ["recipient", "lines"]


def test_missing_shipping_option_is_standard_unless_a_return_label_is_shipped() -> None:
    plain = import_create_json({"site": {"id": 2}, "orderKits": [{"kit": {"id": 3}, "count": 1}]})
    assert plain.ok
    assert plain.draft.shipping_option == ShippingOption.STANDARD

    returns = {"patient": {"id": 1}, "returnDevices": [{"id": 7}]}
    shipped_label = import_create_json({**returns, "emailLabel": False})
    assert shipped_label.draft.shipping_option is None
    assert shipped_label.problems == [
        Problem(
            "shipping_option",
            "Choose a shipping option for orders with returns, or email the return label",
        )
    ]
    emailed = import_create_json({**returns, "emailLabel": True})
    assert emailed.ok
    assert to_order_create(emailed.draft, "r").to_wire()["shippingOption"] == "standard"


# --- a new patient (no id), created with the order ---------------------------------------------


def test_a_patient_without_an_id_is_a_new_patient(data_dir: Path) -> None:
    result = import_create_json(load(data_dir, "create-new-patient-order.request.json"))
    assert result.ok, result.problems
    assert result.ignored == []
    draft = result.draft
    assert draft.is_new_patient_order
    assert draft.new_patient == NewPatient(
        first_name="Marisol",
        last_name="Teague",
        sex="female",
        email="marisol.teague@mail.example.net",
        address=UsAddress(
            line_one="18 Larch Lane",
            line_two="Unit 3",
            city="Dunmore",
            state="PA",
            zip_code="18512-0042",
            country="USA",
        ),
    )
    assert draft.summary() == "Marisol Teague (new patient) — 3 items, 1 kit"
    body = to_order_create(draft, "desk-1").to_wire()
    sent = load(data_dir, "create-new-patient-order.request.json")
    assert body["patient"] == sent["patient"]


def test_a_new_patient_without_an_address_is_refused_naming_it() -> None:
    result = import_create_json(
        {
            "patient": {"firstName": "Marisol", "lastName": "Teague"},
            "orderItems": [{"item": {"id": 1001}, "count": 1}],
        }
    )
    assert result.problems == [
        Problem(
            "new_patient.address",
            "The new patient has no address (street, city, state and ZIP); Impilo needs one"
            " to ship the order",
        )
    ]


def test_a_new_patients_fields_are_judged_like_the_forms() -> None:
    result = import_create_json(
        {
            "patient": {
                "id": None,
                "firstName": "Marisol",
                "dateOfBirth": "1961-02-28T00:00:00Z",  # an older payload's timestamp
                "email": ["not", "text"],
                "phoneNumber": 5705550142,  # digits written as a number
                "site": {"id": "104", "name": "North"},
                "address": {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "Penn",
                            "zipCode": 18512, "lineThree": "Rear", "note": "Side gate"},
                "archived": False,
            },
            "orderItems": [{"item": {"id": 1001}, "count": 1}],
        }
    )  # fmt: skip
    new = result.draft.new_patient
    assert new is not None
    assert (new.date_of_birth, new.phone_number, new.site_id) == ("1961-02-28", "5705550142", 104)
    assert new.address.zip_code == "18512"
    assert result.problems == [
        Problem("new_patient.email", "Email ['not', 'text'] is not text"),
        Problem("new_patient.last_name", "Enter the last name"),
        Problem(
            "new_patient.address.state", "Enter the state as its two-letter code (e.g. NY, CA, PR)"
        ),
    ]
    assert result.ignored == [
        "patient.archived",
        "patient.address.lineThree",
        "patient.address.note",
    ]


def test_a_patient_with_an_unreadable_id_is_still_a_chosen_patient() -> None:
    result = import_create_json({"patient": {"id": "abc", "firstName": "Marisol"}})
    assert result.draft.new_patient is None
    assert result.problems[0] == Problem("recipient", "The patient id 'abc' is not a number")
