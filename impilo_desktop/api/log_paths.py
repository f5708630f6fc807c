"""What the log may say about a request's address: never a patient's identifier.

Some of Impilo's addresses carry patient data: the customer's own identifier (often the MRN)
is a path segment in `/patient/identifier/{x}`, and the patient search takes an identifier,
email or name as query values. The transport logs the method and path of every failed request
(and a 404 is the usual answer when checking for a new patient), so those parts are replaced
before a path reaches a log line or an error's `detail`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"

# Path segments that follow one of these are a patient's identifier, whatever the prefix
# (`/api/v3` or none) and whatever follows them.
_IDENTIFIER_SEGMENT = re.compile(r"(/patient/identifier/)[^/?#]+")

# Query values that identify a patient on a patient search.
PRIVATE_QUERY_KEYS = frozenset({"externalIdentifier", "email", "name"})


def loggable_path(path: str) -> str:
    """`path` (with or without a query) with patient identifiers replaced."""
    path, _, query = path.partition("?")
    path = _IDENTIFIER_SEGMENT.sub(rf"\g<1>{REDACTED}", path)
    if not query:
        return path
    return f"{path}?{loggable_query(query)}"


def loggable_query(query: str) -> str:
    """A query string with the values of patient-identifying keys replaced."""
    pairs = parse_qsl(query, keep_blank_values=True)
    safe = [(k, REDACTED if k in PRIVATE_QUERY_KEYS else v) for k, v in pairs]
    return urlencode(safe, safe="[]")


def redact_in(text: str, path: str) -> str:
    """`text` (an exception's wording) without the raw identifier of `path` in it: some
    network errors quote the address they failed on."""
    loggable = loggable_path(path)
    return text.replace(path, loggable) if loggable != path else text
