"""An order kept for the detail panel as compressed JSON, with a dictionary learned from the
first orders this process saw.

Zlib alone made a 3.7 KB order about 1 KB; most of that is what every order repeats (the
field names, the statuses and events, the account's items, kits and sites). Given those as a
preset dictionary, zlib refers back to them instead (docs/performance.md "Memory"). The
dictionary is learned once per process and never changes, so every row compressed with it
can be read back; rows compressed before it existed say so in their zlib header and are read
without it. It keeps nothing about a patient: the process keeps it after signing out, so it
takes from the first orders only what is the account's (items, kits, sites, statuses,
events), and for the patient the field names alone.
"""

from __future__ import annotations

import json
import threading
import zlib

LEVEL = 1  # fast: the rows are made while pages arrive; a higher level saved little more
LEARN_FROM = 3  # orders in the dictionary
MAX_DICTIONARY = 32 * 1024  # zlib's window: a longer dictionary would not be reached

# What of an order goes into the dictionary: the account's catalogue and sites, statuses and
# events; never the patient, the notes, the addresses or the order's external ids.
_LEARNED = ("site", "orderItems", "orderKits", "orderEvents", "currentStatus", "shippingOption")
_PATIENT_FIELDS = (
    b'"patient":{"id":,"externalIdentifier":"","firstName":"","lastName":"","dateOfBirth":"'
    b'","email":"@","phoneNumber":"","archived":false,"address":{"lineOne":"","lineTwo":"",'
    b'"city":"","state":"","zipCode":"","country":"USA"},"site":{"id":,"name":"","active":true'
    b',"phoneNumber":"","address":{"lineOne":"","city":"","state":"","zipCode":"","country":'
    b'"USA"}},"enrolled":true,"sex":"'
)

_lock = threading.Lock()
_samples: list[bytes] = []
_dictionary: bytes | None = None


def pack(body: bytes) -> bytes:
    """`body` (an order's JSON) compressed, with the learned dictionary once there is one."""
    zdict = _dictionary if _dictionary is not None else _learn(body)
    if zdict is None:
        return zlib.compress(body, LEVEL)
    packer = zlib.compressobj(LEVEL, zdict=zdict)
    return packer.compress(body) + packer.flush()


def unpack(wire: bytes) -> bytes:
    """The JSON `pack` was given."""
    zdict = _dictionary
    if zdict is None:
        return zlib.decompress(wire)
    # zlib asks for the dictionary only when the header says it was used.
    reader = zlib.decompressobj(zdict=zdict)
    return reader.decompress(wire) + reader.flush()


def _learn(body: bytes) -> bytes | None:
    global _dictionary
    with _lock:
        if _dictionary is None and len(_samples) < LEARN_FROM:
            _samples.append(_account_part(body))
            if len(_samples) == LEARN_FROM:
                _dictionary = (_PATIENT_FIELDS + b"".join(_samples))[-MAX_DICTIONARY:]
                _samples.clear()
        return _dictionary


def _account_part(body: bytes) -> bytes:
    """The parts of an order's JSON that are the account's, not a patient's."""
    try:
        order = json.loads(body)
    except ValueError:
        return b""
    if not isinstance(order, dict):
        return b""
    kept = {key: order[key] for key in _LEARNED if key in order}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode()
