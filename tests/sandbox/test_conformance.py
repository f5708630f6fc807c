"""Every sandbox response validates against the response schema Impilo's OpenAPI document
declares for that operation (from the machine-readable extract in tests/data, which validates
exactly like Impilo's full document)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry

from impilo_desktop.sandbox import SandboxServer
from tests.openapi_spec import absolute, load_spec, spec_registry


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry[Any]:
    return spec_registry(spec)


def response_schema(spec: dict[str, Any], method: str, template: str) -> dict[str, Any]:
    responses = spec["paths"][f"/api/v3{template}"][method]["responses"]
    schema: dict[str, Any] = responses["200"]["content"]["application/json"]["schema"]
    return schema


def assert_conforms(
    body: Any, spec: dict[str, Any], registry: Registry[Any], method: str, template: str
) -> None:
    schema = absolute(response_schema(spec, method, template))
    validator = OAS30Validator(
        schema, registry=registry, format_checker=OAS30Validator.FORMAT_CHECKER
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert problems == [], problems[:5]


READS = [
    ("/order", "/order?size=50"),
    ("/order/{orderId}", "/order/100600"),
    ("/patient", "/patient?size=250"),
    ("/patient", "/patient?archived=true&size=250"),
    ("/patient/{patientId}", "/patient/10001"),
    ("/site", "/site?size=250"),
    ("/site/{siteId}", "/site/118"),
    ("/item", "/item?size=250"),
    ("/item/{itemId}", "/item/1066"),
    ("/kit", "/kit?size=250"),
    ("/kit/{kitId}", "/kit/510"),
    ("/manufacturer", "/manufacturer?size=250"),
    ("/manufacturer/{manufacturerId}", "/manufacturer/1"),
    ("/inventory", "/inventory?size=250"),
    ("/inventory/impilo", "/inventory/impilo?size=250"),
    ("/inventory/site", "/inventory/site?size=250"),
]


@pytest.mark.parametrize(("template", "path"), READS)
def test_reads_conform(
    api_ro: httpx.Client,
    spec: dict[str, Any],
    registry: Registry[Any],
    template: str,
    path: str,
) -> None:
    response = api_ro.get(path)
    assert response.status_code == 200
    assert_conforms(response.json(), spec, registry, "get", template)


def test_patient_lookups_conform(
    api_ro: httpx.Client,
    sandbox_session: SandboxServer,
    spec: dict[str, Any],
    registry: Registry[Any],
) -> None:
    patient = next(p for p in sandbox_session.seed.patients.values() if p.email)
    by_ident = api_ro.get(f"/patient/identifier/{patient.external_identifier}").json()
    assert_conforms(by_ident, spec, registry, "get", "/patient/identifier/{identifier}")
    by_email = api_ro.post("/patient/find-by-email", json={"email": patient.email}).json()
    assert_conforms(by_email, spec, registry, "post", "/patient/find-by-email")


def test_every_seeded_order_conforms(
    api_ro: httpx.Client, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    statuses: set[str] = set()
    page = 1
    while True:
        body = api_ro.get("/order", params={"page": page, "size": 250}).json()
        assert_conforms(body, spec, registry, "get", "/order")
        statuses.update(o["currentStatus"] for o in body["content"])
        if body["last"]:
            break
        page += 1
    enum = spec["components"]["schemas"]["Order"]["properties"]["currentStatus"]["enum"]
    assert statuses == set(enum)


def test_created_orders_conform_at_every_step(
    api: httpx.Client, sandbox: SandboxServer, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    created = api.post(
        "/order",
        json={
            "patient": {"id": 10001},
            "orderItems": [{"item": {"id": 1001}, "count": 1}],
            "orderKits": [{"kit": {"id": 505}, "count": 1}],
            "orderNotes": [{"note": "Call first."}],
            "externalOrderIds": ["conf-1"],
        },
    ).json()
    assert_conforms(created, spec, registry, "post", "/order")
    site_order = api.post(
        "/order", json={"site": {"id": 101}, "orderKits": [{"kit": {"id": 509}, "count": 2}]}
    ).json()
    assert_conforms(site_order, spec, registry, "post", "/order")
    for _ in range(4):
        sandbox.advance_time(sandbox.state.progress_seconds)
        for order_id in (created["id"], site_order["id"]):
            assert_conforms(
                api.get(f"/order/{order_id}").json(), spec, registry, "get", "/order/{orderId}"
            )
    assert_conforms(
        api.get("/order?externalOrderId=conf-1").json(), spec, registry, "get", "/order"
    )


def test_the_check_catches_a_broken_order(
    api_ro: httpx.Client, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    order = api_ro.get("/order/100600").json()
    order["currentStatus"] = "lost"
    order["patient"].pop("lastName", None)
    with pytest.raises(AssertionError, match=r"currentStatus|lastName|lost"):
        assert_conforms(order, spec, registry, "get", "/order/{orderId}")


def test_new_and_changed_patients_conform(
    api: httpx.Client, sandbox: SandboxServer, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    home = {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "PA", "zipCode": "18512"}
    # The fewest fields a new patient may have (no site, birthday, phone or identifier) and
    # the most.
    bare = {"firstName": "Ada", "lastName": "Okafor", "address": home}
    full = {
        "firstName": "Bo",
        "lastName": "Lind",
        "dateOfBirth": "1958-07-14",
        "sex": "other",
        "email": "bo.lind@clinic.example.org",
        "phoneNumber": "570-555-0177",
        "externalIdentifier": "MRN-CONF-1",
        "site": {"id": 104},
        "address": {**home, "lineTwo": "Unit 3", "zipCode": "18512-0042", "country": "USA"},
    }
    for patient in (bare, full):
        created = api.post(
            "/order",
            json={"patient": patient, "orderItems": [{"item": {"id": 1001}, "count": 1}]},
        )
        assert created.status_code == 200, created.text
        assert_conforms(created.json(), spec, registry, "post", "/order")
        pid = created.json()["patient"]["id"]
        read = api.get(f"/patient/{pid}").json()
        assert_conforms(read, spec, registry, "get", "/patient/{patientId}")
    sandbox.advance_time(3 * sandbox.state.progress_seconds)  # shipped: devices, no site
    assert_conforms(api.get("/order?size=2").json(), spec, registry, "get", "/order")
    assert_conforms(api.get("/patient?name=lind").json(), spec, registry, "get", "/patient")
    by_ident = api.get("/patient/identifier/MRN-CONF-1").json()
    assert_conforms(by_ident, spec, registry, "get", "/patient/identifier/{identifier}")
    by_email = api.post("/patient/find-by-email", json={"email": full["email"]}).json()
    assert_conforms(by_email, spec, registry, "post", "/patient/find-by-email")

    patched = api.patch("/patient/10001", json={"address": home, "phoneNumber": "570-555-0101"})
    assert_conforms(patched.json(), spec, registry, "patch", "/patient/{patientId}")
    put = api.put("/patient/10002", json={**bare, "lastName": "Okafor-Lind"})
    assert_conforms(put.json(), spec, registry, "put", "/patient/{patientId}")
