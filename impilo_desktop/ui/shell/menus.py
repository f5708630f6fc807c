"""The menu bar: File, View and Help, with standard shortcuts. Every action is also added to
the window so its shortcut works wherever the focus is."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from impilo_desktop.ui.dialogs.about import make_about_action
from impilo_desktop.ui.order_import.actions import IMPORT_ORDERS_KEY, ImportActions
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import scheme_follower
from impilo_desktop.ui.shell.pages import PAGES, SETTINGS
from impilo_desktop.ui.templates.actions import NEW_FROM_TEMPLATE_KEY, TemplateActions

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow


PAGE_SHORTCUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "New order",
        (
            ("Find patient", "Ctrl+F"),
            ("New patient (not in Impilo yet)", "Ctrl+Shift+P"),
            ("Add item", "Ctrl+I"),
            ("Add kit", "Ctrl+K"),
            ("Submit order", "Ctrl+Return"),
        ),
    ),
    (
        "Drafts & outbox",
        (
            ("Open in New order", "Return"),
            ("Duplicate", "Ctrl+D"),
            ("Delete", "Del"),
            ("Undo delete", "Ctrl+Z"),
        ),
    ),
    (
        "Manage templates",
        (
            ("Open as new order (to send it, or to change its lines)", "Return"),
            ("Rename", "F2"),
            ("Delete", "Del"),
        ),
    ),
    (
        "Order history",
        (
            ("Search the loaded orders", "Ctrl+F"),
            ("Only the orders that need action (from any page)", "Ctrl+Shift+A"),
            ("Read the order's details / back to the list", "Return"),
            ("Back to the list", "Esc"),
            ("Reorder", "Alt+R"),
            ("Copy order id", "Ctrl+C"),
            ("Refresh", "F5"),
        ),
    ),
)
"""Keys that work on one page (the page's own actions and buttons)."""


def literal(text: str) -> str:
    """`text` as a menu or button shows it: Qt reads a single `&` as the mnemonic mark, so
    "Drafts & outbox" would show as "Drafts _outbox" (the space underlined)."""
    return text.replace("&", "&&")


def _shortcut_row(label: str, keys: str) -> str:
    cells = f"<td style='padding-right:18px'>{escape(label)}</td><td><b>{escape(keys)}</b></td>"
    return f"<tr>{cells}</tr>"


class WindowMenus:
    """Builds the menus of `window` and keeps its actions."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.setAccessibleName("File")  # the open menu's name when read aloud
        self.new_order_action = self._action(
            "&New order",
            window.new_order,
            QKeySequence.StandardKey.New,
            "new-order",
            "newOrderAction",
        )
        self.templates = TemplateActions(window)
        self.new_from_template_action = self._action(
            "New order from &template…",
            self.templates.new_order_from_template,
            NEW_FROM_TEMPLATE_KEY,
            "new-order",
            "newFromTemplateAction",
        )
        self.save_template_action = self._action(
            "Save as te&mplate…",
            self.templates.save_as_template,
            None,
            "",
            "saveAsTemplateAction",
        )
        self.manage_templates_action = self._action(
            "Mana&ge templates…", self.templates.manage_templates, None, "", "manageTemplatesAction"
        )
        self.imports = ImportActions(window)
        self.import_orders_action = self._action(
            "&Import orders…",
            self.imports.import_orders,
            IMPORT_ORDERS_KEY,
            "",
            "importOrdersAction",
        )
        self.last_import_action = self._action(
            "&Last import summary…",
            self.imports.show_last_summary,
            None,
            "",
            "lastImportSummaryAction",
        )
        self.send_now_action = self._action(
            "&Send waiting orders now", window.send_now, "Ctrl+Shift+S", "send", "sendNowAction"
        )
        self.refresh_action = self._action(
            "&Update patients and catalogue",
            window.refresh_references,
            "Ctrl+Shift+R",
            "refresh",
            "refreshReferencesAction",
        )
        self.switch_account_action = self._action(
            "Connect an &account…", window.open_welcome, None, "key", "connectAccountAction"
        )
        self.quit_action = self._action(
            "&Quit", window.close, QKeySequence.StandardKey.Quit, "", "quitAction"
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        if self.quit_action.shortcut().isEmpty():  # Windows has no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        for action in (
            self.new_order_action,
            self.new_from_template_action,
            self.save_template_action,
            self.manage_templates_action,
            self.import_orders_action,
            self.last_import_action,
            self.send_now_action,
            self.refresh_action,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.switch_account_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = bar.addMenu("&View")
        view_menu.setObjectName("viewMenu")
        view_menu.setAccessibleName("View")  # the open menu's name when read aloud
        self.page_actions: dict[str, QAction] = {}
        for index, spec in enumerate(PAGES, start=1):
            action = self._action(
                literal(spec.title),
                lambda _checked=False, key=spec.key: window.show_page(key),
                f"Ctrl+{index}",
                spec.icon_name,
                f"{spec.key}PageAction",
            )
            view_menu.addAction(action)
            self.page_actions[spec.key] = action
        self.needs_action_action = self._action(
            "Orders that &need action",
            window.show_needs_action,
            "Ctrl+Shift+A",
            "history",
            "needsActionAction",
        )
        view_menu.addAction(self.needs_action_action)
        view_menu.addSeparator()
        appearance = view_menu.addMenu("&Appearance")
        appearance.setObjectName("appearanceMenu")
        appearance.setAccessibleName("Appearance")  # the open menu's name when read aloud
        self.scheme_group = QActionGroup(window)
        self.scheme_actions: dict[str, QAction] = {}
        saved = str(window.window_settings.value("appearance", "system"))
        for key, label in (
            ("system", "Follow the &system"),
            ("light", "&Light"),
            ("dark", "&Dark"),
        ):
            action = QAction(label, window)
            action.setObjectName(f"{key}SchemeAction")
            action.setCheckable(True)
            action.setChecked(key == saved)
            action.triggered.connect(lambda _checked=False, k=key: self.set_appearance(k))
            self.scheme_group.addAction(action)
            appearance.addAction(action)
            self.scheme_actions[key] = action
        if saved in ("light", "dark"):
            self.set_appearance(saved)
        prefs = self.page_actions[SETTINGS.key]
        prefs.setMenuRole(QAction.MenuRole.PreferencesRole)
        prefs.setShortcuts(
            [QKeySequence("Ctrl+4"), QKeySequence(QKeySequence.StandardKey.Preferences)]
        )

        self.help_menu: QMenu = bar.addMenu("&Help")
        self.help_menu.setObjectName("helpMenu")
        self.help_menu.setAccessibleName("Help")  # the open menu's name when read aloud
        shortcuts = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents
        )
        self.help_menu.addAction(shortcuts)
        self.help_menu.addSeparator()
        self.about_action = make_about_action(window, lambda: window.services.profile)
        self.help_menu.addAction(self.about_action)

    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon_name: str = "",
        name: str = "",
    ) -> QAction:
        action = QAction(text, self.window)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.window.addAction(action)  # shortcuts work wherever focus is in the window
        return action

    def set_appearance(self, key: str) -> None:
        """Follow the OS colour scheme ("system"), or force "light" or "dark" (remembered)."""
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(
            key, Qt.ColorScheme.Unknown
        )
        scheme_follower().set_scheme(scheme)
        self.scheme_actions[key if key in self.scheme_actions else "system"].setChecked(True)
        self.window.window_settings.setValue("appearance", key)

    def show_shortcuts(self) -> None:
        """A small table of the keyboard shortcuts."""
        native = QKeySequence.SequenceFormat.NativeText
        rows = [
            ("New order", self.new_order_action.shortcut()),
            ("New order from template", self.new_from_template_action.shortcut()),
            ("Import orders from a spreadsheet", self.import_orders_action.shortcut()),
            ("Send waiting orders now", self.send_now_action.shortcut()),
            ("Update patients and catalogue", self.refresh_action.shortcut()),
            *((spec.title, self.page_actions[spec.key].shortcut()) for spec in PAGES),
            ("Quit", self.quit_action.shortcut()),
        ]
        text = "".join(_shortcut_row(label, key.toString(native)) for label, key in rows)
        for heading, keys in PAGE_SHORTCUTS:
            text += (
                f"<tr><td colspan='2' style='padding-top:10px'><i>{escape(heading)}</i></td></tr>"
            )
            text += "".join(
                _shortcut_row(label, QKeySequence(k).toString(native)) for label, k in keys
            )
        box = QMessageBox(self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("shortcutsDialog")
        box.setWindowTitle("Keyboard shortcuts")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table>{text}</table>")
        box.open()
