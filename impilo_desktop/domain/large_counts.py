"""Counts worth a second look before an order goes: not wrong (validation judges that), but
unusual enough that a slip of the finger is likelier than a real need, such as 12 cellular
blood pressure monitors for one patient.

Only patient orders are looked at: a site stocking up on devices is ordinary work.
"""

from __future__ import annotations

from dataclasses import dataclass

from impilo_desktop.domain.catalog import CatalogSnapshot
from impilo_desktop.domain.draft import OrderDraft


@dataclass(frozen=True, slots=True)
class LargeCount:
    """An item line whose count is above what one patient usually gets."""

    row: int  # in `draft.item_lines`
    label: str
    count: int
    usual: int

    @property
    def question(self) -> str:
        """'12 \N{MULTIPLICATION SIGN} Cellular BP Monitor for one patient?'"""
        return f"{self.count} \N{MULTIPLICATION SIGN} {self.label} for one patient?"


def large_counts(draft: OrderDraft, catalog: CatalogSnapshot) -> list[LargeCount]:
    """The item lines of a patient order whose count is above the item's usual count."""
    if draft.recipient_kind != "patient":
        return []
    found: list[LargeCount] = []
    for row, line in enumerate(draft.item_lines):
        usual = catalog.usual_count(line.item_id) if line.item_id is not None else None
        if usual is not None and isinstance(line.count, int) and line.count > usual:
            found.append(LargeCount(row, line.label, line.count, usual))
    return found
