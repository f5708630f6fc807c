"""Every request the client builds, checked against Impilo's own OpenAPI 3.0 specification.

The spec is the machine-readable extract in tests/data (tools/extract_spec.py: Impilo's
document without its prose and examples). `$ref`s resolve through a `referencing` registry
holding the whole document. Response-side conformance is the sandbox's
test (tests/sandbox); this file covers the request side: create-order bodies (also with a new
patient inline), PATCH patient bodies, the find-by-email body, and the path and query string of
every list/fetch call.

Two things in the spec itself shape what "conforms" means here:
- Patient requires firstName/lastName on every Patient object, also inside a create-order
  body and in a PATCH body; the client always sends them (from the PatientRef or the
  PatientPatch, or looked up first: see client.py).
- Patient/Site/Item ids are marked readOnly, yet the documented way to name the recipient and
  the items is by id (the spec's own example does exactly that). We validate with the plain
  OAS 3.0 validator, and separately pin that the write-context validator objects to those
  ids, and only to them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, OAS30WriteValidator
from referencing import Registry

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import (
    AddressCreate,
    ItemRef,
    ItemSort,
    KitRef,
    NewPatientCreate,
    OrderCreate,
    OrderItemCreate,
    OrderKitCreate,
    OrderNoteCreate,
    PatientPatch,
    PatientRef,
    PatientSort,
    ReturnDeviceCreate,
    ReturnItemCreate,
    ReturnPackedKitCreate,
    ShippingOption,
    SiteRef,
)
from impilo_desktop.api.patient_requests import PatientSiteRef
from tests.api.support import mock_client
from tests.openapi_spec import absolute, load_spec, ref, spec_registry

# Body fields the 2025 spec predates (two-way orders, impilo-api.md 2.3 [N]); the Order schema
# allows additional properties, so they validate, but nothing checks their shape.
NEWER_THAN_SPEC = {"emailLabel", "returnItems", "returnDevices", "returnPackedKits"}

Call = Callable[[ImpiloClient], Awaitable[object]]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry[Any]:
    return spec_registry(spec)


def errors_of(
    body: Any, schema: dict[str, Any], registry: Registry[Any], validator: Any = OAS30Validator
) -> list[tuple[list[str | int], str]]:
    checked = validator(
        absolute(schema), registry=registry, format_checker=validator.FORMAT_CHECKER
    )
    found = checked.iter_errors(body)
    return sorted(((list(e.absolute_path), e.message) for e in found), key=str)


def order_schema(spec: dict[str, Any]) -> dict[str, str]:
    """The request schema of POST /api/v3/order, as the spec declares it."""
    body = spec["paths"]["/api/v3/order"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Order"}
    return ref("/components/schemas/Order")


PATIENT = PatientRef(id=1234, first_name="Thandi", last_name="Nkosi")
ITEMS = [OrderItemCreate(item=ItemRef(id=1000), count=2)]
HOME = AddressCreate(
    line_one="18 Larch Lane", line_two="Unit 3", city="Dunmore", state="PA", zip_code="18512-0042"
)
NEW_PATIENT = NewPatientCreate(
    first_name="Ada",
    last_name="Okafor",
    date_of_birth="1961-02-28",
    sex="female",
    email="ada.okafor@mail.example.net",
    phone_number="570-555-0142",
    external_identifier="MRN-00417",
    site=PatientSiteRef(id=561),
    address=HOME,
)

BODIES = {
    "patient-minimal": OrderCreate(patient=PATIENT, order_items=ITEMS),
    "patient-full": OrderCreate(
        patient=PATIENT,
        order_items=[*ITEMS, OrderItemCreate(item=ItemRef(id=1001), count=1)],
        order_kits=[OrderKitCreate(kit=KitRef(id=55), count=1)],
        external_order_ids=["desk-2026-000123", "clinic-77"],
        order_notes=[OrderNoteCreate(note="Leave at reception")],
        shipping_option=ShippingOption.OVERNIGHT,
        email_label=False,
    ),
    "patient-two-way": OrderCreate(
        patient=PATIENT,
        order_kits=[OrderKitCreate(kit=KitRef(id=55), count=1)],
        shipping_option=ShippingOption.STANDARD,
        email_label=True,
        return_items=[ReturnItemCreate(id=1000, count=1)],
        return_devices=[ReturnDeviceCreate(id=9001)],
        return_packed_kits=[ReturnPackedKitCreate(id=77)],
    ),
    "new-patient-minimal": OrderCreate(
        patient=NewPatientCreate(
            first_name="Ada",
            last_name="Okafor",
            address=AddressCreate(
                line_one="1 Elm St", city="Dunmore", state="PA", zip_code="18512"
            ),
        ),
        order_items=ITEMS,
    ),
    "new-patient-full": OrderCreate(
        patient=NEW_PATIENT,
        order_kits=[OrderKitCreate(kit=KitRef(id=55), count=1)],
        external_order_ids=["desk-2026-000125"],
        shipping_option=ShippingOption.STANDARD,
    ),
    "site-minimal": OrderCreate(
        site=SiteRef(id=561), order_kits=[OrderKitCreate(kit=KitRef(id=55), count=3)]
    ),
    "site-full": OrderCreate(
        site=SiteRef(id=561),
        order_items=ITEMS,
        order_kits=[OrderKitCreate(kit=KitRef(id=55), count=1)],
        external_order_ids=["desk-2026-000124"],
        order_notes=[OrderNoteCreate(note="Restock"), OrderNoteCreate(note="Dock 2")],
        shipping_option=ShippingOption.STANDARD,
    ),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_order_bodies_validate(name: str, spec: dict[str, Any], registry: Registry[Any]) -> None:
    body = BODIES[name].to_wire()
    assert errors_of(body, order_schema(spec), registry) == []
    documented = set(spec["components"]["schemas"]["Order"]["properties"])
    assert set(body) - documented <= NEWER_THAN_SPEC


@pytest.mark.parametrize("name", sorted(BODIES))
def test_write_context_objects_only_to_the_recipient_and_item_ids(
    name: str, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    body = BODIES[name].to_wire()
    errors = errors_of(body, order_schema(spec), registry, OAS30WriteValidator)
    recipient = "patient" if "patient" in body else "site"
    # A new patient has no id; the id of its site (by id, like the order's site) is read-only.
    expected: list[list[str | int]] = [[recipient, "id"]] if "id" in body[recipient] else []
    if "site" in body.get("patient", {}):
        expected.append(["patient", "site", "id"])
    expected += [["orderItems", n, "item", "id"] for n in range(len(body.get("orderItems", [])))]
    assert sorted((path for path, _ in errors), key=str) == sorted(expected, key=str)
    assert all(message.startswith("Tried to write read-only property") for _, message in errors)


def test_the_guide_shaped_example_has_the_same_read_only_ids(
    data_dir: Path, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    """Naming the patient by id is how Impilo itself documents it: its examples (and our own
    in their shape, tests/data/fixtures) carry `patient.id`, which the spec marks readOnly."""
    example = json.loads(
        (data_dir / "fixtures" / "create-patient-order.request.json").read_text(encoding="utf-8")
    )
    errors = errors_of(example, order_schema(spec), registry, OAS30WriteValidator)
    assert ["patient", "id"] in [path for path, _ in errors]


def test_a_patient_without_names_does_not_conform(
    spec: dict[str, Any], registry: Registry[Any]
) -> None:
    """Why PatientRef carries the names and the client fills them when missing."""
    body = OrderCreate(patient=PatientRef(id=1234), order_items=ITEMS).to_wire()
    errors = errors_of(body, order_schema(spec), registry)
    assert errors == [
        (["patient"], "'firstName' is a required property"),
        (["patient"], "'lastName' is a required property"),
    ]


def test_the_validator_catches_a_wrong_body(spec: dict[str, Any], registry: Registry[Any]) -> None:
    """Guard against a vacuous check: a broken body must fail."""
    body = {
        "patient": {"id": "1234", "firstName": "A", "lastName": "B"},
        "orderItems": [{"item": {"id": 1000}, "count": "two"}],
        "shippingOption": "express",
    }
    paths = [path for path, _ in errors_of(body, order_schema(spec), registry)]
    assert paths == [["orderItems", 0, "count"], ["patient", "id"], ["shippingOption"]]


def patch_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The request schema of PATCH /api/v3/patient/{patientId}, as the spec declares it."""
    operation = spec["paths"]["/api/v3/patient/{patientId}"]["patch"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Patient"}
    return ref("/components/schemas/Patient")


PATCHES = {
    "address": PatientPatch(first_name="Ada", last_name="Okafor", address=HOME),
    "phone": PatientPatch(first_name="Ada", last_name="Okafor", phone_number="570-555-0199"),
    "everything": PatientPatch(
        first_name="Ada",
        last_name="Okafor-Banda",
        date_of_birth="1961-02-28",
        sex="other",
        email="ada@clinic.example.org",
        phone_number="570-555-0199",
        external_identifier="MRN-00418",
        address=HOME,
    ),
}


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_patch_bodies_validate(name: str, spec: dict[str, Any], registry: Registry[Any]) -> None:
    body = PATCHES[name].to_wire()
    assert errors_of(body, patch_schema(spec), registry) == []
    assert errors_of(body, patch_schema(spec), registry, OAS30WriteValidator) == []


def test_a_patch_without_names_does_not_conform(
    spec: dict[str, Any], registry: Registry[Any]
) -> None:
    """Why `patch_patient` fills the names when the change leaves them out."""
    body = PatientPatch(address=HOME).to_wire()
    assert errors_of(body, patch_schema(spec), registry) == [
        ([], "'firstName' is a required property"),
        ([], "'lastName' is a required property"),
    ]


# --- property: whatever OrderCreate allows, the spec accepts --------------------------------

ids = st.integers(1, 2**63 - 1)
counts = st.integers(1, 2**31 - 1)
names = st.text(min_size=1, max_size=20)


@st.composite
def order_creates(draw: st.DrawFn) -> OrderCreate:
    to_patient = draw(st.booleans())
    return OrderCreate(
        patient=PatientRef(id=draw(ids), first_name=draw(names), last_name=draw(names))
        if to_patient
        else None,
        site=None if to_patient else SiteRef(id=draw(ids)),
        order_items=draw(
            st.lists(
                st.builds(OrderItemCreate, item=st.builds(ItemRef, id=ids), count=counts),
                max_size=3,
            )
        ),
        order_kits=draw(
            st.lists(
                st.builds(OrderKitCreate, kit=st.builds(KitRef, id=ids), count=counts), max_size=3
            )
        ),
        external_order_ids=draw(st.lists(st.text(max_size=30), max_size=3)),
        order_notes=draw(st.lists(st.builds(OrderNoteCreate, note=names), max_size=2)),
        shipping_option=draw(st.none() | st.sampled_from(ShippingOption)),
        email_label=draw(st.none() | st.booleans()),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=order_creates())
def test_any_order_create_body_validates(
    order: OrderCreate, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    assert errors_of(order.to_wire(), order_schema(spec), registry) == []


# --- what actually goes over the wire -----------------------------------------------------------


def spec_operation(spec: dict[str, Any], request: httpx.Request) -> dict[str, Any]:
    """The spec operation matching a request's method and path (templates like {orderId})."""
    method = request.method.lower()
    matches = [
        template
        for template, operations in spec["paths"].items()
        if method in operations
        and re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), request.url.path)
    ]
    assert matches, f"{request.method} {request.url.path} is not in the spec"
    # A literal path beats a template (/patient/find-by-email vs /patient/{patientId}).
    best = min(matches, key=lambda template: template.count("{"))
    operation: dict[str, Any] = spec["paths"][best][method]
    return operation


def query_value(raw: str, schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A query string value converted to the JSON type its parameter schema declares."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    kind = schema.get("type")
    if kind == "integer":
        assert re.fullmatch(r"-?\d+", raw), raw
        return int(raw)
    if kind == "boolean":
        assert raw in ("true", "false"), raw
        return raw == "true"
    return raw


def check_query(request: httpx.Request, spec: dict[str, Any], registry: Registry[Any]) -> None:
    operation = spec_operation(spec, request)
    declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    params = request.url.params
    for name in params:
        assert name in declared, f"{name} is not a parameter of {request.url.path}"
        schema = declared[name]["schema"]
        values = params.get_list(name)
        if schema.get("type") == "array":
            value: Any = [query_value(v, schema["items"], spec) for v in values]
        else:
            assert len(values) == 1, f"{name} repeated but not an array"
            value = query_value(values[0], schema, spec)
        assert errors_of(value, schema, registry) == [], (name, value)
    if declared.get("dateOfBirthMin"):
        for name in ("dateOfBirthMin", "dateOfBirthMax"):
            for v in params.get_list(name):
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)


@pytest.mark.parametrize(
    "url",
    [
        "https://h.example/api/v3/order?status=shipped",  # no such filter on orders
        "https://h.example/api/v3/patient?archived=0",  # booleans are true/false
        "https://h.example/api/v3/patient?siteId=three",  # ids are integers
        "https://h.example/api/v3/patient?sort=surname",  # not a PatientSort
        "https://h.example/api/v3/order?patientId=1&patientId=2",  # single-valued
        "https://h.example/api/v3/patient?dateOfBirthMin=01/02/1990",
    ],
)
def test_the_query_check_catches_wrong_parameters(
    url: str, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    with pytest.raises(AssertionError):
        check_query(httpx.Request("GET", url), spec, registry)


CALLS: dict[str, Call] = {
    "list_orders": lambda c: c.list_orders(2, 25, patient_id=9, external_order_ids=["a", "b"]),
    "get_order": lambda c: c.get_order(9),
    "order_summary_pdf": lambda c: c.order_summary_pdf(9),
    "void_order": lambda c: c.void_order(9),
    "list_patients": lambda c: c.list_patients(
        1,
        100,
        sort=PatientSort.PATIENT_ID,
        sort_descending=True,
        ids=[1, 2],
        site_ids=[3],
        external_identifiers=["x"],
        email="e@example.org",
        name="Nkosi",
        archived=False,
        enrolled=True,
        date_of_birth_min="1950-01-01",
        date_of_birth_max="2000-12-31",
        postal_code="2001",
        country="ZA",
    ),
    "get_patient": lambda c: c.get_patient(5),
    "get_patient_by_external_identifier": lambda c: c.get_patient_by_external_identifier("E-1"),
    "find_patient_by_email": lambda c: c.find_patient_by_email("e@example.org"),
    "list_sites": lambda c: c.list_sites(1, 10),
    "check_connection": lambda c: c.check_connection(),
    "get_site": lambda c: c.get_site(1),
    "list_items": lambda c: c.list_items(
        sort=ItemSort.ITEM_SKU,
        sort_descending=False,
        ids=[1],
        name="n",
        model="m",
        sku="s",
        manufacturer_ids=[2],
        item_sizes=["small"],
        item_classes=["wearable"],
        reading_types=["weight"],
    ),
    "get_item": lambda c: c.get_item(1),
    "list_kits": lambda c: c.list_kits(item_id=1, archived=False),
    "get_kit": lambda c: c.get_kit(1),
    "list_manufacturers": lambda c: c.list_manufacturers(),
    "get_manufacturer": lambda c: c.get_manufacturer(1),
    "list_inventory": lambda c: c.list_inventory(item_id=1),
    "list_impilo_inventory": lambda c: c.list_impilo_inventory(item_id=1),
    "list_site_inventory": lambda c: c.list_site_inventory(item_id=1, site_id=2),
    "create_order": lambda c: c.create_order(BODIES["patient-full"]),
    "patch_patient": lambda c: c.patch_patient(5, PATCHES["address"]),
}


def test_every_client_method_is_checked() -> None:
    public = {
        n for n in dir(ImpiloClient) if not n.startswith("_") and callable(getattr(ImpiloClient, n))
    }
    assert public - {"aclose", "iterate_pages", "iterate_all"} == set(CALLS)


def canned(request: httpx.Request) -> httpx.Response:
    if request.url.path.startswith("/api/v3/order/summary/"):
        return httpx.Response(200, content=b"%PDF-1.4\n")
    if request.method == "DELETE":
        return httpx.Response(204)
    if request.url.params:  # every list call sends page and size
        return httpx.Response(200, json={"content": [], "page": 1, "size": 1, "total": 0})
    return httpx.Response(200, json={"id": 1})


@pytest.mark.anyio
@pytest.mark.parametrize("method", sorted(CALLS))
async def test_requests_match_the_spec(
    method: str, spec: dict[str, Any], registry: Registry[Any]
) -> None:
    client, rec = mock_client(canned)
    async with client:
        await CALLS[method](client)
    assert rec.requests
    for request in rec.requests:
        check_query(request, spec, registry)
        operation = spec_operation(spec, request)
        if request.content:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert errors_of(json.loads(request.content), schema, registry) == []


@pytest.mark.anyio
async def test_a_create_without_names_is_completed_before_it_is_sent(
    spec: dict[str, Any], registry: Registry[Any]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"id": 1234, "firstName": "T", "lastName": "N"})
        return httpx.Response(200, json={"id": 1})

    client, rec = mock_client(handler)
    async with client:
        await client.create_order(OrderCreate(patient=PatientRef(id=1234), order_items=ITEMS))
    posted = json.loads(rec.requests[-1].content)
    assert errors_of(posted, order_schema(spec), registry) == []


@pytest.mark.anyio
async def test_a_patch_without_names_is_completed_before_it_is_sent(
    spec: dict[str, Any], registry: Registry[Any]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 5, "firstName": "Ada", "lastName": "Okafor"})

    client, rec = mock_client(handler)
    async with client:
        await client.patch_patient(5, PatientPatch(phone_number="570-555-0199"))
    assert [r.method for r in rec.requests] == ["GET", "PATCH"]
    sent = json.loads(rec.requests[-1].content)
    assert sent == {"firstName": "Ada", "lastName": "Okafor", "phoneNumber": "570-555-0199"}
    assert errors_of(sent, patch_schema(spec), registry) == []


@pytest.mark.anyio
async def test_a_new_patient_is_posted_without_a_lookup(
    spec: dict[str, Any], registry: Registry[Any]
) -> None:
    """A new patient has no id to look up and always carries its names."""
    client, rec = mock_client(lambda request: httpx.Response(200, json={"id": 1}))
    async with client:
        await client.create_order(BODIES["new-patient-full"])
    assert [r.method for r in rec.requests] == ["POST"]
    posted = json.loads(rec.requests[0].content)
    assert posted == BODIES["new-patient-full"].to_wire()
    assert errors_of(posted, order_schema(spec), registry) == []
