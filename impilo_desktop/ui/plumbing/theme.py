"""Follow the operating system's light or dark scheme with Qt's native style.

Native styles on Windows 11 and macOS repaint themselves when the scheme changes. Where the
style does not (Fusion on Linux, the offscreen platform in tests) we set a matching palette,
so forcing `QStyleHints.setColorScheme` behaves the same everywhere. Windows 10's native style
("windowsvista") stays light whatever the OS says, so there a dark scheme is drawn with
Fusion and our palette instead (`style_for`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

# The first Windows 11 build; Qt (6.7 and later) gives it the "windows11" style, which
# follows the OS's dark mode. Windows 10 gets "windowsvista", which does not.
WINDOWS_11_BUILD = 22000
# Styles that paint the OS's light and dark themselves; every other style gets our palette.
SCHEME_AWARE_STYLES = ("windows11", "macos")


def style_for(
    platform: str, windows_build: int, scheme: Qt.ColorScheme
) -> Literal["native", "fusion"]:
    """Which style to draw with: the one Qt chose for this OS ("native"), except where that
    one ignores a dark scheme (Windows 10): there Fusion, painted with our dark palette."""
    if platform == "win32" and windows_build < WINDOWS_11_BUILD:
        return "fusion" if scheme == Qt.ColorScheme.Dark else "native"
    # macOS and Windows 11 follow the OS themselves; elsewhere Qt's choice (usually Fusion)
    # already takes our palette.
    return "native"


def windows_build() -> int:
    """This computer's Windows build number (0 on other systems)."""
    if sys.platform == "win32":
        return int(sys.getwindowsversion().build)
    return 0


def style_name(style: QStyle) -> str:
    """A style's name, looking through our proxy (whose own name is empty)."""
    if isinstance(style, QProxyStyle) and style.baseStyle() is not None:
        return style.baseStyle().name().lower()
    return style.name().lower()


@dataclass(frozen=True)
class StatusColors:
    """Colours that carry meaning (online, waiting, refused) and read well on the palette."""

    good: str
    warning: str
    bad: str
    info: str
    muted: str
    banner_bg: str
    banner_fg: str


LIGHT_STATUS = StatusColors(
    good="#17803d",
    warning="#a15c07",
    bad="#c62828",
    info="#1d4ed8",
    muted="#5f6b7a",
    banner_bg="#fff4d6",
    banner_fg="#4a3500",
)
DARK_STATUS = StatusColors(
    good="#4ade80",
    warning="#fbbf24",
    bad="#f87171",
    info="#93c5fd",
    muted="#9aa5b1",
    banner_bg="#3b3214",
    banner_fg="#fde68a",
)


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette in use has light text on a dark window."""
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def status_colors() -> StatusColors:
    return DARK_STATUS if is_dark() else LIGHT_STATUS


def _dark_palette() -> QPalette:
    pal = QPalette()
    window, base, text = QColor("#202124"), QColor("#17181a"), QColor("#e8eaed")
    button, mid = QColor("#2b2c2f"), QColor("#3c4043")
    highlight = QColor("#2f7de1")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#1f2023"),
        QPalette.ColorRole.ToolTipBase: QColor("#303134"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8a8f98"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ffffff"),
        QPalette.ColorRole.Light: QColor("#45484d"),
        QPalette.ColorRole.Midlight: QColor("#35373a"),
        QPalette.ColorRole.Mid: mid,
        QPalette.ColorRole.Dark: QColor("#141517"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#8ab4f8"),
        QPalette.ColorRole.LinkVisited: QColor("#c58af9"),
        QPalette.ColorRole.Accent: highlight,
    }
    for role, color in roles.items():
        pal.setColor(role, color)
    disabled = QColor("#7c8087")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    return pal


def _light_palette() -> QPalette:
    pal = QApplication.style().standardPalette()
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fd6"))
    pal.setColor(QPalette.ColorRole.Accent, QColor("#2f6fd6"))
    return pal


INDICATOR_OUTLINE_DARK = QColor("#8a9099")
"""Radio and check box rims on a dark page: about 4.5:1 against the dark window colour."""


CHECKED_FILL_ALPHA = {False: 56, True: 96}
"""How strongly a checked button is tinted with the highlight colour (light, dark page)."""


class IndicatorOutlineStyle(QProxyStyle):
    """Fusion draws radio button and check box rims a shade darker than the window, which
    vanishes on a dark page (an unchecked "Site" looked like a hole). On dark palettes this
    adds a visible rim. A checked push button (a toggle such as "Needs action") looks almost
    like an unchecked one in Fusion, on a dark page exactly alike: in both schemes it gets
    a highlight-coloured tint and rim. Everything else is the base style's own drawing."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        on = bool(option.state & QStyle.StateFlag.State_On)
        if element == QStyle.PrimitiveElement.PE_PanelButtonCommand and on:
            _mark_checked(option, painter)
            return
        radio = element == QStyle.PrimitiveElement.PE_IndicatorRadioButton
        check = element == QStyle.PrimitiveElement.PE_IndicatorCheckBox
        if not (radio or check) or not is_dark(option.palette):
            return
        rect = QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(INDICATOR_OUTLINE_DARK, 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if radio:
            painter.drawEllipse(rect)
        else:
            painter.drawRoundedRect(rect, 2.0, 2.0)
        painter.restore()


def _mark_checked(option: QStyleOption, painter: QPainter) -> None:
    """A checked button's tint and rim, under its label (drawn after the panel)."""
    highlight = option.palette.color(QPalette.ColorRole.Highlight)
    fill = QColor(highlight)
    fill.setAlpha(CHECKED_FILL_ALPHA[is_dark(option.palette)])
    rect = QRectF(option.rect).adjusted(1.0, 1.0, -1.0, -1.0)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(highlight, 1.5))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, 2.0, 2.0)
    painter.restore()


class SchemeFollower(QObject):
    """Keeps the application palette (and, on Windows 10, the style) in step with the OS (or
    forced) colour scheme and says when it changed, so views can redraw their icons.

    `platform` and `build` are `sys.platform` and the Windows build (see `style_for`)."""

    scheme_changed = Signal(bool)  # dark?

    def __init__(
        self, app: QApplication, *, platform: str = sys.platform, build: int | None = None
    ) -> None:
        super().__init__(app)
        self.setObjectName("schemeFollower")
        self._app = app
        self._platform = platform
        self._build = windows_build() if build is None else build
        self._native = style_name(app.style())  # the style Qt chose for this OS
        self._forced = Qt.ColorScheme.Unknown
        self._said: bool | None = None  # the darkness `scheme_changed` last said
        self._use_style(self._native)
        app.styleHints().colorSchemeChanged.connect(self._apply)
        self._apply(app.styleHints().colorScheme())

    @property
    def _native_follows(self) -> bool:
        return style_name(self._app.style()) in SCHEME_AWARE_STYLES

    def _use_style(self, name: str) -> None:
        """Draw with the style `name`; our palette's styles get visible indicator rims."""
        current = self._app.style()
        if style_name(current) == name and (
            name in SCHEME_AWARE_STYLES or isinstance(current, IndicatorOutlineStyle)
        ):
            return
        if name in SCHEME_AWARE_STYLES:
            native = QStyleFactory.create(name)
            if native is not None:
                self._app.setStyle(native)
            return
        # Our own dark palette needs visible radio/check box rims (see the class).
        self._app.setStyle(IndicatorOutlineStyle(name))

    def set_scheme(self, scheme: Qt.ColorScheme) -> None:
        """Force light or dark (`Unknown` follows the OS again). Asks the platform first; a
        platform that cannot switch (offscreen, older Linux desktops) gets our palette."""
        self._forced = scheme
        hints = self._app.styleHints()
        hints.setColorScheme(scheme)
        self._apply(hints.colorScheme())

    def _apply(self, scheme: Qt.ColorScheme) -> None:
        if self._forced != Qt.ColorScheme.Unknown:
            scheme = self._forced
        dark = scheme == Qt.ColorScheme.Dark
        wanted = style_for(self._platform, self._build, scheme)
        before = style_name(self._app.style())
        self._use_style(self._native if wanted == "native" else "fusion")
        restyled = style_name(self._app.style()) != before
        if not self._native_follows and (restyled or is_dark(self._app.palette()) != dark):
            self._said = dark  # our own change: `palette_changed` must not say it again
            self._app.setPalette(_dark_palette() if dark else _light_palette())
            _repolish_style_sheets()
            self._say(is_dark(self._app.palette()))
        elif self._native_follows:
            # Qt sets the OS style's palette itself, maybe not yet (see `palette_changed`).
            self.palette_changed()
        else:
            self._say(is_dark(self._app.palette()))

    def palette_changed(self) -> None:
        """The application's palette changed (the main window heard it), or may have. Where
        the OS's own style follows the scheme (Windows 11, macOS), Qt sets the new palette
        itself, after `colorSchemeChanged`, which `_apply` hears with the old palette still
        in place: re-polish and say the scheme once the new palette is in, whichever of the
        two comes last."""
        dark = is_dark(self._app.palette())
        if dark != self._said:
            self._said = dark  # before re-polishing, which sends palette changes of its own
            _repolish_style_sheets()
            self._say(dark)

    def _say(self, dark: bool) -> None:
        self._said = dark
        self.scheme_changed.emit(dark)


def _repolish_style_sheets() -> None:
    """Widgets styled by a style sheet keep the palette they were polished with (its
    `palette(mid)` and the like); polish them again so they pick up the new one."""
    for widget in QApplication.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


def scheme_follower(app: QApplication | None = None) -> SchemeFollower:
    """The application's follower (created on first use)."""
    application = app or QApplication.instance()
    if not isinstance(application, QApplication):
        raise RuntimeError("No QApplication yet")
    follower = application.findChild(SchemeFollower, "schemeFollower")
    return follower if follower is not None else SchemeFollower(application)


def on_scheme_change(callback: Callable[[bool], object]) -> None:
    """Call `callback(dark)` whenever the colour scheme changes. Pass a bound method of a
    QObject, so the connection ends with that object."""
    scheme_follower().scheme_changed.connect(callback)
