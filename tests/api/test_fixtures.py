"""Example payloads in the shapes of the order guide's examples (our own values, in
tests/data/fixtures) against our schemas and Impilo's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from pydantic import ValidationError
from referencing import Registry

from impilo_desktop.api.models import Order, OrderCreate, OrderStatus, Page
from tests.openapi_spec import load_spec, ref, spec_registry


@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    return spec_registry(load_spec())


def load(data_dir: Path, name: str) -> Any:
    return json.loads((data_dir / "fixtures" / name).read_text(encoding="utf-8"))


def test_order_response_parses_and_round_trips(data_dir: Path) -> None:
    raw = load(data_dir, "order.response.json")
    order = Order.model_validate(raw)
    assert order.id == 318204
    assert order.to_wire() == raw


def test_order_response_fields_land_where_expected(data_dir: Path) -> None:
    raw = load(data_dir, "order.response.json")
    order = Order.model_validate(raw)
    assert order.external_order_ids == raw["externalOrderIds"]
    assert len(order.order_items) == len(raw["orderItems"])
    assert len(order.order_kits) == len(raw["orderKits"])
    assert order.current_status == OrderStatus(raw["currentStatus"])


def test_order_page_parses_as_page_of_orders(data_dir: Path) -> None:
    raw = load(data_dir, "order-page.response.json")
    page = Page[Order].model_validate(raw)
    assert len(page.content) == len(raw["content"]) >= 1
    assert all(isinstance(o, Order) for o in page.content)
    assert page.content[0].id == raw["content"][0]["id"]
    assert (page.page, page.size, page.total) == (raw["page"], raw["size"], raw["total"])
    assert page.to_wire() == raw


def test_order_page_parses_from_json_bytes_like_the_client(data_dir: Path) -> None:
    data = (data_dir / "fixtures" / "order-page.response.json").read_bytes()
    page = Page[Order].model_validate_json(data)
    assert page.to_wire() == json.loads(data)


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("order.response.json", "Order"),
        ("order-page.response.json", "PageOrder"),
        # The spec does not require the ids these lack (our OrderCreate does, below).
        ("create-patient-order.request.json", "Order"),
        ("create-site-order.request.json", "Order"),
    ],
)
def test_examples_conform_to_impilo_s_schemas(
    data_dir: Path, registry: Registry[Any], name: str, schema: str
) -> None:
    """Our examples are realistic: valid against the spec (enums, formats, required names)."""
    validator = OAS30Validator(
        ref(f"/components/schemas/{schema}"),
        registry=registry,
        format_checker=OAS30Validator.FORMAT_CHECKER,
    )
    found = validator.iter_errors(load(data_dir, name))
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in found]
    assert problems == []


@pytest.mark.parametrize(
    ("name", "required_path"),
    [
        ("create-patient-order.request.json", ("orderItems", 0, "item", "id")),
        ("create-site-order.request.json", ("site", "id")),
    ],
)
def test_example_requests_are_rejected_for_missing_ids(
    data_dir: Path, name: str, required_path: tuple[str | int, ...]
) -> None:
    """Like the guide's examples, ours have `item: {}` / `site: {}`: the server could not use
    them."""
    raw = load(data_dir, name)
    with pytest.raises(ValidationError) as caught:
        OrderCreate.model_validate(raw)
    errors = caught.value.errors()
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    assert required_path in missing
    # Every line's item lacks its id, and each is named.
    for index in range(len(raw["orderItems"])):
        assert ("orderItems", index, "item", "id") in missing
    assert "id" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "recipient", "lines"),
    [
        ("create-patient-order.request.json", "patient", 3),
        ("create-site-order.request.json", "site", 4),
    ],
)
def test_example_requests_parse_once_ids_are_filled(
    data_dir: Path, name: str, recipient: str, lines: int
) -> None:
    """Only the ids are missing: with them (and the read-only kitItems dropped) both pass."""
    raw = load(data_dir, name)
    for n, line in enumerate(raw["orderItems"]):
        line["item"] = {"id": 1000 + n}
    for line in raw["orderKits"]:
        line["kit"].pop("kitItems", None)
    if recipient == "site":
        raw["site"] = {"id": 561}
    else:
        raw["patient"].pop("sex", None)
    order = OrderCreate.model_validate(raw)
    assert [line.item.id for line in order.order_items] == [1000 + n for n in range(lines)]
