"""The four pages of the window: their keys, titles, icons and descriptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon_name: str
    description: str


NEW_ORDER = PageSpec(
    "new_order", "New order", "new-order", "Enter an order for a patient or a site"
)
DRAFTS = PageSpec(
    "drafts", "Drafts & outbox", "drafts", "Unfinished orders and orders on their way"
)
HISTORY = PageSpec(
    "history", "Order history", "history", "Orders placed, their status and tracking"
)
SETTINGS = PageSpec("settings", "Settings", "settings", "Account, API key and where data lives")
PAGES = (NEW_ORDER, DRAFTS, HISTORY, SETTINGS)
