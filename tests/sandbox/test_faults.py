"""Fault injection: each kind over real HTTP, the in-doubt create, parsing, determinism."""

from __future__ import annotations

import json

import httpx
import pytest

from impilo_desktop.sandbox import Faults, SandboxServer

ORDER = {"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}]}


def test_error_rate_gives_json_5xx(api: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.faults.error_rate = 1.0
    response = api.get("/site")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    sandbox.faults.error_rate = 0.0
    assert api.get("/site").status_code == 200


def test_rate_limit_has_retry_after(api: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.faults.rate_limit_rate = 1.0
    sandbox.faults.retry_after = 2.5
    response = api.get("/patient")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["status"] == 429


def test_drop_closes_without_a_response(api: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/site")
    sandbox.faults.drop_rate = 0.0
    assert api.get("/site").status_code == 200


def test_drop_after_create_leaves_the_order_in_place(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    sandbox.faults.drop_after_create_rate = 1.0
    assert api.get("/site").status_code == 200  # only creates are affected
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/order", json={**ORDER, "externalOrderIds": ["in-doubt-1"]})
    rejected = api.post("/order", json={"patient": {"id": 10001}})
    assert rejected.status_code == 400  # failed creates are answered normally
    sandbox.faults.drop_after_create_rate = 0.0
    found = api.get("/order", params={"externalOrderId": "in-doubt-1"}).json()
    assert found["total"] == 1
    assert found["content"][0]["currentStatus"] == "orderPlaced"


def test_malformed_json_body(api: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.faults.malformed_rate = 1.0
    response = api.get("/kit")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_slow_body_arrives_in_pieces(sandbox: SandboxServer) -> None:
    sandbox.faults.slow_body_seconds = 1.0  # 20 pieces, 50 ms apart
    with (
        httpx.Client(headers={"Impilo-API-Key": sandbox.api_key}) as client,
        client.stream("GET", f"{sandbox.api_url}/site") as response,
    ):
        chunks = [c for c in response.iter_raw() if c]
    assert len(chunks) > 1
    assert json.loads(b"".join(chunks))["total"] == 25


def test_latency_trips_a_short_client_timeout(sandbox: SandboxServer) -> None:
    sandbox.faults.latency = 2.0
    headers = {"Impilo-API-Key": sandbox.api_key}
    with httpx.Client(headers=headers, timeout=0.05) as client, pytest.raises(httpx.ReadTimeout):
        client.get(f"{sandbox.api_url}/site")
    sandbox.faults.latency = 0.0


def test_faults_apply_to_the_api_only(sandbox: SandboxServer) -> None:
    sandbox.faults.error_rate = 1.0
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/advance?seconds=1",
        headers={"Impilo-API-Key": sandbox.api_key},
    )
    assert response.status_code == 200


def test_forced_faults_come_in_order(api: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.faults.force("error", "ratelimit", "drop_after_create")
    assert api.get("/site").status_code == 503
    assert api.get("/site").status_code == 429
    assert api.get("/site").status_code == 200  # drop_after_create waits for a create
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/order", json=ORDER)
    assert api.post("/order", json=ORDER).status_code == 200


def test_random_faults_are_deterministic() -> None:
    def outcomes() -> list[int]:
        faults = Faults(error_rate=0.3, rate_limit_rate=0.2, seed=7)
        with SandboxServer(faults=faults) as server:
            headers = {"Impilo-API-Key": server.api_key}
            with httpx.Client(base_url=server.api_url, headers=headers) as client:
                return [client.get("/manufacturer").status_code for _ in range(40)]

    first = outcomes()
    assert first == outcomes()
    assert {200, 429, 503} <= set(first)


def test_admin_route_sets_faults(sandbox: SandboxServer, api: httpx.Client) -> None:
    admin = f"{sandbox.base_url}/_sandbox/faults"
    headers = {"Impilo-API-Key": sandbox.api_key}
    response = httpx.post(admin, json={"spec": "error=1"}, headers=headers)
    assert response.json() == {"spec": "error=1"}
    assert api.get("/site").status_code == 503
    httpx.post(admin, json={"spec": ""}, headers=headers)
    assert api.get("/site").status_code == 200
    assert httpx.post(admin, json={"spec": "bogus=1"}, headers=headers).status_code == 400


def test_parse_the_cli_spec() -> None:
    faults = Faults.parse(
        "latency=0.05,error=0.1,ratelimit=0.05,retry_after=1,drop=0.02,"
        "drop_after_create=0.1,slow=0.5,malformed=0.02"
    )
    assert faults.latency == 0.05
    assert faults.error_rate == 0.1
    assert faults.rate_limit_rate == 0.05
    assert faults.retry_after == 1.0
    assert faults.drop_rate == 0.02
    assert faults.drop_after_create_rate == 0.1
    assert faults.slow_body_seconds == 0.5
    assert faults.malformed_rate == 0.02
    assert Faults.parse(faults.spec()) == faults
    assert Faults.parse("") == Faults()


@pytest.mark.parametrize("spec", ["error", "error=x", "nonsense=1", "error=1.5", "latency=-1"])
def test_parse_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        Faults.parse(spec)
