"""Orders Impilo refuses at sending time, summed up with its reasons. The test discontinues
an item in its sandbox's seed, so the sandbox has a seed of its own: the standard one is
shared by every test's server in the process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import enrolment, open_import, previewed, refreshed
from .test_queue import clean, finished_notice, show_summary


def shared_seed_items() -> dict[int, Any]:
    """The items of the seed a plain `SandboxServer()` shares with every other one."""
    with SandboxServer() as plain:
        return plain.seed.items


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The test's sandbox with a seed of its own: a server given extra patients builds its
    own seed (here one more patient, a copy of the first with an id and MRN no one uses)."""
    with SandboxServer() as plain:
        first = next(iter(plain.seed.patients.values()))
    extra = replace(first, id=99_001, external_identifier="MRN-PRIVATE-SEED")
    server = SandboxServer(extra_patients=[extra])
    server.start()
    try:
        yield server
    finally:
        server.close()


def test_orders_impilo_refuses_are_summed_up_with_its_reasons(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    sheet = clean(enrolment(store))
    path = sheet.write_csv(tmp_path / "orders.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    assert dialog.preview_page.queue_all.isEnabled()
    # Discontinued in Impilo since this computer's catalog was refreshed: ENR-2 and ENR-5
    # (rows 4 and 7) ship it, so Impilo refuses them; ENR-1 is placed.
    item_id = int(sheet.rows[2][8])
    seed_items = sandbox.seed.items
    assert seed_items is not shared_seed_items()  # this test's own
    seed_items[item_id] = replace(seed_items[item_id], orderable=False)
    dialog.queue_all()
    notice = finished_notice(qtbot, window)
    assert notice == "Import finished: orders.csv: 1 placed, 2 refused."
    summary_dialog = show_summary(qtbot, window)
    assert summary_dialog.where.isVisible()
    assert "Drafts & outbox page" in summary_dialog.where.text()
    table = summary_dialog.table

    def cell(row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text() if item is not None else ""

    outcomes = {cell(r, 0): cell(r, 2) for r in range(3)}
    assert outcomes == {"ENR-1": "Placed", "ENR-2": "Refused", "ENR-5": "Refused"}
    reasons = [cell(r, 4) for r in range(3) if cell(r, 2) == "Refused"]
    assert all("cannot be ordered" in reason for reason in reasons)
