"""to_order_create and order_to_draft (reorder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impilo_desktop.api.models import Order, OrderCreate, ShippingOption
from impilo_desktop.domain import (
    DraftInvalid,
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    Problem,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
    order_to_draft,
    to_order_create,
)
from impilo_desktop.domain.new_patient import NewPatient, UsAddress

JANE = PatientChoice(id=5, first_name=" Jane ", last_name="Doe", email="j@example.org")


def jane_order() -> OrderDraft:
    draft = OrderDraft()
    draft.set_patient(JANE)
    draft.add_item(10, 2, name="Cuff")
    draft.add_kit(3)
    return draft


def test_patient_order_body() -> None:
    draft = jane_order()
    draft.external_order_ids = [" PO-1 ", "PO-2"]
    draft.notes = ["  Call first  "]
    body = to_order_create(draft, "desk-abc").to_wire()
    assert body == {
        "patient": {"id": 5, "firstName": "Jane", "lastName": "Doe"},
        "orderItems": [{"item": {"id": 10}, "count": 2}],
        "orderKits": [{"kit": {"id": 3}, "count": 1}],
        "externalOrderIds": ["PO-1", "PO-2", "desk-abc"],
        "orderNotes": [{"note": "Call first"}],
        "shippingOption": "standard",
    }


def test_site_order_body_is_minimal() -> None:
    draft = OrderDraft()
    draft.set_site(SiteChoice(id=2, name="North"))
    draft.add_kit(3, 4)
    draft.shipping_option = ShippingOption.OVERNIGHT
    assert to_order_create(draft, "ref").to_wire() == {
        "site": {"id": 2},
        "orderKits": [{"kit": {"id": 3}, "count": 4}],
        "externalOrderIds": ["ref"],
        "shippingOption": "overnight",
    }


def test_a_patient_without_names_is_sent_by_id_only() -> None:
    draft = jane_order()
    draft.set_patient(PatientChoice(id=9))
    assert to_order_create(draft, "ref").to_wire()["patient"] == {"id": 9}


def test_only_the_recipient_of_the_kind_is_sent() -> None:
    # An old draft holding both: the kind decides.
    draft = OrderDraft(
        recipient_kind="site",
        patient=JANE,
        site=SiteChoice(id=2),
        item_lines=[ItemLine(item_id=1)],
    )
    body = to_order_create(draft, "ref").to_wire()
    assert body["site"] == {"id": 2}
    assert "patient" not in body


def test_the_client_reference_is_never_duplicated() -> None:
    draft = jane_order()
    draft.external_order_ids = ["ref-1", "PO"]
    assert to_order_create(draft, " ref-1 ").external_order_ids == ["ref-1", "PO"]


@pytest.mark.parametrize("reference", ["", "   ", "x" * 101])
def test_an_unusable_client_reference_is_a_programming_error(reference: str) -> None:
    with pytest.raises(ValueError, match="client reference"):
        to_order_create(jane_order(), reference)


def test_an_invalid_draft_raises_with_every_problem() -> None:
    draft = OrderDraft(item_lines=[ItemLine(item_id=1, count=0)])
    with pytest.raises(DraftInvalid) as caught:
        to_order_create(draft, "ref")
    assert caught.value.problems == [
        Problem("recipient", "Choose a patient or enter a new one"),
        Problem("item_lines[0].count", "Count must be at least 1"),
    ]
    assert "Choose a patient or enter a new one" in str(caught.value)


def test_catalog_rules_apply_on_conversion() -> None:
    class NothingOrderable:
        def is_orderable(self, item_id: int) -> bool | None:
            return False

        def is_archived_kit(self, kit_id: int) -> bool | None:
            return None

        def is_loaner_kit(self, kit_id: int) -> bool | None:
            return None

    with pytest.raises(DraftInvalid) as caught:
        to_order_create(jane_order(), "ref", NothingOrderable())
    assert [p.field for p in caught.value.problems] == ["item_lines[0].item"]


def test_two_way_order_body() -> None:
    draft = jane_order()
    draft.return_items = [ReturnItem(item_id=12, count=2)]
    draft.return_devices = [ReturnDevice(device_id=77)]
    draft.return_packed_kits = [ReturnPackedKit(packed_kit_id=8, quantity=1)]
    draft.email_label = True
    body = to_order_create(draft, "ref").to_wire()
    assert body["returnItems"] == [{"id": 12, "count": 2}]
    assert body["returnDevices"] == [{"id": 77}]
    assert body["returnPackedKits"] == [{"id": 8, "quantity": 1}]
    assert body["emailLabel"] is True


def test_email_label_is_left_out_without_returns() -> None:
    draft = jane_order()
    draft.email_label = True
    assert "emailLabel" not in to_order_create(draft, "ref").to_wire()


def test_return_only_order_with_emailed_label_needs_no_shipping_option() -> None:
    draft = OrderDraft()
    draft.set_patient(JANE)
    draft.return_devices = [ReturnDevice(device_id=77)]
    draft.email_label = True
    draft.shipping_option = None
    body = to_order_create(draft, "ref").to_wire()
    assert body == {
        "patient": {"id": 5, "firstName": "Jane", "lastName": "Doe"},
        "externalOrderIds": ["ref"],
        "emailLabel": True,
        "returnDevices": [{"id": 77}],
    }


def test_the_body_is_valid_against_the_strict_request_model() -> None:
    body = to_order_create(jane_order(), "ref").to_wire()
    assert OrderCreate.model_validate(body).to_wire() == body


# --- reorder -------------------------------------------------------------------------------


def test_reorder_the_example_order(data_dir: Path) -> None:
    order = Order.model_validate(
        json.loads((data_dir / "fixtures" / "order.response.json").read_text())
    )
    draft = order_to_draft(order)
    assert draft.external_order_ids == []
    assert draft.notes == []
    assert not draft.has_returns
    if order.patient is not None:
        assert draft.recipient_kind == "patient"
        assert draft.patient is not None
        assert draft.patient.id == order.patient.id
        assert draft.site is None
    wanted_items = {oi.item.id for oi in order.order_items if oi.item is not None}
    assert {ln.item_id for ln in draft.item_lines} == wanted_items
    assert len(draft.kit_lines) == len({ok.kit.id for ok in order.order_kits if ok.kit})


def test_reorder_copies_recipient_lines_and_shipping_only() -> None:
    order = Order.model_validate(
        {
            "id": 900,
            "externalOrderIds": ["PO-7", "desk-old-ref"],
            "patient": {
                "id": 5,
                "firstName": "Jane",
                "lastName": "Doe",
                "dateOfBirth": "1980-01-01T00:00:00Z",
                "externalIdentifier": "MRN-1",
                "site": {"id": 2, "name": "North"},
            },
            "currentStatus": "delivered",
            "orderItems": [
                {
                    "item": {"id": 10, "name": "Cuff", "sku": "C-1", "manufacturer": {"name": "A"}},
                    "count": 2,
                },
                {"item": {"id": 10, "name": "Cuff"}, "count": 1},
                {"item": {"name": "Mystery"}, "count": None},
            ],
            "orderKits": [{"kit": {"id": 3, "name": "Starter"}, "count": 1}],
            "orderNotes": [{"note": "old note"}],
            "shippingOption": "overnight",
            "emailLabel": True,
            "returnDevices": [{"id": 4}],
        }
    )
    draft = order_to_draft(order)
    assert draft.patient == PatientChoice(
        id=5,
        first_name="Jane",
        last_name="Doe",
        date_of_birth="1980-01-01",
        external_identifier="MRN-1",
        site_id=2,
        site_name="North",
    )
    assert draft.item_lines == [
        ItemLine(item_id=10, count=3, name="Cuff", sku="C-1", manufacturer="A"),
        ItemLine(item_id=None, count=1, name="Mystery"),
    ]
    assert draft.kit_lines == [KitLine(kit_id=3, count=1, name="Starter")]
    assert draft.shipping_option == ShippingOption.OVERNIGHT
    assert (draft.external_order_ids, draft.notes, draft.email_label) == ([], [], False)
    assert not draft.has_returns


def test_reorder_of_a_site_order_with_an_unknown_shipping_option() -> None:
    order = Order.model_validate(
        {
            "site": {"id": 2, "name": "North", "address": {"city": "Austin", "state": "TX"}},
            "orderKits": [{"kit": {"id": 3}, "count": 2}],
            "shippingOption": "teleport",
        }
    )
    draft = order_to_draft(order)
    assert draft.recipient_kind == "site"
    assert draft.site == SiteChoice(id=2, name="North", city="Austin", state="TX")
    assert draft.shipping_option == ShippingOption.STANDARD
    assert to_order_create(draft, "r").to_wire()["orderKits"] == [{"kit": {"id": 3}, "count": 2}]


# --- a new patient, created with the order ----------------------------------------------------


def new_patient_order(new: NewPatient) -> OrderDraft:
    draft = OrderDraft()
    draft.set_new_patient(new)
    draft.add_item(10, 1)
    return draft


def test_a_new_patient_travels_inside_the_order() -> None:
    new = NewPatient(
        first_name="  Ada ",
        last_name="Okafor ",
        date_of_birth=" 1961-02-28 ",
        sex=" Female",
        email=" ada.okafor@mail.example.net ",
        phone_number=" (570) 555-0142 ",
        external_identifier=" MRN-00417 ",
        site_id=3,
        address=UsAddress(
            line_one=" 18 Larch Lane ",
            line_two="  ",
            city=" Dunmore",
            state="pa ",
            zip_code="185120042",
            country="usa",
        ),
    )
    body = to_order_create(new_patient_order(new), "desk-abc").to_wire()
    assert body["patient"] == {
        "firstName": "Ada",
        "lastName": "Okafor",
        "dateOfBirth": "1961-02-28",
        "sex": "female",
        "email": "ada.okafor@mail.example.net",
        "phoneNumber": "(570) 555-0142",
        "externalIdentifier": "MRN-00417",
        "site": {"id": 3},
        "address": {
            "lineOne": "18 Larch Lane",
            "city": "Dunmore",
            "state": "PA",
            "zipCode": "18512-0042",
            "country": "USA",
        },
    }
    assert "site" not in body


def test_a_new_patients_empty_fields_are_left_out() -> None:
    new = NewPatient(
        first_name="Ada",
        last_name="Okafor",
        address=UsAddress(
            line_one="18 Larch Lane", city="Dunmore", state="PA", zip_code="18512", country=""
        ),
    )
    body = to_order_create(new_patient_order(new), "desk-abc").to_wire()
    assert body["patient"] == {
        "firstName": "Ada",
        "lastName": "Okafor",
        "address": {
            "lineOne": "18 Larch Lane",
            "city": "Dunmore",
            "state": "PA",
            "zipCode": "18512",
            "country": "USA",
        },
    }


def test_an_invalid_new_patient_is_not_converted() -> None:
    new = NewPatient(first_name="Ada", last_name="Okafor")
    with pytest.raises(DraftInvalid) as caught:
        to_order_create(new_patient_order(new), "ref")
    assert [p.field for p in caught.value.problems] == [
        "new_patient.address.line_one",
        "new_patient.address.city",
        "new_patient.address.state",
        "new_patient.address.zip_code",
    ]
