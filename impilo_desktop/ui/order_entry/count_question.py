"""The one question asked before a submit when a count is unusually large for one patient
("12 x Cellular BP Monitor for one patient?"). Cancel is the default, so Enter never ships a
dozen monitors; Cancel leaves the draft as it was and puts the cursor on that line's count."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desktop.domain import LargeCount
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive


def ask_about_large_counts(
    parent: QWidget,
    counts: Sequence[LargeCount],
    on_confirmed: Callable[[], None],
    on_cancelled: Callable[[], None],
) -> QMessageBox:
    """Ask once for all of `counts` (the first is the question, any others are listed)."""
    first = counts[0]
    others = "".join(f"<br>{escape(c.question)}" for c in counts[1:])
    usual = f"One patient usually gets at most {first.usual} of a device."
    question = Question(
        name="largeCountQuestion",
        title="Check the count",
        text=escape(first.question) + others,
        informative=f"{usual} Cancel to change the count; the order stays as it is.",
        action="Submit anyway",
        action_name="largeCountSubmit",
    )
    return confirm_destructive(parent, question, on_confirmed, on_cancelled)
