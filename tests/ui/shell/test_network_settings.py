"""Settings > Network: the proxy choice is saved in the settings file and used from the next
connection on, and the status bar names a proxy problem instead of "Offline".

The account is production, so every request must go through a proxy: the system's (the
environment variables) points at one recorder on 127.0.0.1, the one typed in Settings at
another. Nothing leaves this computer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.config import PROXY_MANUAL, PROXY_SYSTEM, NetworkOptions, Settings
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.shell.network_settings import SAVED
from tests.network_servers import Proxy

from .conftest import MakeWindow

CONNECT = b"CONNECT app.impiloplatform.com:443 "
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def system_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    with Proxy() as running:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, running.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield running


def connection(window: MainWindow) -> tuple[str, str, str]:
    segment = window.status.connection
    return window.services.outbox.state, segment.label.text(), segment.toolTip()


def test_the_proxy_chosen_in_settings_is_saved_and_used_for_the_next_connection(
    qtbot: QtBot,
    make_window: MakeWindow,
    keys: KeyStore,
    app_home: Path,
    system_proxy: Proxy,
) -> None:
    keys.set_key("production", "sk-live-UI-PROXY-1")
    window = make_window("--profile", "production")
    qtbot.waitUntil(lambda: window.services.outbox.state == "proxy", timeout=15_000)
    _state, label, tip = connection(window)
    assert label == "Proxy problem"
    assert tip.startswith("The proxy server refused the connection: it answered HTTP 502")
    assert system_proxy.seen
    assert all(seen.startswith(CONNECT) for seen in system_proxy.seen)

    window.show_page("settings")
    group = window.settings_page.network_group
    assert group.choice.currentData() == PROXY_SYSTEM
    assert not group.proxy.isVisible()

    # A wrong address is refused on the spot, and nothing is saved.
    group.choice.setCurrentIndex(group.choice.findData(PROXY_MANUAL))
    assert group.proxy.isVisible()
    group.proxy.setText("proxy.clinic.local")
    qtbot.mouseClick(group.apply_button, Qt.MouseButton.LeftButton)
    assert "is not a proxy address" in group.message.text()
    assert Settings.load(app_home).network == NetworkOptions()

    with Proxy(answer=b"HTTP/1.1 407 Proxy Authentication Required") as clinic:
        group.proxy.setText(clinic.address)
        qtbot.mouseClick(group.apply_button, Qt.MouseButton.LeftButton)
        assert group.message.text() == SAVED
        chosen = NetworkOptions(PROXY_MANUAL, proxy=f"http://{clinic.address}")
        assert Settings.load(app_home).network == chosen
        assert window.services.network == chosen

        # The next client goes through the chosen proxy, and the status bar says why it
        # cannot connect.
        qtbot.waitUntil(lambda: bool(clinic.seen), timeout=15_000)
        qtbot.waitUntil(
            lambda: connection(window)[2].startswith("The proxy server asks for a sign-in"),
            timeout=15_000,
        )
        assert connection(window)[:2] == ("proxy", "Proxy problem")
        assert all(seen.startswith(CONNECT) for seen in clinic.seen)
        assert window.services.client().network == chosen
