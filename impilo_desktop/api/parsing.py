"""Reading response bodies without holding the event loop: pages validated piece by piece,
what a server said in an error body, and validation errors summarised without their values.

Plain Python (no HTTP library): the transport and the tests use these on raw bytes.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from impilo_desktop.api.models import Page

# Longest server text kept in a user message (never in the log: it may name a patient).
MESSAGE_LIMIT: Final = 300
# Validate this many objects of a page between two yields to the event loop (see
# docs/architecture.md, Threads).
PARSE_CHUNK: Final = 10

P = TypeVar("P", bound=Page[Any])


def excerpt(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters (with an ellipsis when cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def server_message(body: bytes) -> str:
    """What the server said in an error body (format undocumented): a `message`, `error` or
    `detail` field of a JSON object when there is one, else the raw text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        # An HTML error page (a proxy, a load balancer) means nothing to a coordinator.
        return "" if text.startswith("<") else excerpt(text, MESSAGE_LIMIT)
    found = _message_in(parsed)
    return excerpt(found if found else text, MESSAGE_LIMIT)


def _message_in(value: Any, depth: int = 0) -> str:
    if isinstance(value, str):
        return value
    if depth > 3:
        return ""
    if isinstance(value, list):
        parts = [_message_in(v, depth + 1) for v in value]
        return "; ".join(p for p in parts if p)
    if isinstance(value, dict):
        for key in ("message", "error", "detail", "errors", "msg", "title"):
            found = _message_in(value.get(key), depth + 1)
            if found:
                code = value.get("code")
                if isinstance(code, str) and code and code not in found:
                    return f"{found} ({code})"
                return found
        code = value.get("code")
        if isinstance(code, str):
            return code
    return ""


def validation_summary(error: ValidationError) -> str:
    """Where the body went wrong, without the values (they may be patient data)."""
    lines = [
        f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)[:5]
    ]
    more = error.error_count() - len(lines)
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


async def parse_page(body: bytes, page_model: type[P], *, chunk: int = PARSE_CHUNK) -> P:
    """A list response, one object at a time, yielding to the loop every `chunk` objects.

    One `model_validate_json` over a 250-order page holds the interpreter for tens of
    milliseconds (docs/performance.md); piece by piece no step is long, so the UI thread and
    other tasks get their turn. Raises ValueError (bad JSON, not a page, a bad object).
    """
    data: Any = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError(f"a page is a JSON object, not {type(data).__name__}")
    raw_items = data.get("content")
    if raw_items is None:
        return page_model.model_validate(data)
    if not isinstance(raw_items, list):
        raise ValueError(f"content is {type(raw_items).__name__}, not a list")
    item_model: type[BaseModel] = page_model.__pydantic_generic_metadata__["args"][0]
    items: list[BaseModel] = []
    for number, raw in enumerate(raw_items, start=1):
        try:
            items.append(item_model.model_validate(raw))
        except ValidationError as error:
            raise ValueError(f"content[{number - 1}]: {validation_summary(error)}") from None
        if number % chunk == 0:
            await asyncio.sleep(0)
    # Validated objects pass through the envelope's validation as they are.
    return page_model.model_validate({**data, "content": items})
