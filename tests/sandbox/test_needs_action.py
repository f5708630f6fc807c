"""Orders that need the coordinator: every fifth created order takes a detour through a
needs-action status on the sandbox's clock, "Confirm address" waits for the patient's address
to change, tests put an order into any of these states, and the state file keeps it all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from impilo_desktop.sandbox import SandboxServer
from tests.sandbox.helpers import http_client

PATIENT = 10001


def place(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient": {"id": PATIENT},
        "orderItems": [{"item": {"id": 1001}, "count": 1}],
    }
    body.update(extra)
    if "site" in body:
        del body["patient"]
    response = api.post("/order", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def statuses(api: httpx.Client, order_id: int) -> list[str]:
    return [e["name"] for e in api.get(f"/order/{order_id}").json()["orderEvents"]]


def put(server: SandboxServer, order_id: int, status: str, **extra: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/_sandbox/needs-action",
        params={"orderId": str(order_id), "status": status, **extra},
        headers={"Impilo-API-Key": server.api_key},
    )


def move_house(api: httpx.Client, patient_id: int, line_one: str) -> None:
    """The patient's address changes in Impilo (`PATCH /patient/{id}`)."""
    address = dict(api.get(f"/patient/{patient_id}").json()["address"])
    address["lineOne"] = line_one
    response = api.patch(f"/patient/{patient_id}", json={"address": address})
    assert response.status_code == 200, response.text


def test_every_fifth_created_order_needs_the_coordinator_in_turn(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    orders = [place(api) for _ in range(20)]
    step = sandbox.state.progress_seconds
    sandbox.advance_time(step)
    fifth, tenth, fifteenth, twentieth = (orders[n - 1]["id"] for n in (5, 10, 15, 20))
    assert statuses(api, tenth) == ["orderPlaced", "pendingAdditionalInformation"]
    note = api.get(f"/order/{tenth}").json()["orderNotes"][-1]
    assert note["note"].endswith(".")
    assert note["createdBy"]["lastName"] == "Desk"
    sandbox.advance_time(step)
    assert statuses(api, fifth)[-1] == "reconfirmAddress"
    sandbox.advance_time(step)
    failed = api.get(f"/order/{fifteenth}").json()
    assert failed["currentStatus"] == "unsuccessfulDelivery"
    assert failed["trackingNumbers"]  # after shipped: the parcel can be traced
    assert statuses(api, twentieth)[-1] == "availableForPickup"
    assert statuses(api, tenth)[-1] == "awaitingShipment"
    sandbox.advance_time(30 * step)
    assert statuses(api, fifteenth) == [
        "orderPlaced",
        "awaitingShipment",
        "shipped",
        "unsuccessfulDelivery",
        "delivered",
    ]
    assert statuses(api, twentieth)[-2:] == ["availableForPickup", "delivered"]
    assert statuses(api, tenth)[-1] == "delivered"
    # "Confirm address" waits for a new address however long it takes; the rest go as usual.
    assert statuses(api, fifth) == ["orderPlaced", "awaitingShipment", "reconfirmAddress"]
    others = [o["id"] for n, o in enumerate(orders, 1) if n % 5]
    assert {statuses(api, oid)[-1] for oid in others} == {"delivered"}


def test_confirm_address_moves_on_once_the_address_changed(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    step = sandbox.state.progress_seconds
    order = place(api)
    assert put(sandbox, order["id"], "reconfirmAddress").json()["currentStatus"] == (
        "reconfirmAddress"
    )
    sandbox.advance_time(10 * step)
    assert statuses(api, order["id"])[-1] == "reconfirmAddress"
    # The phone alone is not the address.
    assert api.patch(f"/patient/{PATIENT}", json={"phoneNumber": "555-010-9999"}).is_success
    sandbox.advance_time(step)
    assert statuses(api, order["id"])[-1] == "reconfirmAddress"

    move_house(api, PATIENT, "22 New Street")
    assert statuses(api, order["id"])[-1] == "reconfirmAddress"  # seen, moves on next step
    sandbox.advance_time(step)
    assert statuses(api, order["id"])[-2:] == ["reconfirmAddress", "awaitingShipment"]
    sandbox.advance_time(2 * step)
    moved = api.get(f"/order/{order['id']}").json()
    assert moved["currentStatus"] == "delivered"
    assert moved["patient"]["address"]["lineOne"] == "22 New Street"


def test_a_changed_address_is_noticed_before_the_clock_jumps(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    order = place(api)
    put(sandbox, order["id"], "reconfirmAddress")
    move_house(api, PATIENT, "5 Other Road")
    sandbox.advance_time(sandbox.state.progress_seconds)  # no read between: counts from before
    assert statuses(api, order["id"])[-1] == "awaitingShipment"


def test_tests_put_an_order_into_each_state(api: httpx.Client, sandbox: SandboxServer) -> None:
    asked = place(api)
    answer = put(sandbox, asked["id"], "pendingAdditionalInformation", note="Which cuff size?")
    assert answer.status_code == 200, answer.text
    assert answer.json()["currentStatus"] == "pendingAdditionalInformation"
    assert answer.json()["orderNotes"][-1]["note"] == "Which cuff size?"

    failed = place(api)
    body = put(sandbox, failed["id"], "unsuccessfulDelivery").json()
    assert [e["name"] for e in body["orderEvents"]] == [
        "orderPlaced",
        "shipped",
        "unsuccessfulDelivery",
    ]
    assert body["trackingNumbers"]
    pickup = place(api)
    assert put(sandbox, pickup["id"], "availableForPickup").json()["currentStatus"] == (
        "availableForPickup"
    )
    sandbox.advance_time(2 * sandbox.state.progress_seconds)
    assert statuses(api, failed["id"])[-1] == "delivered"
    assert statuses(api, asked["id"])[-1] == "awaitingShipment"


def test_what_cannot_be_put_in_needs_action(api: httpx.Client, sandbox: SandboxServer) -> None:
    order = place(api)
    assert put(sandbox, order["id"], "shipped").json()["code"] == "invalid_parameter"
    assert put(sandbox, 100001, "reconfirmAddress").json()["code"] == "not_created_here"
    assert put(sandbox, 999_999_999, "reconfirmAddress").status_code == 404
    sandbox.advance_time(2 * sandbox.state.progress_seconds)  # shipped
    refused = put(sandbox, order["id"], "reconfirmAddress")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_transition"
    assert "shipped" in refused.json()["message"]
    site_order = place(api, site={"id": 101})
    assert put(sandbox, site_order["id"], "reconfirmAddress").status_code == 400
    anonymous = httpx.post(f"{sandbox.base_url}/_sandbox/needs-action?orderId=1&status=x")
    assert anonymous.status_code == 401


def test_detours_outlive_the_server(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    with SandboxServer(state_file=state) as server, http_client(server) as api:
        waiting = place(api)
        asked = place(api)
        put(server, waiting["id"], "reconfirmAddress")
        put(server, asked["id"], "pendingAdditionalInformation", note="Arm size, please.")
        before = {o["id"]: api.get(f"/order/{o['id']}").json() for o in (waiting, asked)}
    with SandboxServer(state_file=state) as server, http_client(server) as api:
        assert server.state_file is not None
        assert server.state_file.problem is None
        for oid, was in before.items():
            assert api.get(f"/order/{oid}").json() == was
        server.advance_time(10 * server.state.progress_seconds)
        assert statuses(api, waiting["id"])[-1] == "reconfirmAddress"
        assert statuses(api, asked["id"])[-1] == "delivered"
