"""The "Needs action" toggle looks on when it is on, in the light and the dark scheme (in
Fusion with our dark palette a checked button used to look exactly like an unchecked one)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.history.filter_bar import OrderFilterBar
from impilo_desktop.ui.plumbing.theme import is_dark, scheme_follower


def mean_difference(a: QImage, b: QImage) -> float:
    """The average per-channel difference of two pictures of the same size (0-255)."""
    assert a.size() == b.size()
    total = 0
    for y in range(a.height()):
        for x in range(a.width()):
            p, q = a.pixelColor(x, y), b.pixelColor(x, y)
            total += abs(p.red() - q.red()) + abs(p.green() - q.green()) + abs(p.blue() - q.blue())
    return total / (3 * a.width() * a.height())


@pytest.mark.parametrize("scheme", [Qt.ColorScheme.Light, Qt.ColorScheme.Dark])
def test_the_needs_action_toggle_looks_on_when_on(qtbot: QtBot, scheme: Qt.ColorScheme) -> None:
    follower = scheme_follower()
    try:
        follower.set_scheme(scheme)
        qtbot.waitUntil(lambda: is_dark() == (scheme == Qt.ColorScheme.Dark))
        bar = OrderFilterBar()
        qtbot.addWidget(bar)
        bar.set_needs_action_count(3)
        bar.show()
        qtbot.waitExposed(bar)
        off = bar.needs_action.grab().toImage()
        bar.show_needs_action(True)
        assert bar.needs_action.isChecked()
        on = bar.needs_action.grab().toImage()
        assert mean_difference(off, on) > 25  # about 7 (dark) and 20 (light) before
    finally:
        follower.set_scheme(Qt.ColorScheme.Unknown)
