"""Reading what the coordinator typed for a new patient: a date of birth as ISO, and first and
last names from what was typed in the patient search (offered when nobody matched). Plain
text in, plain text out; no Qt, so the rules are tested alone."""

from __future__ import annotations

import re
from datetime import date

_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def iso_date_of_birth(text: str) -> str:
    """ "1961-04-09" for "1961-04-09", "4/9/1961" or "04/09/1961"; anything else as typed
    (the rules then say what is wrong with it)."""
    us = _US_DATE.match(text)
    iso = _ISO_DATE.match(text)
    if us:
        month, day, year = int(us[1]), int(us[2]), int(us[3])
    elif iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        return text.strip()
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text.strip()


def names_from_search(text: str) -> tuple[str, str]:
    """(first, last) from what was typed in the patient search: "Doe, Jane" or "Jane Doe";
    a lone word is taken as the last name. Dates, numbers and emails are left out."""
    if "," in text:
        last, _, first = text.partition(",")
        words_first = [w for w in first.split() if _is_name(w)]
        words_last = [w for w in last.split() if _is_name(w)]
        return " ".join(words_first), " ".join(words_last)
    words = [w for w in text.split() if _is_name(w)]
    if len(words) == 1:
        return "", words[0]
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


def _is_name(word: str) -> bool:
    return not any(c.isdigit() or c in "@#/" for c in word)


def reads_as_iso(text: str) -> bool:
    """The text is a YYYY-MM-DD date (as `iso_date_of_birth` gives it when it could read one)."""
    return bool(_ISO_DATE.match(text))
