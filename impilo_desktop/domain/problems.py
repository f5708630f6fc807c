"""A problem with what the coordinator entered: a field key and a plain-language message.

Its own module so that every rule module (`validation`, `new_patient_rules`) can use it
without importing the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a draft: the field key it belongs to and a plain-language message."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    @property
    def section(self) -> str:
        """The list or field the problem belongs to: "item_lines" for "item_lines[2].count"."""
        return self.field.split("[", 1)[0].split(".", 1)[0]

    @property
    def index(self) -> int | None:
        """The row for a line problem (2 for "item_lines[2].count"), else None."""
        match = _FIELD_KEY.fullmatch(self.field)
        return int(match.group("index")) if match and match.group("index") else None

    @property
    def part(self) -> str | None:
        """The part of the line or section ("count" for "item_lines[2].count",
        "address.zip_code" for "new_patient.address.zip_code"), else None."""
        match = _FIELD_KEY.fullmatch(self.field)
        return match.group("part") if match else None


_FIELD_KEY = re.compile(
    r"(?P<section>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<part>[a-z_]+(?:\.[a-z_]+)*))?"
)


def problems_by_row(problems: Iterable[Problem], section: str) -> dict[int, list[str]]:
    """The messages about each row of one list (e.g. "item_lines"), for a table model."""
    rows: dict[int, list[str]] = {}
    for problem in problems:
        if problem.section == section and problem.index is not None:
            rows.setdefault(problem.index, []).append(problem.message)
    return rows
