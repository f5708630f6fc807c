"""The built-in sandbox's server is built after the window's first paint (the command's
window): the window gets its address at once, and requests made before the server is up
wait in its port's backlog and are answered once it serves."""

from __future__ import annotations

import json
import select
import socket
from pathlib import Path
from urllib.parse import urlsplit

from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.plumbing.session import SandboxHost


def _ask_sites(base_url: str) -> socket.socket:
    """A request for the sites, sent at once (the port's backlog takes it)."""
    address = urlsplit(base_url)
    assert address.hostname is not None
    assert address.port is not None
    sock = socket.create_connection((address.hostname, address.port))
    request = (
        "GET /api/v3/site HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        f"Impilo-API-Key: {DEMO_API_KEY}\r\n"
        "Connection: close\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def _answer(sock: socket.socket) -> tuple[str, object]:
    with sock:
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), json.loads(body)


def _answered_yet(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def test_a_request_sent_before_the_server_is_built_is_answered_once_it_serves(
    app_home: Path,
) -> None:
    host = SandboxHost(app_home)
    base_url, key = host.listen()
    assert key == DEMO_API_KEY
    assert host.running  # its port is taken: the open profile's server is this one
    sent = _ask_sites(base_url)
    assert not _answered_yet(sent)  # nothing is built to answer yet
    try:
        host.serve()
        status, body = _answer(sent)
        assert status == "HTTP/1.1 200 OK"
        assert body  # the seeded sites
        server = host.server  # waits for the build under way
        assert server is not None
        assert server.base_url == base_url
    finally:
        host.stop()
    assert not host.running


def test_a_port_taken_and_never_served_is_given_back(app_home: Path) -> None:
    host = SandboxHost(app_home)
    base_url, _key = host.listen()
    host.stop()
    assert not host.running
    address = urlsplit(base_url)
    assert address.port is not None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", address.port))  # given back: nothing holds it


def test_the_command_window_builds_the_sandbox_server_when_its_work_starts(
    qtbot: QtBot, app_home: Path, keys: KeyStore
) -> None:
    _app, window = create_app(
        ["--profile", "sandbox"], home=app_home, keys=keys, sandbox_after_paint=True
    )
    try:
        profile = window.services.profile
        assert profile.is_sandbox
        assert window.session.sandbox_running
        waiting = _ask_sites(profile.base_url)
        assert not _answered_yet(waiting)

        # The window's start after its first paint builds the server; the request that
        # waited is answered, and so is the window's own work (the online light).
        window.show()
        window.start_after_first_paint()
        qtbot.waitUntil(lambda: _answered_yet(waiting), timeout=15_000)
        status, _body = _answer(waiting)
        assert status == "HTTP/1.1 200 OK"
        qtbot.waitUntil(lambda: window.services.outbox.state == "online", timeout=15_000)
        assert window.sandbox.server is not None
        assert window.sandbox.server.base_url == profile.base_url
    finally:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()
    assert not window.sandbox.running


def test_what_is_typed_before_the_sandbox_server_is_up_is_kept(
    qtbot: QtBot, app_home: Path, keys: KeyStore
) -> None:
    """New order works before the server exists: what the coordinator types is on screen,
    in the draft and saved, and stays so once the server is up and the window online."""
    _app, window = create_app(
        ["--profile", "sandbox"], home=app_home, keys=keys, sandbox_after_paint=True
    )
    try:
        window.show()
        view = window.order_entry
        waiting = _ask_sites(window.services.profile.base_url)
        with qtbot.waitSignal(view.draft_saved, timeout=15_000):
            qtbot.keyClicks(view.form.notes, "Leave at the clinic gate")
        assert not _answered_yet(waiting)  # typed and saved with no server built yet

        window.start_after_first_paint()
        qtbot.waitUntil(lambda: window.services.outbox.state == "online", timeout=15_000)
        assert view.form.notes.toPlainText() == "Leave at the clinic gate"
        assert view.draft.notes == ["Leave at the clinic gate"]
        waiting.close()
    finally:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()
