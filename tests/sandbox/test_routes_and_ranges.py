"""Closer to Impilo at the HTTP edges: a 405 says what the path accepts, and literal routes
never fall into an id route."""

from __future__ import annotations

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer

# --- 405 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/order", "GET, HEAD, POST"),
        ("PATCH", "/order/100001", "DELETE, GET, HEAD"),
        ("POST", "/order/summary/100001", "GET, HEAD"),
        ("DELETE", "/patient/10001", "GET, HEAD"),
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
