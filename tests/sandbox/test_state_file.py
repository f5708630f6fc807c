"""A sandbox with a state file remembers across servers: orders placed and voided, their ids,
their status timestamps and the clock. A reset goes back to the seed without reusing ids; a
damaged file is set aside, and a failing disk is logged, never fatal."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.persist import STATE_FILE_NAME
from tests.sandbox.helpers import http_client

HOUR = 3600.0  # a status step: nothing moves on by itself while a test runs
SEEDED_ORDERS = 600
NEWEST_SEEDED = 100600


def order_body(**extra: Any) -> dict[str, Any]:
    return {"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}], **extra}


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "profiles" / "sandbox" / STATE_FILE_NAME  # folders not there yet


@contextmanager
def serving(path: Path, **kwargs: Any) -> Iterator[tuple[SandboxServer, httpx.Client]]:
    """A started server over `path` and a client on it; stopped afterwards."""
    server = SandboxServer(state_file=path, progress_seconds=HOUR, **kwargs)
    server.start()
    try:
        with http_client(server) as api:
            yield server, api
    finally:
        server.close()


def newest_open_seeded_order(server: SandboxServer) -> int:
    seed = server.seed
    return next(
        100001 + n for n in range(seed.size.orders - 1, -1, -1) if seed.order_status[n] == 0
    )


def place(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = api.post("/order", json=order_body(**extra))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def test_orders_outlive_the_server(state_path: Path) -> None:
    with serving(state_path) as (server, api):
        first = place(api, externalOrderIds=["kept-1"], orderNotes=[{"note": "Ring twice."}])
        second = place(api, patient={"id": 10002})
        assert api.delete(f"/order/{second['id']}").status_code == 204
        seeded = newest_open_seeded_order(server)
        assert api.delete(f"/order/{seeded}").status_code == 204
        server.advance_time(HOUR)  # the first order is awaiting shipment now
        before = {oid: api.get(f"/order/{oid}").json() for oid in (first["id"], second["id"])}
        before[seeded] = api.get(f"/order/{seeded}").json()
        total = api.get("/order").json()["total"]
    assert state_path.is_file()
    assert not list(state_path.parent.glob("*.tmp"))
    if os.name == "posix":
        assert state_path.stat().st_mode & 0o777 == 0o600

    with serving(state_path) as (server, api):
        listed = api.get("/order", params={"size": 3}).json()
        assert [o["id"] for o in listed["content"]] == [second["id"], first["id"], NEWEST_SEEDED]
        assert listed["total"] == total == SEEDED_ORDERS + 2
        # Same orders, same events at the same times, same clock.
        for oid, was in before.items():
            assert api.get(f"/order/{oid}").json() == was
        assert before[first["id"]]["currentStatus"] == "awaitingShipment"
        assert before[second["id"]]["currentStatus"] == "voided"
        assert before[seeded]["currentStatus"] == "voided"
        found = api.get("/order", params={"externalOrderId": "kept-1"}).json()
        assert [o["id"] for o in found["content"]] == [first["id"]]
        mine = api.get("/order", params={"patientId": 10002, "size": 250}).json()
        assert second["id"] in [o["id"] for o in mine["content"]]
        # The next order gets a new id: none is ever handed out twice.
        third = place(api)
        assert third["id"] == second["id"] + 1


def test_the_clock_and_time_steps_carry_on(state_path: Path) -> None:
    with serving(state_path) as (server, api):
        order = place(api)
        server.advance_time(2 * HOUR)
        assert api.get(f"/order/{order['id']}").json()["currentStatus"] == "shipped"
    with serving(state_path) as (server, api):
        again = api.get(f"/order/{order['id']}").json()
        assert again["currentStatus"] == "shipped"
        assert again["trackingNumbers"]
        server.advance_time(HOUR)
        delivered = api.get(f"/order/{order['id']}").json()
        assert delivered["currentStatus"] == "delivered"
        assert [e["name"] for e in delivered["orderEvents"]] == [
            "orderPlaced",
            "awaitingShipment",
            "shipped",
            "delivered",
        ]


def test_a_reset_goes_back_to_the_seed_without_reusing_ids(state_path: Path) -> None:
    with serving(state_path) as (server, api):
        placed = place(api, externalOrderIds=["before-reset"])
        seeded = newest_open_seeded_order(server)
        api.delete(f"/order/{seeded}")
        server.advance_time(HOUR)
        server.reset()
        assert api.get(f"/order/{placed['id']}").status_code == 404
        assert api.get(f"/order/{seeded}").json()["currentStatus"] == "orderPlaced"
        assert api.get("/order", params={"externalOrderId": "before-reset"}).json()["total"] == 0
        listed = api.get("/order").json()
        assert listed["total"] == SEEDED_ORDERS
        assert listed["content"][0]["id"] == NEWEST_SEEDED
        after = place(api)
        assert after["id"] == placed["id"] + 1
        assert api.get("/order", params={"size": 2}).json()["content"][1]["id"] == NEWEST_SEEDED
    with serving(state_path) as (server, api):
        assert api.get(f"/order/{placed['id']}").status_code == 404
        assert api.get(f"/order/{after['id']}").status_code == 200
        assert api.get("/order").json()["total"] == SEEDED_ORDERS + 1
        assert place(api)["id"] == after["id"] + 1


def saved_document(path: Path) -> dict[str, Any]:
    """A real state file with one order in it (to damage in a chosen way)."""
    with serving(path) as (_server, api):
        place(api)
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def damaged(kind: str, path: Path) -> bytes:
    if kind == "another seed":
        with serving(path, random_seed=2) as (_server, api):
            place(api)
        return path.read_bytes()
    document = saved_document(path)
    if kind == "unknown item":
        document["orders"][0]["itemLines"] = [[999, 1]]
    elif kind == "wrong type":
        document["nextOrderId"] = "100602"
    elif kind == "wrong shape":
        document["orders"] = [["not", "an", "order"]]
    elif kind == "seeded id, not voided":
        document["orders"][0]["id"] = 100001
    raw = json.dumps(document).encode()
    return {"garbage": b"\x00\x01\xfe not json", "cut short": raw[: len(raw) // 2]}.get(kind, raw)


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "cut short",
        "another seed",
        "unknown item",
        "wrong type",
        "wrong shape",
        "seeded id, not voided",
    ],
)
def test_a_damaged_file_is_set_aside_and_the_sandbox_starts_fresh(
    state_path: Path, kind: str
) -> None:
    content = damaged(kind, state_path)
    state_path.write_bytes(content)
    with serving(state_path) as (server, api):
        assert server.state_file is not None
        problem = server.state_file.problem
        assert problem is not None
        assert "were not used" in problem
        assert "starts again from its demo data" in problem
        assert api.get("/order").json()["total"] == SEEDED_ORDERS
        assert place(api)["id"] == NEWEST_SEEDED + 1
    aside = list(state_path.parent.glob(f"{STATE_FILE_NAME}.damaged-*"))
    assert len(aside) == 1
    assert aside[0].name in problem
    assert aside[0].read_bytes() == content  # kept as it was, for whoever wants to look
    # The new file is a good one.
    with serving(state_path) as (server, api):
        assert server.state_file is not None
        assert server.state_file.problem is None
        assert api.get("/order").json()["total"] == SEEDED_ORDERS + 1


def test_an_unreadable_file_is_set_aside(state_path: Path) -> None:
    state_path.mkdir(parents=True)  # a folder where the file should be: reading fails
    with serving(state_path) as (server, api):
        assert server.state_file is not None
        assert "cannot be read" in (server.state_file.problem or "")
        assert place(api)["id"] == NEWEST_SEEDED + 1
    assert state_path.is_file()
    assert len(list(state_path.parent.glob(f"{STATE_FILE_NAME}.damaged-*"))) == 1


def test_a_failing_disk_is_logged_and_the_sandbox_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "profiles"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    path = blocker / "sandbox" / STATE_FILE_NAME
    with caplog.at_level(logging.INFO, logger="impilo_desktop.sandbox.persist"):
        with serving(path) as (_server, api):
            first = place(api)
            second = place(api)  # still served, and logged once, not once per order
            failures = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert len(failures) == 1
            assert "Could not save the sandbox's orders" in failures[0].getMessage()
            blocker.unlink()  # the disk is back
            third = place(api)
        assert any("saved to" in r.getMessage() for r in caplog.records)
    assert [first["id"], second["id"], third["id"]] == [100601, 100602, 100603]
    with serving(path) as (_server, api):
        assert api.get("/order").json()["total"] == SEEDED_ORDERS + 3
