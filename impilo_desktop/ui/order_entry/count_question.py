"""The one question asked before a submit when a count is unusually large for one patient
("12 x Cellular BP Monitor for one patient?"). Cancel is the default, so Enter never ships a
dozen monitors; Cancel leaves the draft as it was and puts the cursor on that line's count.
Only one question is open at a time: a second Ctrl+Return while it is open asks nothing.
The question is about one draft: should another draft come on screen while it is open (a
refused order coming back, a reorder), it is withdrawn unanswered (`withdraw`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox

from impilo_desktop.domain import LargeCount
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.order_entry.form import OrderForm


def _question(counts: Sequence[LargeCount]) -> Question:
    """The first count is the question, any others are listed under it."""
    first = counts[0]
    others = "".join(f"<br>{escape(c.question)}" for c in counts[1:])
    usual = f"One patient usually gets at most {first.usual} of a device."
    return Question(
        name="largeCountQuestion",
        title="Check the count",
        text=escape(first.question) + others,
        informative=f"{usual} Cancel to change the count; the order stays as it is.",
        action="Submit anyway",
        action_name="largeCountSubmit",
    )


class CountQuestion(QObject):
    """Asks about `LargeCount`s over the order form."""

    def __init__(self, form: OrderForm, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._form = form
        self._box: QMessageBox | None = None

    @property
    def asking(self) -> bool:
        return self._box is not None

    def ask(self, counts: Sequence[LargeCount], on_confirmed: Callable[[], None]) -> None:
        self._box = confirm_destructive(
            self._form, _question(counts), on_confirmed, lambda: self._change(counts[0])
        )
        self._box.finished.connect(self._closed)

    def withdraw(self) -> None:
        """Close the open question without an answer: neither "Submit anyway" nor the move
        to the count runs (the draft it asked about is no longer on screen)."""
        box, self._box = self._box, None
        if box is not None:
            box.blockSignals(True)  # its buttonClicked / finished carry the answer
            box.close()

    def _closed(self) -> None:
        self._box = None

    def _change(self, large: LargeCount) -> None:
        """The coordinator wants to change a count: the cursor goes to it, draft untouched."""
        table = self._form.items_table
        cell = self._form.items_model.index(large.row, self._form.items_model.count_column)
        table.setCurrentIndex(cell)
        table.scrollTo(cell)
        table.setFocus(Qt.FocusReason.OtherFocusReason)
