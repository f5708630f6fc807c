"""Help → About: what is installed (version, Qt, profile) and where the logs are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QFont, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop import APP_NAME, __version__, config
from impilo_desktop.ui.dialogs.support import build_kind, support_facts
from impilo_desktop.ui.dialogs.support_buttons import SupportButtons
from impilo_desktop.ui.plumbing.resources import resource_path

APP_ICON = "app/impilo-desktop.svg"


def app_icon() -> QIcon:
    """The application icon (SVG, sharp at every scale); empty if resources are missing."""
    path = resource_path(APP_ICON)
    return QIcon(str(path)) if path.is_file() else QIcon()


class AboutDialog(QDialog):
    """App name and version, the Qt and PySide versions, the profile, and the log folder."""

    def __init__(
        self,
        profile: config.Profile | None,
        parent: QWidget | None = None,
        *,
        log_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.log_folder = log_folder or config.log_dir()
        self.facts = support_facts(profile, self.log_folder)

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(APP_NAME)
        title.setObjectName("aboutTitle")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        version = QLabel(f"Version {__version__} ({build_kind()})")
        version.setObjectName("aboutVersion")
        blurb = QLabel(
            "Order entry and order history for site coordinators on the Impilo platform."
        )
        blurb.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for label, value in self.facts[1:]:  # the first fact is the app line, shown above
            field = QLabel(value)
            field.setObjectName(f"about{label.title().replace(' ', '')}")
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            self.values[label] = field
            form.addRow(f"{label}:", field)

        self.support = SupportButtons(
            self,
            copy_name="aboutCopyButton",
            details=self.details_text,
            log_folder=lambda: self.log_folder,
        )
        self.copy_button = self.support.copy_button
        self.open_logs_button = self.support.open_logs_button
        self.close_button = self.support.close_button

        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(version)
        heading.addWidget(blurb)
        heading.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addSpacing(12)
        top.addLayout(heading, 1)
        buttons = self.support.row
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

    def details_text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.facts)

    @Slot()
    def open_log_folder(self) -> None:
        self.support.open_log_folder()

    @Slot()
    def copy_details(self) -> None:
        self.support.copy_details()


ProfileSource = config.Profile | Callable[[], config.Profile | None] | None


def make_about_action(parent: QWidget, profile_source: ProfileSource = None) -> QAction:
    """A Help-menu action opening the About dialog (the application menu on macOS).

    `profile_source` is a `config.Profile` or a callable returning one (the current profile).
    """
    action = QAction(f"&About {APP_NAME}", parent)
    action.setObjectName("aboutAction")
    action.setMenuRole(QAction.MenuRole.AboutRole)

    def show() -> None:
        profile = profile_source() if callable(profile_source) else profile_source
        dialog = AboutDialog(profile, parent)
        # Parented to the window: without this every opening would live until it closes.
        dialog.finished.connect(dialog.deleteLater)
        # Window-modal without a nested loop (exec): a screen reader's "press" on the menu
        # item would otherwise get no answer until the dialog is closed.
        dialog.open()

    action.triggered.connect(show)
    return action
