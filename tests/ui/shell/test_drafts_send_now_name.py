"""Drafts & outbox calls its Send now helper `send_now`: `outbox.sending` is a flag (a drain
runs), and the page's helper must not read as one. Its button is what runs it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from impilo_desktop.ui.drafts.send_now import SendNow
from impilo_desktop.ui.drafts.view import DraftsPage
from impilo_desktop.ui.plumbing.services import AppServices


def test_the_send_now_helper_is_named_for_what_it_does(qtbot: QtBot, services: AppServices) -> None:
    page = DraftsPage(services)
    qtbot.addWidget(page)
    assert isinstance(page.send_now, SendNow)
    assert not hasattr(page, "sending")
    assert isinstance(services.outbox.sending, bool)
