"""Measure how the order history fits a real screen: run under an X server, print JSON.

    DISPLAY=:N QT_QPA_PLATFORM=xcb python tests/ui/history/fit_probe.py [--shot out.png]

`test_fit_on_screen.py` starts Xvfb at a laptop's resolution and runs this in a subprocess:
the real app on a first run (a throw-away home, removed afterwards; an in-memory keyring; the
built-in sandbox), maximised, on the Order history page with an order selected. It prints the
viewport's width, each column's place and the width its content and header need, whether the
table scrolls sideways, and whether the detail panel's buttons are whole. It stops itself
after `DEADLINE_SECONDS` whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEADLINE_SECONDS = 90.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--shot", type=Path, help="save a picture of the whole screen here")
    args = parser.parse_args(argv)
    # The throw-away home (its store, the sandbox's state) goes when the probe ends, however.
    with tempfile.TemporaryDirectory(prefix="impilo-fit-", ignore_cleanup_errors=True) as scratch:
        return probe(Path(scratch), args.shot)


def probe(scratch: Path, shot: Path | None) -> int:
    """Run the app in `scratch` (its HOME), measure, print the JSON report."""
    home = scratch / "impilo-desktop"
    home.mkdir()
    os.environ["HOME"] = str(scratch)
    os.environ["IMPILO_DESKTOP_HOME"] = str(home)
    os.environ.pop("IMPILO_API_KEY", None)

    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from impilo_desktop.secrets import KeyStore, MemoryKeyring
    from impilo_desktop.ui.app import create_app
    from impilo_desktop.ui.history.order_row import Column

    keys = KeyStore(backend=MemoryKeyring(), env={})
    app, window = create_app([], home=home, keys=keys)
    started = time.monotonic()

    def wait(condition: Callable[[], bool]) -> None:
        while not condition():
            if time.monotonic() - started > DEADLINE_SECONDS:
                raise TimeoutError("the app did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    def settle() -> None:
        for _ in range(20):
            app.processEvents()

    window.show()
    window.start()
    screen = window.screen()
    area = screen.availableGeometry()
    asked_maximised = window.isMaximized()
    if asked_maximised:
        # Xvfb has no window manager to act on the maximise request: do what one would.
        window.setGeometry(area)
    wait(lambda: window.isVisible() and (window.width() == area.width() or not asked_maximised))
    history = window.history
    window.show_page("history")
    wait(lambda: history.model.rowCount() > 0)
    history.table.selectRow(0)
    wait(lambda: history.detail.order is not None)
    settle()

    table = history.table
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    columns = {}
    for column in (Column.ORDER_ID, Column.STATUS, Column.RECIPIENT, Column.TRACKING):
        content = max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
        columns[column.name.lower()] = {
            "left": header.sectionViewportPosition(column),
            "width": header.sectionSize(column),
            "content": content,
            "hidden": header.isSectionHidden(column),
        }
    buttons = {}
    for button in (
        history.detail.reorder_button,
        history.detail.pdf_button,
        history.detail.refresh_button,
        history.detail.void_button,
    ):
        shown = button.visibleRegion().boundingRect()
        buttons[button.objectName()] = {
            "whole": button.isVisible() and shown == QRect(button.rect()),
            "text_fits": button.width() >= button.minimumSizeHint().width(),
        }
    report = {
        "screen": [screen.size().width(), screen.size().height()],
        "ratio": screen.devicePixelRatio(),
        "asked_maximised": asked_maximised,
        "window": [window.width(), window.height()],
        "viewport": viewport,
        "scrolls_sideways": table.horizontalScrollBar().maximum() > 0,
        "columns": columns,
        "buttons": buttons,
        "page_fits": history.width() <= window.stack.width(),
    }
    if shot is not None:
        settle()
        screen.grabWindow(0).save(str(shot))
    print(json.dumps(report))
    window.shutdown()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
