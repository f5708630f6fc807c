"""Impilo's OpenAPI 3.0 document for the conformance tests of the client (requests,
tests/api) and of the sandbox (responses, tests/sandbox): the machine-readable extract in
tests/data (made by tools/extract_spec.py; no prose, no examples), which validates exactly like
the full document. `$ref`s resolve through a `referencing` registry holding the whole document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_URI = "urn:impilo:openapi"
SPEC_PATH = Path(__file__).resolve().parent / "data" / "impilo-openapi.extract.json"


def load_spec() -> dict[str, Any]:
    """The parsed specification (an OpenAPI 3.0 document)."""
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert loaded["openapi"].startswith("3.0")
    return loaded


def spec_registry(spec: dict[str, Any]) -> Registry[Any]:
    """A registry where `SPEC_URI#/...` refs find their schema in `spec`."""
    empty: Registry[Any] = Registry()
    loaded: Registry[Any] = empty.with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    return loaded


def ref(pointer: str) -> dict[str, str]:
    """A `$ref` to `#<pointer>` in the spec, usable outside it."""
    return {"$ref": f"{SPEC_URI}#{pointer}"}


def absolute(schema: Any) -> Any:
    """A copy of a schema taken out of the spec, its local `#/...` refs pointed at the spec."""
    if isinstance(schema, dict):
        return {
            k: f"{SPEC_URI}{v}" if k == "$ref" and v.startswith("#") else absolute(v)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [absolute(v) for v in schema]
    return schema
