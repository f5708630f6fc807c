"""Bytes of an order file -> JSON data or one plain sentence; never an exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impilo_desktop.domain.order_json import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NUMBER_DIGITS,
    parse_order_bytes,
)

ORDER = {"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}]}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf \n", "is empty"),
        (b"[" * 100_000, f"is nested more than {MAX_DEPTH} levels deep (line 1, column 33)"),
        (b'{"n": ' + b"9" * 5000 + b"}", "has a number 5,000 digits long (line 1, column 7)"),
        (b"[1.5e" + b"1" * 200 + b"]", "has a number 200 digits long"),
        (b'{"a":\n "\xed\xa0\x80"}', "is not UTF-8 text (line 2 has bytes that are not UTF-8)"),
        (b"\x89PNG\r\n\x1a\n", "is not UTF-8 text (line 1"),
        ('{"a": 1}'.encode("utf-16"), "is UTF-16 text, not UTF-8"),
        (b'{"orderNotes": [{"note": "ok"}, {"note": "x\\ud800"}]}', "at orderNotes[1].note"),
        (b'{"\\udfff": 1}', "at the field name \\udfff"),
        (b'"\\ud800"', "at the top level"),
        (b'{"count": NaN}', "is not valid JSON (NaN is not a JSON number)"),
        (b"[-Infinity]", "is not valid JSON (-Infinity is not a JSON number)"),
        (b'{"a": 1,}', "is not valid JSON (line 1, column 9: Expecting property name"),
        (b" " * (MAX_FILE_BYTES + 1), "is too large (over 1 MB)"),
    ],
)
def test_each_bad_input_gets_its_sentence(raw: bytes, problem: str) -> None:
    parsed = parse_order_bytes(raw)
    assert parsed.problem is not None
    assert problem in parsed.problem
    assert parsed.data is None


def test_a_byte_order_mark_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(ORDER).encode("utf-8")
    assert parse_order_bytes(raw).data == ORDER


@pytest.mark.parametrize(
    "raw",
    [
        # Brackets and long digit runs inside strings are text, not structure.
        json.dumps({"note": "[" * 500 + "9" * 500}).encode("utf-8"),
        # A surrogate pair is one character (an emoji), not a lone surrogate.
        b'{"note": "\\ud83d\\ude00"}',
        # Exactly the limits.
        b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
        b"[" + b"7" * MAX_NUMBER_DIGITS + b"]",
    ],
)
def test_what_only_looks_bad_is_read(raw: bytes) -> None:
    parsed = parse_order_bytes(raw)
    assert parsed.problem is None
    assert parsed.data == json.loads(raw)


def test_an_unterminated_string_of_escapes_is_read_in_linear_time() -> None:
    # A pattern that backtracks would take minutes here; pytest's timeout would end it.
    parsed = parse_order_bytes(b'"' + b'\\"' * 400_000)
    assert parsed.problem is not None
    assert parsed.problem.startswith("is not valid JSON")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**120), max_value=10**120)
    | st.floats()
    | st.text(st.characters(codec=None), max_size=8),  # surrogates included
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=30,
)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_no_bytes_make_the_parser_raise(raw: bytes) -> None:
    parsed = parse_order_bytes(raw)
    assert (parsed.problem is None) or (parsed.data is None)


@settings(max_examples=300)
@given(json_values, st.booleans(), st.booleans())
def test_json_of_any_shape_is_read_or_refused(value: Any, ascii_only: bool, bom: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    raw = ("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass")
    parsed = parse_order_bytes(raw)
    if parsed.problem is None:
        # Whatever is accepted can be stored and sent: it has a UTF-8 form.
        json.dumps(parsed.data, ensure_ascii=False, allow_nan=False).encode("utf-8")
