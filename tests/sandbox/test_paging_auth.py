"""Page envelopes and paging math, the API key, and the JSON error shape."""

from __future__ import annotations

import httpx
import pytest

from impilo_desktop.sandbox import DEMO_API_KEY, SandboxServer

LISTS = [
    "/order",
    "/patient",
    "/site",
    "/item",
    "/kit",
    "/manufacturer",
    "/inventory",
    "/inventory/impilo",
    "/inventory/site",
]


@pytest.mark.parametrize("path", LISTS)
def test_defaults_are_page_one_of_fifteen(api_ro: httpx.Client, path: str) -> None:
    page = api_ro.get(path).json()
    assert set(page) == {"content", "page", "size", "total", "first", "last"}
    assert page["page"] == 1
    assert page["size"] == 15
    assert page["first"] is True
    assert len(page["content"]) == min(15, page["total"])
    assert page["last"] is (page["total"] <= 15)


def test_walking_the_pages_visits_every_patient_once(api_ro: httpx.Client) -> None:
    seen: list[int] = []
    page_no = 1
    while True:
        page = api_ro.get("/patient", params={"page": page_no, "size": 250}).json()
        assert page["first"] is (page_no == 1)
        seen.extend(p["id"] for p in page["content"])
        if page["last"]:
            break
        assert len(page["content"]) == 250
        page_no += 1
    assert len(seen) == page["total"] >= 2000
    assert len(set(seen)) == len(seen)
    assert page_no == -(-page["total"] // 250)


def test_last_page_math(api_ro: httpx.Client) -> None:
    total = api_ro.get("/site").json()["total"]
    assert total == 25
    last = api_ro.get("/site", params={"page": 3, "size": 10}).json()
    assert [s["id"] for s in last["content"]] == list(range(121, 126))
    assert last["last"] is True
    assert last["first"] is False
    exact = api_ro.get("/site", params={"page": 5, "size": 5}).json()
    assert exact["last"] is True
    assert len(exact["content"]) == 5
    beyond = api_ro.get("/site", params={"page": 9, "size": 10}).json()
    assert beyond["content"] == []
    assert beyond["last"] is True
    assert beyond["total"] == 25


def test_orders_pages_cover_the_history(api_ro: httpx.Client) -> None:
    first = api_ro.get("/order", params={"size": 250}).json()
    assert first["total"] >= 600
    third = api_ro.get("/order", params={"page": 3, "size": 250}).json()
    assert third["last"] is (first["total"] <= 750)
    assert (
        first["content"][-1]["id"] - 1
        == api_ro.get("/order", params={"page": 2, "size": 250}).json()["content"][0]["id"]
    )


def test_size_above_250_is_clamped(api_ro: httpx.Client) -> None:
    page = api_ro.get("/patient", params={"size": 1000}).json()
    assert page["size"] == 250
    assert len(page["content"]) == 250


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"page": -1}, {"size": 0}, {"size": -5}, {"page": "x"}, {"size": "1.5"}]
)
@pytest.mark.parametrize("path", ["/order", "/patient", "/item", "/inventory/site"])
def test_bad_paging_is_400(api_ro: httpx.Client, path: str, params: dict[str, int | str]) -> None:
    response = api_ro.get(path, params=params)
    assert response.status_code == 400
    error = response.json()
    assert error["status"] == 400
    assert error["code"] in ("invalid_page", "invalid_size", "invalid_parameter")


def test_missing_key_is_401(sandbox_session: SandboxServer) -> None:
    response = httpx.get(f"{sandbox_session.api_url}/patient")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "error": "Unauthorized",
        "message": "Missing or invalid API key (send the Impilo-API-Key header).",
        "code": "unauthorized",
    }


@pytest.mark.parametrize("key", ["wrong", DEMO_API_KEY + "x", DEMO_API_KEY.upper(), ""])
def test_wrong_key_is_401(sandbox_session: SandboxServer, key: str) -> None:
    response = httpx.get(f"{sandbox_session.api_url}/order", headers={"Impilo-API-Key": key})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_default_key_is_the_demo_key(sandbox_session: SandboxServer) -> None:
    assert sandbox_session.api_key == DEMO_API_KEY
    response = httpx.get(
        f"{sandbox_session.api_url}/site", headers={"Impilo-API-Key": DEMO_API_KEY}
    )
    assert response.status_code == 200


def test_a_configured_key_replaces_the_demo_key() -> None:
    with SandboxServer(api_key="s3cret-key") as server:
        url = f"{server.api_url}/site"
        assert httpx.get(url, headers={"Impilo-API-Key": "s3cret-key"}).status_code == 200
        assert httpx.get(url, headers={"Impilo-API-Key": DEMO_API_KEY}).status_code == 401
        assert "s3cret" not in repr(server)


def test_unknown_paths_are_json_404(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    for path in ("/orders", "/order/summary/x", "/device", "/patient/12/extra"):
        response = api_ro.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
        assert response.headers["content-type"].startswith("application/json")
    outside = httpx.get(f"{sandbox_session.base_url}/elsewhere")
    assert outside.status_code == 404
    assert outside.json()["status"] == 404


def test_unsupported_method_is_json_405(api_ro: httpx.Client) -> None:
    response = api_ro.put("/order/100001", json={})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/patient/1", "patient"),
        ("/site/1", "site"),
        ("/item/1", "item"),
        ("/kit/1", "kit"),
        ("/manufacturer/999", "manufacturer"),
        ("/order/5", "order"),
    ],
)
def test_unknown_ids_are_404(api_ro: httpx.Client, path: str, what: str) -> None:
    response = api_ro.get(path)
    assert response.status_code == 404
    error = response.json()
    assert error["error"] == "Not Found"
    assert what in error["message"]


def test_an_oversized_body_is_a_json_413(api: httpx.Client) -> None:
    response = api.post("/order", content=b"[" + b"1," * 3_000_000 + b"1]")
    assert response.status_code == 413
    assert response.json()["status"] == 413
