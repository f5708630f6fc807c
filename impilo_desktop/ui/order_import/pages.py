"""The import dialog's three steps as widgets (they only paint; `dialog.py` does the work):
choose a file, look at the preview, and the orders queued."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.sync.order_import import ImportPreview
from impilo_desktop.ui.order_import import wording
from impilo_desktop.ui.order_import.example_table import ExampleTable
from impilo_desktop.ui.order_import.preview_table import (
    PreviewOrdersModel,
    PreviewOrdersTable,
    ProblemList,
)
from impilo_desktop.ui.plumbing.theme import status_colors


def _label(name: str, parent: QWidget, text: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAutoDefault(False)  # Enter means the page's one default button, nothing else
    return button


def say(label: QLabel, text: str, *, bad: bool = False) -> None:
    """Show `text` on `label` (hidden when empty), in the problem colour if `bad`."""
    label.setText(text)
    label.setStyleSheet(f"color: {status_colors().bad};" if bad and text else "")
    label.setVisible(bool(text))


class ChoosePage(QWidget):
    """What the file must hold, the template, and Choose file…; the progress while a chosen
    file is read and checked, with Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importChoosePage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.explanation = _label("importExplanation", self, wording.WHAT_THE_FILE_HOLDS)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.explanation)
        buttons = QHBoxLayout()
        self.choose_button = _button("&Choose file…", "chooseImportFileButton", self)
        self.choose_button.setToolTip("A CSV file or an Excel workbook (.xlsx)")
        self.template_button = _button(
            "Save &template spreadsheet…", "saveImportTemplateButton", self
        )
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.template_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.hint = _label("importDropHint", self, "You can also drop the file on this window.")
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.hint)
        self.message = _label("importChooseMessage", self)
        self.message.hide()
        layout.addWidget(self.message)
        # While the file is read, matched and checked against Impilo.
        self.stage = _label("importStage", self)
        self.stage.hide()
        layout.addWidget(self.stage)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setAccessibleName("Checking the file")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.example_title = _label("importExampleTitle", self, wording.EXAMPLE_TITLE)
        layout.addWidget(self.example_title)
        self.example = ExampleTable(self)
        layout.addWidget(self.example)
        layout.addStretch(1)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.choose_button.setEnabled(not busy)
        self.template_button.setEnabled(not busy)
        self.stage.setText(text)
        self.stage.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)  # busy until the first count arrives

    def set_progress(self, stage: str, done: int, total: int) -> None:
        self.stage.setText(f"{stage}… {done:,} of {total:,}" if total else f"{stage}…")
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)


class PreviewPage(QWidget):
    """The orders, the problems, the totals and the choices."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPreviewPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.file_label = _label("importFileLabel", self)
        font = self.file_label.font()
        font.setWeight(font.Weight.DemiBold)
        self.file_label.setFont(font)
        layout.addWidget(self.file_label)
        self.totals = _label("importTotals", self)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.totals)
        self.checked_here = _label("importCheckedHere", self)
        layout.addWidget(self.checked_here)

        self.model = PreviewOrdersModel(self)
        self.table = PreviewOrdersTable(self.model, self)
        self.problems = ProblemList(self)
        problems_box = QWidget(self)
        problems_layout = QVBoxLayout(problems_box)
        problems_layout.setContentsMargins(0, 4, 0, 0)
        self.problems_title = QLabel("&Problems (choose one to see its order):", problems_box)
        self.problems_title.setObjectName("importProblemsTitle")
        self.problems_title.setBuddy(self.problems)
        problems_layout.addWidget(self.problems_title)
        problems_layout.addWidget(self.problems)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("importSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(problems_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self.problems_box = problems_box

        self.message = _label("importPreviewMessage", self)
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.queue_all = _button("&Queue orders", "queueImportButton", self)
        self.queue_good = _button("", "queueGoodOrdersButton", self)
        self.another = _button("Choose &another file…", "chooseAnotherFileButton", self)
        buttons.addWidget(self.queue_all)
        buttons.addWidget(self.queue_good)
        buttons.addStretch(1)
        buttons.addWidget(self.another)
        layout.addLayout(buttons)
        self.problems.currentRowChanged.connect(self._show_problem_order)

    def show_preview(self, preview: ImportPreview) -> None:
        self.file_label.setText(f"{preview.file_name}")
        self.totals.setText(wording.totals(preview))
        say(self.checked_here, wording.checked_where(preview))
        self.model.set_preview(preview)
        self.problems.set_preview(preview)
        self.problems_box.setVisible(self.problems.count() > 0)
        self.queue_all.setText(wording.queue_all_label(preview))
        self.queue_all.setVisible(preview.can_queue_all)
        self.queue_all.setEnabled(preview.can_queue_all)
        # A problem with the file itself (a repeated column, no order_ref column) may have
        # misread every row: nothing is offered, as on the command line.
        offer_good = (
            bool(preview.new_orders) and not preview.can_queue_all and not preview.file_problems
        )
        self.queue_good.setText(wording.queue_good_label(preview))
        self.queue_good.setVisible(offer_good)
        self.queue_good.setEnabled(offer_good)
        self.another.setEnabled(True)  # after a queue that failed and the file checked again
        say(self.message, wording.nothing_to_queue(preview))
        self.queue_all.setDefault(preview.can_queue_all)
        self.another.setDefault(not preview.new_orders)
        if self.model.rowCount():
            self.table.selectRow(0)

    def _show_problem_order(self, row: int) -> None:
        item = self.problems.item(row) if row >= 0 else None
        order_row = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        if isinstance(order_row, int):
            self.table.selectRow(order_row)
            self.table.scrollTo(self.model.index(order_row, 0))


class QueuedPage(QWidget):
    """ "50 orders queued from orders.csv; they are being sent."."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importQueuedPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = _label("importQueuedText", self)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.text.setFont(font)
        layout.addWidget(self.text)
        self.after = _label(
            "importQueuedAfter",
            self,
            "The status bar shows how far sending is; a summary follows when it is done, and"
            " File > Last import summary opens it again.",
        )
        layout.addWidget(self.after)
        layout.addStretch(1)
