"""POST /order: every create-order rule, and what a created order looks like."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer

PATIENT = 10001
SITE = 101
ITEM = 1001  # Upper Arm Blood Pressure Monitor: orderable, serialised
SUPPLY = 1035  # Guide Test Strips (50): orderable, not serialised
NOT_ORDERABLE = 1012  # BP Monitor Classic (discontinued)
OUT_OF_STOCK = 1062  # Cellular Gateway Hub
KIT = 501
ARCHIVED_KIT = 511
LOANER_KIT = 510


def body(**overrides: Any) -> dict[str, Any]:
    """A valid patient order, with fields replaced (None removes a field)."""
    order: dict[str, Any] = {
        "patient": {"id": PATIENT},
        "orderItems": [{"item": {"id": ITEM}, "count": 1}],
        "shippingOption": "standard",
    }
    order.update(overrides)
    return {k: v for k, v in order.items() if v is not None}


def rejected(api: httpx.Client, payload: Any, code: str) -> str:
    response = api.post("/order", json=payload)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["status"] == 400
    assert error["error"] == "Bad Request"
    assert error["code"] == code, error
    assert error["message"]
    return str(error["message"])


def test_catalog_constants_match_the_seed(sandbox: SandboxServer) -> None:
    items, kits = sandbox.seed.items, sandbox.seed.kits
    assert items[ITEM].orderable
    assert items[ITEM].identifier_type
    assert items[SUPPLY].orderable
    assert not items[SUPPLY].identifier_type
    assert not items[NOT_ORDERABLE].orderable
    assert sandbox.seed.stock(OUT_OF_STOCK) == 0
    assert items[OUT_OF_STOCK].orderable
    assert kits[ARCHIVED_KIT].archived
    assert kits[LOANER_KIT].loaner
    assert not kits[KIT].archived
    assert not sandbox.seed.patients[PATIENT].archived
    assert sandbox.seed.sites[SITE].active


def test_patient_order_is_placed_with_everything_expanded(api: httpx.Client) -> None:
    response = api.post(
        "/order",
        json=body(
            orderItems=[{"item": {"id": ITEM}, "count": 2}, {"item": {"id": SUPPLY}, "count": 3}],
            orderKits=[{"kit": {"id": KIT}, "count": 1}],
            externalOrderIds=["desk-1", "EHR-77"],
            orderNotes=[{"note": "Leave with the neighbour."}],
            shippingOption="overnight",
        ),
    )
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["id"] > 100600
    assert order["currentStatus"] == "orderPlaced"
    assert order["patient"]["id"] == PATIENT
    assert order["patient"]["firstName"]
    assert order["patient"]["site"]["name"]
    assert "site" not in order
    assert [(line["item"]["id"], line["count"]) for line in order["orderItems"]] == [
        (ITEM, 2),
        (SUPPLY, 3),
    ]
    assert order["orderItems"][0]["item"]["manufacturer"]["name"] == "Omron Healthcare"
    assert order["orderKits"][0]["kit"]["kitItems"][0]["item"]["sku"]
    assert [e["name"] for e in order["orderEvents"]] == ["orderPlaced"]
    assert order["orderEvents"][0]["eventTimestamp"].endswith("Z")
    assert order["orderNotes"][0]["note"] == "Leave with the neighbour."
    assert order["orderNotes"][0]["createdAt"].endswith("Z")
    assert order["externalOrderIds"] == ["desk-1", "EHR-77"]
    assert order["shippingOption"] == "overnight"
    assert order["trackingNumbers"] == []
    assert order["devices"] == []
    assert order["packedKits"] == []


def test_site_order_is_placed(api: httpx.Client) -> None:
    response = api.post("/order", json=body(patient=None, site={"id": SITE, "name": "ignored"}))
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["site"]["id"] == SITE
    assert "patient" not in order


def test_shipping_option_defaults_to_standard(api: httpx.Client) -> None:
    response = api.post("/order", json=body(shippingOption=None))
    assert response.status_code == 200
    assert response.json()["shippingOption"] == "standard"


def test_extra_fields_on_references_are_ignored(api: httpx.Client) -> None:
    """The client sends the patient's names too (Impilo's schema marks them required)."""
    payload = body(patient={"id": PATIENT, "firstName": "X", "lastName": "Y", "sex": "unknown"})
    payload["orderKits"] = [{"kit": {"id": KIT, "kitItems": []}, "count": 1}]
    response = api.post("/order", json=payload)
    assert response.status_code == 200, response.text
    assert response.json()["patient"]["firstName"] != "X"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("create-patient-order", "patient_not_found"),
        ("create-site-order", "patient_or_site_required"),
    ],
)
def test_guide_shaped_examples_are_rejected(
    api: httpx.Client, data_dir: Path, name: str, code: str
) -> None:
    """Our examples in the order guide's shapes: an unknown patient, a site without an id."""
    payload = json.loads((data_dir / "fixtures" / f"{name}.request.json").read_text())
    response = api.post("/order", json=payload)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_guide_shaped_example_with_a_real_patient_still_fails_on_item_ids(
    api: httpx.Client, data_dir: Path
) -> None:
    payload = json.loads((data_dir / "fixtures" / "create-patient-order.request.json").read_text())
    payload["patient"]["id"] = PATIENT
    rejected(api, payload, "item_id_required")


def test_malformed_json(api: httpx.Client) -> None:
    response = api.post(
        "/order", content=b'{"patient": {"id": 1', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_body_must_be_an_object(api: httpx.Client) -> None:
    rejected(api, [body()], "invalid_body")


def test_patient_and_site_together(api: httpx.Client) -> None:
    rejected(api, body(site={"id": SITE}), "patient_and_site")


def test_no_recipient(api: httpx.Client) -> None:
    assert rejected(api, body(patient=None), "patient_or_site_required") == (
        "patient or site required"
    )


def test_a_site_without_id(api: httpx.Client) -> None:
    # Sites exist before orders: a name and an address do not make one.
    site = {"site": {"name": "Building B", "address": {"lineOne": "1 Main St"}}}
    rejected(api, {**body(patient=None), **site}, "patient_or_site_required")


@pytest.mark.parametrize(
    ("patient", "message"),
    [
        ({"firstName": "John", "lastName": "Doe"}, "patient.address is required."),
        (
            {"id": None},
            "patient.firstName is required. patient.lastName is required."
            " patient.address is required.",
        ),
    ],
)
def test_a_patient_without_id_is_a_new_patient(
    api: httpx.Client, patient: dict[str, Any], message: str
) -> None:
    # tests/sandbox/test_new_patients.py has every rule of a new patient.
    assert rejected(api, body(patient=patient), "patient_field_required") == message


def test_recipient_must_be_an_object(api: httpx.Client) -> None:
    rejected(api, body(patient=PATIENT), "invalid_field")


@pytest.mark.parametrize("bad", ["10001", 0, -4, 1.5, True])
def test_recipient_id_must_be_a_positive_integer(api: httpx.Client, bad: Any) -> None:
    rejected(api, body(patient={"id": bad}), "invalid_id")


def test_unknown_patient_and_site(api: httpx.Client) -> None:
    rejected(api, body(patient={"id": 1234}), "patient_not_found")
    rejected(api, body(patient=None, site={"id": 999}), "site_not_found")


def test_archived_patient(api: httpx.Client, sandbox: SandboxServer) -> None:
    archived = next(p.id for p in sandbox.seed.patients.values() if p.archived)
    rejected(api, body(patient={"id": archived}), "patient_archived")


def test_inactive_site(api: httpx.Client, sandbox: SandboxServer) -> None:
    inactive = next(s.id for s in sandbox.seed.sites.values() if not s.active)
    message = rejected(api, body(patient=None, site={"id": inactive}), "site_inactive")
    assert str(inactive) in message


@pytest.mark.parametrize("lines", [{}, {"orderItems": []}, {"orderItems": None}])
def test_at_least_one_line(api: httpx.Client, lines: dict[str, Any]) -> None:
    payload = body(orderItems=None)
    payload.update(lines)
    rejected(api, payload, "no_lines")


def test_lines_must_be_lists(api: httpx.Client) -> None:
    rejected(api, body(orderItems={"item": {"id": ITEM}, "count": 1}), "invalid_field")


def test_item_line_needs_an_item_id(api: httpx.Client) -> None:
    rejected(api, body(orderItems=[{"item": {}, "count": 1}]), "item_id_required")
    rejected(api, body(orderItems=[{"count": 1}]), "item_id_required")


def test_kit_line_needs_a_kit_id(api: httpx.Client) -> None:
    rejected(api, body(orderKits=[{"kit": {"name": "x"}, "count": 1}]), "kit_id_required")


def test_unknown_item_and_kit(api: httpx.Client) -> None:
    rejected(api, body(orderItems=[{"item": {"id": 99}, "count": 1}]), "item_not_found")
    rejected(api, body(orderKits=[{"kit": {"id": 99}, "count": 1}]), "kit_not_found")


@pytest.mark.parametrize("count", [0, -1, 1.5, "2", True, 2**31])
def test_counts_are_integers_of_at_least_one(api: httpx.Client, count: Any) -> None:
    rejected(api, body(orderItems=[{"item": {"id": ITEM}, "count": count}]), "invalid_count")
    rejected(api, body(orderKits=[{"kit": {"id": KIT}, "count": count}]), "invalid_count")


def test_count_is_required(api: httpx.Client) -> None:
    rejected(api, body(orderItems=[{"item": {"id": ITEM}}]), "count_required")


def test_non_orderable_item(api: httpx.Client) -> None:
    message = rejected(
        api, body(orderItems=[{"item": {"id": NOT_ORDERABLE}, "count": 1}]), "item_not_orderable"
    )
    assert str(NOT_ORDERABLE) in message


def test_out_of_stock_item(api: httpx.Client) -> None:
    rejected(
        api, body(orderItems=[{"item": {"id": OUT_OF_STOCK}, "count": 1}]), "insufficient_inventory"
    )


def test_archived_kit(api: httpx.Client) -> None:
    rejected(api, body(orderKits=[{"kit": {"id": ARCHIVED_KIT}, "count": 1}]), "kit_archived")


def test_duplicated_lines_are_refused(api: httpx.Client) -> None:
    line = {"item": {"id": ITEM}, "count": 1}
    rejected(api, body(orderItems=[line, line]), "duplicate_line")
    kit = {"kit": {"id": KIT}, "count": 1}
    rejected(api, body(orderKits=[kit, kit]), "duplicate_line")


@pytest.mark.parametrize("field", ["id", "currentStatus", "orderEvents", "trackingNumbers",
                                   "devices", "packedKits"])  # fmt: skip
def test_read_only_fields(api: httpx.Client, field: str) -> None:
    message = rejected(api, body(**{field: []}), "read_only_field")
    assert field in message


def test_unknown_field(api: httpx.Client) -> None:
    rejected(api, body(shipping="standard"), "unknown_field")


@pytest.mark.parametrize("option", ["express", "", 1, "Standard"])
def test_shipping_option_values(api: httpx.Client, option: Any) -> None:
    rejected(api, body(shippingOption=option), "invalid_shipping_option")


@pytest.mark.parametrize("refs", [[1], [""], ["ok", None], ["x" * 201]])
def test_external_order_ids_are_strings(api: httpx.Client, refs: list[Any]) -> None:
    rejected(api, body(externalOrderIds=refs), "invalid_external_order_id")


@pytest.mark.parametrize("notes", [[{"note": ""}], [{"note": 5}], ["text"], [{"note": "x" * 2001}]])
def test_notes(api: httpx.Client, notes: list[Any]) -> None:
    rejected(api, body(orderNotes=notes), "invalid_note" if notes != ["text"] else "invalid_field")


def test_email_label_is_boolean(api: httpx.Client) -> None:
    rejected(api, body(emailLabel="yes"), "invalid_email_label")


def test_return_lines_need_a_shipping_option_unless_the_label_is_emailed(
    api: httpx.Client,
) -> None:
    returns = {"returnItems": [{"id": SUPPLY, "count": 1}], "shippingOption": None}
    rejected(api, body(**returns), "shipping_option_required")
    response = api.post("/order", json=body(**returns, emailLabel=True))
    assert response.status_code == 200, response.text
    assert response.json()["returnItems"] == [{"id": SUPPLY, "count": 1}]
    assert response.json()["emailLabel"] is True


def test_a_return_only_order_is_an_order(api: httpx.Client) -> None:
    response = api.post(
        "/order", json=body(orderItems=None, returnItems=[{"id": ITEM, "count": 1}])
    )
    assert response.status_code == 200, response.text


def test_return_lines_must_name_existing_things(api: httpx.Client) -> None:
    rejected(api, body(returnItems=[{"id": 5, "count": 1}]), "item_not_found")
    rejected(api, body(returnItems=[{"count": 1}]), "item_id_required")
    rejected(api, body(returnItems=[{"id": ITEM, "count": 0}]), "invalid_count")
    rejected(api, body(returnDevices=[{"id": 42}]), "device_not_found")
    rejected(api, body(returnDevices=[{}]), "device_id_required")
    rejected(api, body(returnPackedKits=[{"id": 42}]), "packed_kit_not_found")


def _delivered_order(api: httpx.Client) -> dict[str, Any]:
    """A seeded delivered patient order that has a packed kit and item devices."""
    for page in range(1, 10):
        for order in api.get("/order", params={"page": page, "size": 100}).json()["content"]:
            if order["packedKits"] and order["devices"] and order.get("patient"):
                return dict(order)
    raise AssertionError("no shipped order with packed kits and devices in the seed")


def test_returning_shipped_devices_and_packed_kits(api: httpx.Client) -> None:
    shipped = _delivered_order(api)
    device = shipped["devices"][0]["id"]
    packed = shipped["packedKits"][0]
    payload = body(
        orderItems=None,
        returnDevices=[{"id": device}],
        returnPackedKits=[{"id": packed["id"], "quantity": 1}],
    )
    response = api.post("/order", json=payload)
    assert response.status_code == 200, response.text
    assert response.json()["returnDevices"] == [{"id": device}]
    if packed["devices"]:
        inside = packed["devices"][0]["id"]
        payload["returnDevices"] = [{"id": inside}]
        rejected(api, payload, "device_in_returned_packed_kit")


def test_loaner_kit_rules(api: httpx.Client) -> None:
    loaner = {"kit": {"id": LOANER_KIT}, "count": 1}
    response = api.post("/order", json=body(orderItems=None, orderKits=[loaner]))
    assert response.status_code == 200, response.text
    rejected(api, body(orderKits=[{**loaner, "count": 2}]), "qty_over_one_loaner_kit")
    rejected(api, body(orderKits=[loaner, loaner]), "max_one_loaner_kit")
    rejected(
        api, body(patient=None, site={"id": SITE}, orderKits=[loaner]), "no_loaner_kit_to_site"
    )
    rejected(
        api,
        body(orderKits=[loaner], returnItems=[{"id": SUPPLY, "count": 1}]),
        "no_returns_with_loaner_kit",
    )


def test_rejected_orders_are_not_created(api: httpx.Client) -> None:
    before = api.get("/order", params={"size": 1}).json()["total"]
    rejected(api, body(externalOrderIds=["never"], orderItems=[{"item": {}}]), "item_id_required")
    after = api.get("/order", params={"size": 1, "externalOrderId": "never"}).json()
    assert after["total"] == 0
    assert api.get("/order", params={"size": 1}).json()["total"] == before
