"""Query-string parsing for the sandbox routes: paging, booleans, ids, enums and arrays.

Array parameters accept both repeated keys (`?id=1&id=2`, the OpenAPI default) and
comma-joined values (`?id=1,2`). Every malformed value is a 400 naming the parameter. Whole
numbers must fit the spec's declared format (ids int64, page and size int32).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Literal, TypeVar

from multidict import MultiMapping

from impilo_desktop.sandbox.errors import ApiError, bad_request
from impilo_desktop.sandbox.seed import JsonDict

DEFAULT_PAGE = 1
DEFAULT_SIZE = 15
# The generic page model documents a maximum of 250; larger sizes are clamped, not refused.
MAX_SIZE = 250

Query = MultiMapping[str]
T = TypeVar("T")
Bits = Literal[32, 64]
BOUNDS: dict[Bits, tuple[int, int]] = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}
# ASCII digits only: int() would also take "1_000" and other scripts' digits.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 19  # int64's; longer is out of range whatever the digits are


def whole_number(raw: str, name: str, bits: Bits = 64) -> int:
    """`raw` as an int32 / int64 (the parameter's declared format), else a 400 naming `name`.

    The value is never echoed back: it may be thousands of digits long."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise bad_request("invalid_parameter", f"{name} must be a whole number.")
    low, high = BOUNDS[bits]
    negative = text.startswith("-")
    # Counting digits first also spares int() a huge string (it refuses over 4,300 digits).
    if len(text.lstrip("+-").lstrip("0")) <= _MAX_DIGITS:
        value = int(text)
        if low <= value <= high:
            return value
    raise out_of_range(name, bits, negative)


def out_of_range(
    name: str, bits: Bits, negative: bool, code: str = "invalid_parameter"
) -> ApiError:
    """The 400 for a number outside int32 / int64, naming `name` but not the value."""
    low, high = BOUNDS[bits]
    if negative:
        return bad_request(code, f"{name} is too small (it must be at least {low}).")
    return bad_request(code, f"{name} is too large (it must be at most {high}).")


def paging(query: Query) -> tuple[int, int]:
    """(page, size): 1-based page, default size 15, size clamped to 250; < 1 is a 400, and so
    is a number outside int32 (clamping applies to sizes the API could accept, not to those)."""
    page = _int(query, "page", DEFAULT_PAGE, bits=32)
    size = _int(query, "size", DEFAULT_SIZE, bits=32)
    if page < 1:
        raise bad_request("invalid_page", "page must be 1 or more (pages are numbered from 1).")
    if size < 1:
        raise bad_request("invalid_size", "size must be 1 or more.")
    return page, min(size, MAX_SIZE)


def page_envelope(content: list[JsonDict], page: int, size: int, total: int) -> JsonDict:
    return {
        "content": content,
        "page": page,
        "size": size,
        "total": total,
        "first": page == 1,
        "last": page * size >= total,
    }


def page_of(rows: Sequence[T], page: int, size: int) -> Sequence[T]:
    start = (page - 1) * size
    return rows[start : start + size]


def _int(query: Query, name: str, default: int, bits: Bits) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    return whole_number(raw, name, bits)


def optional_int(query: Query, name: str) -> int | None:
    """An int64 parameter (every id the API takes), or None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    return whole_number(raw, name)


def optional_bool(query: Query, name: str) -> bool | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_request("invalid_parameter", f"{name} must be true or false.")


def optional_str(query: Query, name: str) -> str | None:
    raw = query.get(name)
    return raw if raw else None


def optional_date(query: Query, name: str) -> str | None:
    """A `YYYY-MM-DD` date, returned as the ISO string (those compare in date order)."""
    raw = query.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise bad_request("invalid_parameter", f"{name} must be a date like 1980-01-31.") from None


def str_list(query: Query, name: str) -> list[str]:
    values: list[str] = []
    for raw in query.getall(name, []):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def int_list(query: Query, name: str) -> list[int]:
    """An array of int64 ids (`?id=1&id=2` or `?id=1,2`)."""
    return [whole_number(v, name) for v in str_list(query, name)]


def enum_list(query: Query, name: str, allowed: Collection[str]) -> list[str]:
    values = str_list(query, name)
    for value in values:
        if value not in allowed:
            raise bad_request(
                "invalid_parameter",
                f"{value!r} is not a valid {name}; use one of {_join(allowed)}.",
            )
    return values


def optional_enum(query: Query, name: str, allowed: Collection[str]) -> str | None:
    raw = query.get(name)
    if not raw:
        return None
    if raw not in allowed:
        raise bad_request(
            "invalid_parameter", f"{raw!r} is not a valid {name}; use one of {_join(allowed)}."
        )
    return raw


def _join(values: Collection[str]) -> str:
    return ", ".join(sorted(values))
