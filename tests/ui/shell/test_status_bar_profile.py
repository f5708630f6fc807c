"""The status bar's refresh line belongs to the profile it was about."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile
from impilo_desktop.ui.shell.status_bar import AppStatusBar


def test_another_profile_starts_without_the_last_ones_refresh_line(qtbot: QtBot) -> None:
    bar = AppStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_profile(Profile("clinic-a", "https://a.example.org/api/v3"))
    bar.set_reference_progress("patient", 400, 2000)
    assert bar.reference_status.text() == "Updating patients… 400 of 2,000"
    assert bar.stop_refresh.isVisible()

    # The first profile's session closed mid-refresh (it ends after the page on its way and
    # says nothing more); the next profile's bar must not keep "Updating patients…".
    bar.set_profile(Profile("clinic-b", "https://b.example.org/api/v3"))
    assert bar.reference_status.text() == ""
    assert not bar.stop_refresh.isVisible()
