"""POST /order: every create-order rule, and what a created order looks like afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

PATIENT = 10001
SITE = 101
ITEM = 1001  # Upper Arm Blood Pressure Monitor, orderable, serialised
SUPPLY = 1039  # test strips, orderable, not serialised
KIT = 501


def body(**overrides: Any) -> dict[str, Any]:
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
    assert error["message"].endswith((".", "required"))
    return str(error["message"])


def test_minimal_patient_order_is_placed(api: httpx.Client) -> None:
    response = api.post("/order", json=body(externalOrderIds=["desk-1"]))
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["currentStatus"] == "orderPlaced"
    assert order["patient"]["id"] == PATIENT
    assert order["patient"]["site"]["name"]
    assert "site" not in order
    assert order["orderItems"][0]["item"]["manufacturer"]["name"]
    assert order["orderEvents"][0]["name"] == "orderPlaced"
    assert order["orderEvents"][0]["eventTimestamp"].endswith("Z")
    assert order["externalOrderIds"] == ["desk-1"]
    assert order["trackingNumbers"] == []


@pytest.mark.parametrize("name", ["create-patient-order", "create-site-order"])
def test_guide_examples_without_ids_are_rejected(
    api: httpx.Client, shared_dir: Path, name: str
) -> None:
    payload = json.loads((shared_dir / "fixtures" / f"{name}.request.json").read_text())
    response = api.post("/order", json=payload)
    assert response.status_code == 400
    assert response.json()["code"] in (
        "patient_or_site_required",
        "patient_not_found",
        "item_id_required",
    )
