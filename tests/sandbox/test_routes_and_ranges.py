"""Closer to Impilo at the HTTP edges: a 405 says what the path accepts, literal routes never
fall into an id route, and whole numbers must fit the format the spec declares (ids int64;
page, size and counts int32), with a 400 that names the parameter and does not echo it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from tests.sandbox.test_orders_create import ITEM, KIT, body, rejected

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
HUGE = "9" * 5000  # more digits than Python's int() converts by default


def refused(response: httpx.Response, name: str, code: str = "invalid_parameter") -> str:
    """Check a 400 that names `name`, and return its message."""
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["code"] == code, error
    message = str(error["message"])
    assert name in message
    return message


# --- 405 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/order", "GET, HEAD, POST"),
        ("PATCH", "/order/100001", "DELETE, GET, HEAD"),
        ("POST", "/order/summary/100001", "GET, HEAD"),
        ("DELETE", "/patient/10001", "GET, HEAD, PATCH, PUT"),
        ("GET", "/patient/find-by-email", "POST"),
        ("POST", "/patient/identifier/MRN-000001", "GET, HEAD"),
        ("DELETE", "/inventory/site", "GET, HEAD"),
    ],
)
def test_a_405_lists_the_methods_the_path_accepts(
    api: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    error = response.json()
    assert error["code"] == "method_not_allowed"
    assert allowed in error["message"]
    # Every method it lists is in fact accepted there (HEAD as GET without a body).
    for ok in allowed.split(", "):
        assert api.request(ok, path).status_code != 405, ok


def test_admin_routes_say_what_they_accept_too(sandbox_session: SandboxServer) -> None:
    response = httpx.get(
        f"{sandbox_session.base_url}/_sandbox/advance",
        headers={"Impilo-API-Key": sandbox_session.api_key},
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# --- literal routes and ids ------------------------------------------------------------------


def test_find_by_email_is_its_own_route(
    api_ro: httpx.Client, sandbox_session: SandboxServer
) -> None:
    patient = next(p for p in sandbox_session.seed.patients.values() if p.email)
    found = api_ro.post("/patient/find-by-email", json={"email": patient.email})
    assert found.status_code == 200
    assert found.json()["id"] == patient.id
    # A GET is not a lookup of a patient whose id is "find-by-email".
    wrong = api_ro.get("/patient/find-by-email")
    assert wrong.status_code == 405
    assert "patient with id" not in wrong.json()["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/patient/abc",
        "/patient/12abc",
        "/patient/-10001",
        "/patient/\u0661\u0660\u0660\u0660\u0661",  # 10001 in Arabic-Indic digits
        "/patient/1_0001",
        "/order/summary",
        "/order/+100001",
        "/site/ 101",
        "/item/1001.0",
        "/kit/0x1f5",
        "/manufacturer/one",
    ],
)
def test_an_id_segment_is_ascii_digits_only(api_ro: httpx.Client, path: str) -> None:
    response = api_ro.get(path)
    assert response.status_code == 404
    error = response.json()
    assert error["code"] == "not_found"
    assert error["message"].startswith("No such endpoint")


def test_leading_zeros_are_still_the_same_id(api_ro: httpx.Client) -> None:
    assert api_ro.get("/patient/0010001").json()["id"] == 10001


# --- numbers in the query --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page", "size"])
@pytest.mark.parametrize("path", ["/order", "/patient", "/site", "/inventory/impilo"])
def test_paging_beyond_int32_is_a_400_not_clamped(
    api_ro: httpx.Client, path: str, name: str
) -> None:
    message = refused(api_ro.get(path, params={name: INT32_MAX + 1}), name)
    assert str(INT32_MAX + 1) not in message
    assert str(INT32_MAX) in message  # says what the limit is
    # The largest int32 is a number the API accepts: a size that large is clamped to 250.
    fits = api_ro.get(path, params={name: INT32_MAX})
    assert fits.status_code == 200
    assert fits.json()["size"] == (250 if name == "size" else 15)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/order", "patientId"),
        ("/patient", "id"),
        ("/patient", "siteId"),
        ("/item", "id"),
        ("/item", "manufacturerId"),
        ("/kit", "itemId"),
        ("/inventory", "itemId"),
        ("/inventory/impilo", "itemId"),
        ("/inventory/site", "siteId"),
    ],
)
def test_ids_in_the_query_are_int64(api_ro: httpx.Client, path: str, name: str) -> None:
    assert api_ro.get(path, params={name: INT64_MAX}).status_code == 200
    too_large = refused(api_ro.get(path, params={name: INT64_MAX + 1}), name)
    assert "too large" in too_large
    assert str(INT64_MAX + 1) not in too_large
    too_small = refused(api_ro.get(path, params={name: -(2**63) - 1}), name)
    assert "too small" in too_small


def test_an_id_array_checks_every_value(api_ro: httpx.Client) -> None:
    refused(api_ro.get("/patient", params={"id": f"10001,{INT64_MAX + 1}"}), "id")
    refused(api_ro.get("/patient", params=[("id", "10001"), ("id", str(INT64_MAX + 1))]), "id")
    assert api_ro.get("/patient", params={"id": "10001,10002"}).json()["total"] == 2


@pytest.mark.parametrize("raw", [HUGE, "-" + HUGE, "1_000", "\u0661", "1e3", "0x10", ""])
def test_odd_numbers_in_the_query(api_ro: httpx.Client, raw: str) -> None:
    response = api_ro.get("/order", params={"patientId": raw, "size": 1})
    if raw == "":
        assert response.status_code == 200  # an empty parameter is an absent one
        return
    message = refused(response, "patientId")
    assert raw not in message
    assert len(response.content) < 300  # a huge value is not echoed back


# --- numbers in the path ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "template", "name"),
    [
        ("GET", "/order/{}", "orderId"),
        ("DELETE", "/order/{}", "orderId"),
        ("GET", "/order/summary/{}", "orderId"),
        ("GET", "/patient/{}", "patientId"),
        ("GET", "/site/{}", "siteId"),
        ("GET", "/item/{}", "itemId"),
        ("GET", "/kit/{}", "kitId"),
        ("GET", "/manufacturer/{}", "manufacturerId"),
    ],
)
def test_path_ids_are_int64(api_ro: httpx.Client, method: str, template: str, name: str) -> None:
    fits = api_ro.request(method, template.format(INT64_MAX))
    assert fits.status_code == 404  # a valid id that nothing has
    assert str(INT64_MAX) in fits.json()["message"]
    for raw in (str(INT64_MAX + 1), HUGE):
        response = api_ro.request(method, template.format(raw))
        message = refused(response, name)
        assert raw not in message
        assert len(response.content) < 300


# --- numbers in the create-order body ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"patient": {"id": INT64_MAX + 1}}, "patient.id"),
        ({"patient": None, "site": {"id": 2**70}}, "site.id"),
        ({"orderItems": [{"item": {"id": INT64_MAX + 1}, "count": 1}]}, "orderItems[0].item.id"),
        ({"orderKits": [{"kit": {"id": INT64_MAX + 1}, "count": 1}]}, "orderKits[0].kit.id"),
        ({"returnItems": [{"id": INT64_MAX + 1, "count": 1}]}, "returnItems[0].id"),
        ({"returnDevices": [{"id": INT64_MAX + 1}]}, "returnDevices[0].id"),
        ({"returnPackedKits": [{"id": INT64_MAX + 1}]}, "returnPackedKits[0].id"),
    ],
)
def test_body_ids_are_int64(api: httpx.Client, overrides: dict[str, Any], where: str) -> None:
    message = rejected(api, body(**overrides), "invalid_id")
    assert where in message
    assert "too large" in message
    assert str(INT64_MAX + 1) not in message


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"orderItems": [{"item": {"id": ITEM}, "count": INT32_MAX + 1}]}, "orderItems[0].count"),
        ({"orderKits": [{"kit": {"id": KIT}, "count": 2**40}]}, "orderKits[0].count"),
        ({"returnItems": [{"id": ITEM, "count": INT32_MAX + 1}]}, "returnItems[0].count"),
    ],
)
def test_body_counts_are_int32(api: httpx.Client, overrides: dict[str, Any], where: str) -> None:
    message = rejected(api, body(**overrides), "invalid_count")
    assert where in message
    assert str(INT32_MAX) in message
    assert "too large" in message


def test_a_number_too_long_to_convert_is_out_of_range_not_malformed(api: httpx.Client) -> None:
    raw = '{"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": %s}]}'
    response = api.post(
        "/order", content=(raw % HUGE).encode(), headers={"Content-Type": "application/json"}
    )
    message = refused(response, "orderItems[0].count", code="invalid_count")
    assert "too large" in message
    assert len(response.content) < 300
    negative = api.post(
        "/order",
        content=(raw % ("-" + HUGE)).encode(),
        headers={"Content-Type": "application/json"},
    )
    refused(negative, "orderItems[0].count", code="invalid_count")
    # An order whose numbers fit is still placed.
    assert api.post("/order", json=body()).status_code == 200
