"""What the coordinator filters by. Patient and external order id go to the server (the API
can filter on them); status, site, dates and free text apply to the orders already loaded,
because the order list has no other server-side filters (impilo-api.md 2.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .order_row import OrderRow


@dataclass(frozen=True)
class OrderQuery:
    """The server-side part of a filter: what `GET /order` is asked for."""

    patient_id: int | None = None
    external_order_ids: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.patient_id is None and not self.external_order_ids

    def describe(self) -> str:
        parts = []
        if self.patient_id is not None:
            parts.append(f"patient #{self.patient_id}")
        if self.external_order_ids:
            parts.append("external id " + ", ".join(self.external_order_ids))
        return " and ".join(parts)


@dataclass(frozen=True)
class LocalFilter:
    """The client-side part of a filter, applied to loaded orders only."""

    statuses: frozenset[str] = field(default_factory=frozenset)
    site_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""

    @property
    def is_active(self) -> bool:
        return bool(
            self.statuses
            or self.site_id is not None
            or self.date_from
            or self.date_to
            or self.text.strip()
        )

    def matches(self, row: OrderRow) -> bool:
        if self.statuses and row.status not in self.statuses:
            return False
        if self.site_id is not None and row.site_id != self.site_id:
            return False
        if self.date_from or self.date_to:
            if row.latest is None:
                return False
            day = row.latest.astimezone().date()
            if self.date_from and day < self.date_from:
                return False
            if self.date_to and day > self.date_to:
                return False
        # Every word must appear somewhere in the row ("smith shipped" narrows, not widens).
        words = self.text.casefold().split()
        if not words:
            return True
        key = row.search_key  # made per row and pass: rows keep no copy of their texts
        return all(word in key for word in words)
