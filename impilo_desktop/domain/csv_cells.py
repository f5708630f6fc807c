"""Text written to a CSV the coordinator opens in Excel, made inert.

A cell that starts with "=", "+", "-" or "@" (or a tab or carriage return, which Excel skips
before looking) is run as a formula when the file is opened: an order_ref, a patient's name
or Impilo's reason could then run one (CSV injection). Such a cell gets a leading apostrophe,
which Excel shows as text and does not display.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """`text` as a cell Excel shows and never runs: "=1+1" -> "'=1+1"; anything else as it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
