"""Orders after creation: reading back, listing, finding by external id, voiding, moving
along with the server clock, the PDF summary, and state across stop/start."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from tests.sandbox.helpers import http_client

ORDER = {
    "patient": {"id": 10001},
    "orderItems": [{"item": {"id": 1001}, "count": 2}],
    "orderKits": [{"kit": {"id": 501}, "count": 1}],
    "shippingOption": "standard",
}


def place(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = api.post("/order", json={**ORDER, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_created_order_reads_back_the_same(api: httpx.Client) -> None:
    created = place(api, externalOrderIds=["desk-abc"])
    fetched = api.get(f"/order/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_order_ids_increase_and_the_list_is_newest_first(api: httpx.Client) -> None:
    first = place(api)
    second = place(api)
    assert second["id"] == first["id"] + 1
    page = api.get("/order", params={"size": 3}).json()
    assert [o["id"] for o in page["content"]][:2] == [second["id"], first["id"]]
    ids = [o["id"] for o in page["content"]]
    assert ids == sorted(ids, reverse=True)


def test_list_by_external_order_id(api: httpx.Client) -> None:
    created = place(api, externalOrderIds=["desk-0001", "EHR-9"])
    place(api, externalOrderIds=["desk-0002"])
    found = api.get("/order", params={"externalOrderId": "desk-0001"}).json()
    assert found["total"] == 1
    assert found["content"][0]["id"] == created["id"]
    both = api.get(
        "/order", params=[("externalOrderId", "desk-0001"), ("externalOrderId", "desk-0002")]
    )
    assert both.json()["total"] == 2
    joined = api.get("/order", params={"externalOrderId": "desk-0001,desk-0002"})
    assert joined.json()["total"] == 2
    assert api.get("/order", params={"externalOrderId": "nope"}).json()["total"] == 0


def test_list_by_patient_includes_new_and_seeded_orders(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    seeded = len(sandbox.seed.orders_by_patient.get(10001, []))
    created = place(api)
    page = api.get("/order", params={"patientId": 10001, "size": 250}).json()
    assert page["total"] == seeded + 1
    assert page["content"][0]["id"] == created["id"]
    assert {o["patient"]["id"] for o in page["content"]} == {10001}


def test_patient_and_external_id_filters_combine(api: httpx.Client) -> None:
    place(api, externalOrderIds=["shared-ref"])
    place(api, patient={"id": 10002}, externalOrderIds=["shared-ref"])
    page = api.get("/order", params={"externalOrderId": "shared-ref", "patientId": 10002}).json()
    assert page["total"] == 1
    assert page["content"][0]["patient"]["id"] == 10002


def test_orders_move_along_with_the_clock(api: httpx.Client, sandbox: SandboxServer) -> None:
    order = place(api)
    step = sandbox.state.progress_seconds

    def status() -> dict[str, Any]:
        return dict(api.get(f"/order/{order['id']}").json())

    assert status()["currentStatus"] == "orderPlaced"
    sandbox.advance_time(step)
    now = status()
    assert now["currentStatus"] == "awaitingShipment"
    assert [e["name"] for e in now["orderEvents"]] == ["orderPlaced", "awaitingShipment"]
    assert now["trackingNumbers"] == []
    sandbox.advance_time(step)
    shipped = status()
    assert shipped["currentStatus"] == "shipped"
    assert len(shipped["trackingNumbers"]) == 1
    assert shipped["trackingNumbers"][0]["carrier"] in ("USPS", "UPS", "FedEx")
    assert shipped["trackingNumbers"][0]["value"]
    assert len(shipped["devices"]) == 2  # two serialised BP monitors
    assert all(d["deviceIdentifiers"][0]["value"] for d in shipped["devices"])
    assert all(d["currentStatus"] == "shipped" for d in shipped["devices"])
    assert len(shipped["packedKits"]) == 1
    assert shipped["packedKits"][0]["kit"]["id"] == 501
    assert shipped["packedKits"][0]["devices"]
    sandbox.advance_time(step)
    delivered = status()
    assert delivered["currentStatus"] == "delivered"
    assert delivered["trackingNumbers"] == shipped["trackingNumbers"]
    assert all(d["currentStatus"] == "withPatient" for d in delivered["devices"])
    assert all(d["currentPatient"]["id"] == 10001 for d in delivered["devices"])
    sandbox.advance_time(100 * step)
    assert status()["currentStatus"] == "delivered"
    names = [e["name"] for e in status()["orderEvents"]]
    assert names == ["orderPlaced", "awaitingShipment", "shipped", "delivered"]
    stamps = [e["eventTimestamp"] for e in status()["orderEvents"]]
    assert stamps == sorted(stamps)


def test_admin_route_advances_time(api: httpx.Client, sandbox: SandboxServer) -> None:
    order = place(api)
    admin = httpx.post(
        f"{sandbox.base_url}/_sandbox/advance",
        params={"seconds": sandbox.state.progress_seconds * 2},
        headers={"Impilo-API-Key": sandbox.api_key},
    )
    assert admin.status_code == 200
    assert admin.json()["now"].endswith("Z")
    assert api.get(f"/order/{order['id']}").json()["currentStatus"] == "shipped"
    assert httpx.post(f"{sandbox.base_url}/_sandbox/advance?seconds=-1",
                      headers={"Impilo-API-Key": sandbox.api_key}).status_code == 400  # fmt: skip
    assert httpx.post(f"{sandbox.base_url}/_sandbox/advance?seconds=5").status_code == 401


def test_void_a_placed_order(api: httpx.Client, sandbox: SandboxServer) -> None:
    order = place(api)
    response = api.delete(f"/order/{order['id']}")
    assert response.status_code == 204
    assert response.content == b""
    voided = api.get(f"/order/{order['id']}").json()
    assert voided["currentStatus"] == "voided"
    assert [e["name"] for e in voided["orderEvents"]] == ["orderPlaced", "voided"]
    sandbox.advance_time(10 * sandbox.state.progress_seconds)
    assert api.get(f"/order/{order['id']}").json()["currentStatus"] == "voided"
    again = api.delete(f"/order/{order['id']}")
    assert again.status_code == 400
    assert again.json()["code"] == "order_not_voidable"
    assert "voided" in again.json()["message"]


def test_void_after_shipping_is_refused(api: httpx.Client, sandbox: SandboxServer) -> None:
    order = place(api)
    sandbox.advance_time(2 * sandbox.state.progress_seconds)
    response = api.delete(f"/order/{order['id']}")
    assert response.status_code == 400
    assert "shipped" in response.json()["message"]
    sandbox.advance_time(sandbox.state.progress_seconds)
    assert api.delete(f"/order/{order['id']}").json()["code"] == "order_not_voidable"


def test_void_a_seeded_open_order(api: httpx.Client, sandbox: SandboxServer) -> None:
    seed = sandbox.seed
    open_order = next(
        100001 + n for n in range(seed.size.orders - 1, -1, -1) if seed.order_status[n] == 0
    )
    assert api.get(f"/order/{open_order}").json()["currentStatus"] == "orderPlaced"
    assert api.delete(f"/order/{open_order}").status_code == 204
    assert api.get(f"/order/{open_order}").json()["currentStatus"] == "voided"
    assert api.delete("/order/99").status_code == 404


def test_summary_pdf(api: httpx.Client) -> None:
    order = place(api)
    response = api.get(f"/order/summary/{order['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert f"Impilo order {order['id']}".encode() in pdf
    assert b"Upper Arm Blood Pressure Monitor" in pdf
    # The cross-reference table points at the objects.
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    assert api.get("/order/summary/1").status_code == 404


def test_stop_and_start_keep_state_on_the_same_port(sandbox: SandboxServer) -> None:
    with http_client(sandbox) as api:
        order = place(api, externalOrderIds=["survives"])
    url = sandbox.base_url
    sandbox.stop()
    assert not sandbox.running
    with pytest.raises(httpx.ConnectError), http_client(sandbox) as api:
        api.get("/site")
    sandbox.start()
    assert sandbox.base_url == url
    with http_client(sandbox) as api:
        found = api.get("/order", params={"externalOrderId": "survives"}).json()
        assert found["content"][0]["id"] == order["id"]
        assert place(api)["id"] == order["id"] + 1


def test_an_unknown_order_is_404(api_ro: httpx.Client) -> None:
    for path in ("/order/1", "/order/99999999", "/order/abc"):
        response = api_ro.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
