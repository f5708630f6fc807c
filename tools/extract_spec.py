r"""Extract the machine-readable part of Impilo's OpenAPI document for our tests.

The conformance tests (tests/api/test_request_conformance.py, tests/sandbox/test_conformance.py)
validate bodies and query strings against Impilo's OpenAPI 3.0 specification. A user's clone has
no `../shared`, so the repository carries an extract with what validation reads: paths, methods,
parameters (name, in, required, schema), request bodies, responses and components/schemas
(types, formats, enums, required fields, `$ref`s, nullable, readOnly/writeOnly, minimum/maximum,
defaults...). Impilo's prose (`description`, `summary`, schema `title`s, `externalDocs`) and every
example (`example`, `examples`, `x-...example...` extensions) are left out: they are not ours to
copy, and no validator reads them.

Refresh, from the project root with Impilo's spec at ../shared:

    python tools/extract_spec.py ../shared/impilo-openapi.json \
        tests/data/impilo-openapi.extract.json

Add `--check` to only compare (exit status 1 when the committed extract is out of date). The
output is canonical (sorted keys, two-space indent, final newline), so re-running it on the
same spec gives no diff.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Annotations: prose for people. `title` is kept only in `info` (the API's name, which OpenAPI
# requires there); elsewhere it is a schema's human-readable label.
PROSE = frozenset({"description", "summary", "title", "externalDocs"})
EXAMPLES = frozenset({"example", "examples"})

# Keys whose value maps names chosen by Impilo (paths, status codes, media types, property and
# component names) to objects: the names are data, only the objects hold keywords. Without this
# a property called "description" (ClinicalNote has one) would be stripped like prose.
NAME_MAPS = frozenset(
    {
        "paths",
        "properties",
        "responses",
        "content",
        "schemas",
        "parameters",  # a map in components, a list in operations
        "requestBodies",
        "headers",
        "securitySchemes",
        "links",
        "encoding",
        "variables",
    }
)

# Values copied as they are: they are data (enum values, defaults, required field names,
# security requirements, discriminator mappings), not objects with keywords.
DATA = frozenset({"enum", "default", "required", "security", "mapping"})


def is_example_key(key: str) -> bool:
    """`example`, `examples`, and vendor extensions carrying examples (`x-request-example`...)."""
    return key in EXAMPLES or (key.startswith("x-") and "example" in key.lower())


def _only_examples(schema: Any) -> bool:
    """A pseudo-property that exists only to carry an example (`"_example": {"example": ...}`
    in BloodPressureAlertConfig): nothing is left of it once the example goes."""
    return isinstance(schema, dict) and bool(schema) and all(is_example_key(k) for k in schema)


def _names(value: Any, *, properties: bool = False, drop_pseudo: bool = False) -> Any:
    """A map from Impilo's names to keyword objects (or, for `parameters`, a list of them)."""
    if isinstance(value, list):
        return [_keywords(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, inner in value.items():
        if drop_pseudo and _only_examples(inner):
            continue
        if not properties and name.startswith("x-") and is_example_key(name):
            continue  # an extension beside the names (`paths` and `responses` allow them)
        out[name] = _keywords(inner)
    return out


def _keywords(node: Any, *, keep_title: bool = False) -> Any:
    """`node` as an object of OpenAPI/JSON Schema keywords, prose and examples removed."""
    if isinstance(node, list):
        return [_keywords(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if is_example_key(key) or (key in PROSE and not (key == "title" and keep_title)):
            continue
        if key in DATA:
            out[key] = value
        elif key == "callbacks" and isinstance(value, dict):
            # name -> {expression -> path item}: two levels of names.
            out[key] = {n: _names(c) for n, c in value.items()}
        elif key == "properties":
            # Dropping a pseudo-property changes nothing a validator checks, unless
            # additionalProperties would then reject the name: keep it (empty) in that case.
            open_schema = node.get("additionalProperties", True) is True
            out[key] = _names(value, properties=True, drop_pseudo=open_schema)
        elif key in NAME_MAPS:
            out[key] = _names(value)
        else:
            out[key] = _keywords(value, keep_title=key == "info")
    return out


def strip_document(document: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable part of an OpenAPI 3.0 document (no prose, no examples)."""
    if not str(document.get("openapi", "")).startswith("3.0"):
        raise ValueError("expected an OpenAPI 3.0 document")
    stripped: dict[str, Any] = _keywords(document)
    dangling = sorted(r for r in refs(stripped) if resolve(stripped, r) is None)
    if dangling:  # a $ref into something we dropped (an example, say) would break validation
        raise ValueError(f"$refs that no longer resolve: {dangling[:5]}")
    return stripped


def refs(node: Any) -> Iterator[str]:
    """Every `$ref` value in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any | None:
    """What a local `#/a/b` ref points at in `document` (None when it points nowhere)."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def dumps(document: dict[str, Any]) -> str:
    """Canonical text: sorted keys and a fixed layout, so a re-run gives no diff."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", type=Path, help="Impilo's OpenAPI document (JSON)")
    parser.add_argument("destination", type=Path, help="where to write the extract")
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 if the extract differs"
    )
    args = parser.parse_args(argv)
    text = dumps(strip_document(json.loads(args.source.read_text(encoding="utf-8"))))
    if args.check:
        current = args.destination.read_text(encoding="utf-8") if args.destination.exists() else ""
        if current != text:
            print(f"{args.destination} is out of date; run without --check", file=sys.stderr)
            return 1
        return 0
    args.destination.parent.mkdir(parents=True, exist_ok=True)
    args.destination.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
