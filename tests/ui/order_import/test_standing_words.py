"""What the preview table says of an order whose order_ref is on a saved draft."""

from __future__ import annotations

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.order_sheet.drafts import SheetDraft
from impilo_desktop.sync.order_import import OrderStanding, PreviewOrder
from impilo_desktop.ui.order_import.wording import standing


def test_an_order_in_drafts_is_already_on_this_computer() -> None:
    sheet = SheetDraft("R-2", (3,), OrderDraft(external_order_ids=["R-2"]))
    order = PreviewOrder(sheet, OrderStanding.IN_DRAFTS, "Cruz, Jacob (#10002)", "", "in Drafts")
    assert standing(order) == "Already on this computer (in Drafts)"
