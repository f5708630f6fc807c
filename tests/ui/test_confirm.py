"""The shared "cannot be undone" question (void, discard, remove key)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive

QUESTION = Question(
    name="testConfirmation",
    title="Void order",
    text="Void order 7?",
    informative="This cannot be undone.",
    action="Void order",
    action_name="confirmTest",
)


def test_enter_cancels_and_only_the_action_button_confirms(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    confirmed: list[bool] = []
    box = confirm_destructive(parent, QUESTION, lambda: confirmed.append(True))
    qtbot.waitUntil(box.isVisible)
    assert box.objectName() == "testConfirmation"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default is Cancel
    qtbot.waitUntil(lambda: not box.isVisible())
    assert confirmed == []

    box = confirm_destructive(parent, QUESTION, lambda: confirmed.append(True))
    qtbot.waitUntil(box.isVisible)
    action = box.findChild(QPushButton, "confirmTest")
    assert action is not None
    action.click()
    assert confirmed == [True]
