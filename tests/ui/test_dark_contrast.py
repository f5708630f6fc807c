"""Dark mode contrast of controls Fusion draws too faintly on our dark palette."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QRadioButton, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.theme import scheme_follower


def _luminance(colour: QColor) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + 0.0722 * channel(colour.blue())
    )


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _best_rim_contrast(qtbot: QtBot, button: QRadioButton | QCheckBox) -> float:
    qtbot.addWidget(button)
    button.resize(button.sizeHint())
    image = button.grab().toImage()
    option = QStyleOptionButton()
    button.initStyleOption(option)
    element = (
        QStyle.SubElement.SE_RadioButtonIndicator
        if isinstance(button, QRadioButton)
        else QStyle.SubElement.SE_CheckBoxIndicator
    )
    rect = button.style().subElementRect(element, option, button)
    ratio = image.devicePixelRatio()
    window = button.palette().color(button.backgroundRole())
    best = 1.0
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            pixel = image.pixelColor(int(x * ratio), int(y * ratio))
            best = max(best, _contrast(pixel, window))
    return best


def test_unchecked_radio_and_check_box_rims_show_on_dark(qtbot: QtBot, qapp: QApplication) -> None:
    follower = scheme_follower(qapp)
    try:
        follower.set_scheme(Qt.ColorScheme.Dark)
        # WCAG 1.4.11: a control's boundary needs 3:1 against what is around it.
        assert _best_rim_contrast(qtbot, QRadioButton("Site")) >= 3.0
        assert _best_rim_contrast(qtbot, QCheckBox("Overnight")) >= 3.0
    finally:
        follower.set_scheme(Qt.ColorScheme.Unknown)
