"""The committed OpenAPI extract (tests/data) is what tools/extract_spec.py makes: canonical,
free of Impilo's prose and examples, and still complete enough to validate against. Nothing here
reads Impilo's full document (a user's clone does not have it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.openapi_spec import SPEC_PATH
from tools.extract_spec import dumps, main, refs, resolve, strip_document

# Keys that are prose or examples wherever they are a keyword.
LEFT_OUT = {"description", "summary", "title", "externalDocs", "example", "examples"}


@pytest.fixture(scope="module")
def text() -> str:
    return SPEC_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def extract(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def keys_with_parents(node: Any, parents: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every object key in `node` (list indices left out)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*parents, key)
            yield from keys_with_parents(value, (*parents, key))
    elif isinstance(node, list):
        for value in node:
            yield from keys_with_parents(value, parents)


def test_stripping_the_extract_changes_nothing(extract: dict[str, Any], text: str) -> None:
    """Re-running the extractor gives the committed file byte for byte."""
    assert strip_document(extract) == extract
    assert dumps(strip_document(extract)) == text


def test_no_prose_or_examples_are_left(extract: dict[str, Any]) -> None:
    left = [
        path
        for path in keys_with_parents(extract)
        if path[-1] in LEFT_OUT or (path[-1].startswith("x-") and "example" in path[-1])
    ]
    # A field *named* like a keyword is data (ClinicalNote has a `description` property);
    # info.title is the API's name, which OpenAPI requires.
    assert all(path[-2] == "properties" or path == ("info", "title") for path in left), left
    assert extract["info"] == {"title": "Impilo API", "version": extract["info"]["version"]}


def test_every_ref_resolves(extract: dict[str, Any]) -> None:
    found = set(refs(extract))
    assert "#/components/schemas/Order" in found
    assert all(resolve(extract, ref) is not None for ref in found)


def test_the_extract_keeps_what_validation_reads(extract: dict[str, Any]) -> None:
    schemas = extract["components"]["schemas"]
    assert schemas["Patient"]["required"] == ["firstName", "lastName"]
    assert schemas["Patient"]["properties"]["id"] == {
        "format": "int64",
        "readOnly": True,
        "type": "integer",
    }
    assert "shipped" in schemas["Order"]["properties"]["currentStatus"]["enum"]
    assert schemas["ShippingOption"]["enum"]
    create = extract["paths"]["/api/v3/order"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Order"
    }
    listing = extract["paths"]["/api/v3/order"]["get"]["parameters"]
    where = {p["name"]: p["in"] for p in listing}
    assert where.items() >= {"page": "query", "patientId": "query"}.items()


SAMPLE: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "Sample", "version": "1", "description": "Prose about the API."},
    "tags": [{"name": "Orders", "description": "Prose.", "externalDocs": {"url": "u"}}],
    "paths": {
        "/thing": {
            "get": {
                "summary": "Get a thing",
                "description": "Prose.",
                "parameters": [
                    {
                        "name": "description",
                        "in": "query",
                        "required": False,
                        "description": "Prose.",
                        "example": "x",
                        "schema": {"type": "string", "title": "Label", "default": "d"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Thing"},
                                "examples": {"one": {"value": {"a": 1}}},
                                "x-response-example": {"a": 1},
                            }
                        },
                    },
                    "default": {"description": "Error"},
                },
                "x-request-example": {"a": 2},
            }
        }
    },
    "components": {
        "examples": {"one": {"value": {}}},
        "schemas": {
            "Thing": {
                "type": "object",
                "description": "Prose.",
                "required": ["description", "kind"],
                "properties": {
                    "description": {"type": "string", "description": "Prose.", "nullable": True},
                    "kind": {"type": "string", "enum": ["a", "b"], "example": "a"},
                    "count": {"type": "integer", "minimum": 1, "maximum": 9},
                    "_example": {"example": {"kind": "a"}},
                    "extra": {"description": "Any value."},
                },
                "example": {"kind": "a"},
            }
        },
    },
}


def test_strip_document_keeps_names_and_data_and_drops_the_rest() -> None:
    assert strip_document(SAMPLE) == {
        "openapi": "3.0.0",
        "info": {"title": "Sample", "version": "1"},
        "tags": [{"name": "Orders"}],
        "paths": {
            "/thing": {
                "get": {
                    "parameters": [
                        {
                            "name": "description",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "default": "d"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        },
                        "default": {},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["description", "kind"],
                    "properties": {
                        "description": {"type": "string", "nullable": True},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "count": {"type": "integer", "minimum": 1, "maximum": 9},
                        # A declared field without a type stays (it accepts anything).
                        "extra": {},
                    },
                }
            }
        },
    }


def test_a_pseudo_property_stays_where_additional_properties_would_reject_it() -> None:
    closed = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"_example": {"example": {"a": 1}}, "a": {"type": "integer"}},
    }
    document = {"openapi": "3.0.0", "components": {"schemas": {"Closed": closed}}}
    stripped = strip_document(document)["components"]["schemas"]["Closed"]
    assert stripped["properties"] == {"_example": {}, "a": {"type": "integer"}}


def test_a_ref_into_a_dropped_part_is_an_error() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {},
        "components": {"schemas": {"A": {"$ref": "#/components/examples/one"}}},
    }
    with pytest.raises(ValueError, match="no longer resolve"):
        strip_document(document)


def test_the_command_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "spec.json"
    source.write_text(json.dumps(SAMPLE), encoding="utf-8")
    out = tmp_path / "out" / "extract.json"
    assert main([str(source), str(out)]) == 0
    assert out.read_text(encoding="utf-8") == dumps(strip_document(SAMPLE))
    assert main([str(source), str(out), "--check"]) == 0
    out.write_text("{}\n", encoding="utf-8")
    assert main([str(source), str(out), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
