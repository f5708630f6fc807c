"""Fixtures every UI test folder shares: the async bridge, real services on the test's
sandbox, and a recorder for URLs handed to the desktop (file manager, browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from impilo_desktop.config import SANDBOX, Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.services import AppServices
from impilo_desktop.ui.plumbing.session import close_services, open_services
from impilo_desktop.ui.plumbing.ui_thread_gc import install_ui_thread_gc


@pytest.fixture(autouse=True, scope="session")
def _ui_thread_gc(qapp: QApplication) -> None:
    """Cycles are collected on the UI thread, as in the app (`create_app` installs the same
    collector): UI tests that build pages without `create_app` run under the same policy."""
    install_ui_thread_gc(qapp)


@pytest.fixture
def bridge() -> Iterator[AsyncBridge]:
    b = AsyncBridge()
    yield b
    b.close()


@pytest.fixture
def services(
    sandbox: SandboxServer, memory_keyring: MemoryKeyring, app_home: Path, bridge: AsyncBridge
) -> Iterator[AppServices]:
    """Real services (store in tmp_path, in-memory keyring, the bridge) on the sandbox."""
    keys = KeyStore(backend=memory_keyring, env={})
    profile = Profile(SANDBOX, sandbox.base_url)
    keys.set_key(profile.name, sandbox.api_key)
    services = open_services(profile, app_home, keys, bridge)
    yield services
    close_services(services)  # on the bridge loop, after work in flight has ended


class UrlRecorder(QObject):
    """Receives what QDesktopServices.openUrl would hand to the file manager."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened_urls(qapp: QApplication) -> Iterator[list[QUrl]]:
    recorder = UrlRecorder()
    # The stubs say bytes; PySide6 only accepts the method name as str at run time.
    QDesktopServices.setUrlHandler("file", recorder, "handle")  # type: ignore[arg-type]
    yield recorder.urls
    QDesktopServices.unsetUrlHandler("file")
