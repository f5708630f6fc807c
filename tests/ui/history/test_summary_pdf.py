"""The order summary PDF a coordinator saves from Order history reads like the app: status
names as the app shows them ("Order placed", not `orderPlaced`), and the timeline under a
heading of its own. Read back with poppler's pdftotext, a reader that is not ours."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.domain.status import status_label
from impilo_desktop.ui.history.order_row import Column
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import saved_order


def pdf_text(path: Path) -> list[str]:
    """The PDF's lines as pdftotext lays them out (blank lines dropped)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def test_summary_pdf_shows_status_names_and_a_timeline_heading(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, tmp_path: Path
) -> None:
    # An order on its way or arrived: it has tracking and a timeline of several steps.
    rows = history.model.rows()
    orders = {r.order_id: saved_order(qtbot, services, r.order_id) for r in rows}
    row = next(
        r
        for r in rows
        if orders[r.order_id].tracking_numbers and len(orders[r.order_id].order_events or []) >= 3
    )
    order = orders[row.order_id]
    assert isinstance(order, Order)
    events = order.order_events or []
    target = tmp_path / "summary.pdf"
    with qtbot.waitSignal(history.notification, timeout=20_000) as said:
        history.save_summary_pdf(row.order_id, target)
    assert "Saved the summary" in said.args[0]

    lines = pdf_text(target)
    assert lines[0] == f"Impilo order {row.order_id}"
    shown = row.texts[Column.STATUS]  # what the list shows, e.g. "Shipped"
    assert shown == status_label(order.current_status)
    assert shown != order.current_status
    assert lines[1] == f"Status: {shown}"
    headings = [h for h in ("Items and kits", "Tracking", "Timeline") if h in lines]
    assert headings == ["Items and kits", "Tracking", "Timeline"]
    timeline = lines[lines.index("Timeline") + 1 :]
    # Each step, in order, named as the detail panel names it (the same function).
    assert [line.split("UTC", 1)[1].strip() for line in timeline] == [
        status_label(e.name) for e in events
    ]
    assert timeline[0].endswith("Order placed")
    text = "\n".join(lines)
    for e in events:
        assert str(e.name) not in text  # no raw `orderPlaced`, `awaitingShipment`…
