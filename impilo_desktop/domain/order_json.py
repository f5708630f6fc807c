"""The bytes of an order file become JSON data, or one plain sentence saying why they cannot.

A file handed to `impilo-desktop drafts import` may hold anything: a photo, a log, a broken
export, something made to hurt. Every way it can fail ends here as a sentence (never an
exception), and nothing in it can make parsing use unbounded memory, time or stack:

- at most `MAX_FILE_BYTES` (the file reader stops reading one byte past it);
- UTF-8, with or without a byte-order mark (Windows Notepad writes one);
- nested at most `MAX_DEPTH` levels: a scan of the brackets outside strings comes first,
  because `json.loads` recurses once per level and a deep file ends in a RecursionError;
- numbers at most `MAX_NUMBER_DIGITS` digits: Python refuses to convert integers longer than
  4,300 digits (a ValueError from deep inside `json.loads`), and no id or count comes close;
- no NaN or Infinity: `json.loads` accepts them, but they are not JSON;
- no lone surrogate escapes such as "\\ud800": `json.loads` accepts them, but that text has no
  UTF-8 form, so it could be neither stored nor sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_FILE_BYTES = 1_000_000  # a real order file is a few kilobytes
MAX_DEPTH = 32  # a create-order body is five levels deep
MAX_NUMBER_DIGITS = 100  # ids are at most 19 digits

# Tokens of the bracket scan. A string runs to its closing quote or, unterminated, to the end
# of the text (possessive, so a broken file cannot make the scan backtrack quadratically);
# a long number is matched only from the start of its run of digits.
_TOKENS = re.compile(
    r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)'
    r"|[\[\]{}]"
    rf"|(?<![0-9])[0-9]{{{MAX_NUMBER_DIGITS + 1},}}",
    re.DOTALL,
)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ParsedFile:
    """`data` when the bytes are usable JSON, else `problem`: what is wrong, as the end of a
    sentence that starts with the file's name ("is not UTF-8 text (line 3)")."""

    data: Any = None
    problem: str | None = None


class _NotJsonError(ValueError):
    """NaN or Infinity: `json.loads` would take them; JSON has no such numbers."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonError(name)


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _shape_problem(text: str) -> str | None:
    """Too deep or a number too long, found without parsing (see the module's docstring)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        first = token[0]  # a bracket, a quote (a string) or a digit (a long number)
        if first in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return (
                    f"is nested more than {MAX_DEPTH} levels deep ({_where(text, match.start())});"
                    " an order is only a few levels deep"
                )
        elif first in "]}":
            depth = max(depth - 1, 0)
        elif first != '"':
            return (
                f"has a number {len(token):,} digits long ({_where(text, match.start())});"
                f" numbers in an order file have at most {MAX_NUMBER_DIGITS} digits"
            )
    return None


def _shown_key(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _surrogate_at(data: Any) -> str | None:
    """The path (orderNotes[0].note) of the first text with a lone surrogate, or None."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return path or "the top level"
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, dict):
            children: list[tuple[str, Any]] = []
            for key, item in value.items():
                name = f"{path}.{_shown_key(key)}" if path else _shown_key(key)
                if _SURROGATE.search(key):
                    return f"the field name {name}"
                children.append((name, item))
            stack.extend(reversed(children))
    return None


def _decode(raw: bytes) -> tuple[str | None, str | None]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "is UTF-16 text, not UTF-8; save it as UTF-8 and import it again"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, f"is not UTF-8 text (line {line} has bytes that are not UTF-8)"


def parse_order_bytes(raw: bytes) -> ParsedFile:
    """Parse the bytes of an order file. Never raises (see the module's docstring)."""
    if len(raw) > MAX_FILE_BYTES:
        return ParsedFile(problem=too_large_problem())
    text, problem = _decode(raw)
    if text is None:
        return ParsedFile(problem=problem)
    if not text.strip():
        return ParsedFile(problem="is empty")
    problem = _shape_problem(text)
    if problem is not None:
        return ParsedFile(problem=problem)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return ParsedFile(
            problem=f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        )
    except _NotJsonError as exc:
        return ParsedFile(problem=f"is not valid JSON ({exc} is not a JSON number)")
    except RecursionError:  # the scan above should have said so; never a traceback
        return ParsedFile(problem="is nested too deeply to be read")
    except ValueError:  # Python's limit on the digits of an integer (see the docstring)
        return ParsedFile(problem="has a number too long to be read")
    where = _surrogate_at(data)
    if where is not None:
        return ParsedFile(
            problem=(
                f"has text that is not valid Unicode at {where} (an escape such as \\ud800"
                " without its pair)"
            )
        )
    return ParsedFile(data=data)


def too_large_problem() -> str:
    """The sentence for a file over `MAX_FILE_BYTES` (the reader says it without reading it)."""
    return f"is too large (over {MAX_FILE_BYTES / 1_000_000:g} MB); an order file is a few kB"
