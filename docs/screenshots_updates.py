"""The self-update screens for docs/screenshots.py (issue 17): the window's update bar, the
What's new dialog and Settings > Updates.

A real update repository is made in the throw-away folder by packaging/updates.py with two
small stand-in bundles and served on 127.0.0.1; the window's updater is told it is bundle
0.1.0 (the screenshots run from source) and finds 0.2.0 there, verified as in a bundle.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QScrollArea

ROOT = Path(__file__).resolve().parents[1]
NOTES = (
    "• Order history opens faster on large accounts.\n"
    "• A patient's second address line is kept when an order is duplicated.\n"
    "• Settings > Updates shows when the app last looked for a new version."
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _repository(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "packaging_updates", ROOT / "packaging/updates.py"
    )
    assert spec is not None
    assert spec.loader is not None
    updates: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(updates)
    workspace, keys = folder / "update-workspace", folder / "update-keys"
    updates.init(workspace, keys)
    for version, notes in (("0.1.0", ""), ("0.2.0", NOTES)):
        bundle = folder / f"bundle-{version}"
        bundle.mkdir()
        (bundle / "version.txt").write_text(version, encoding="utf-8")
        (bundle / "impilo-desktop").write_bytes(b"#!/bin/sh\n")  # a bundle has its program
        updates.add(workspace, keys, bundle, version, notes)
    return workspace / "repository"


def update_screens(
    window: Any,
    folder: Path,
    save: Callable[..., None],
    wait: Callable[..., None],
    schemes: list[str],
    set_scheme: Callable[[str], None],
    tidy_paths: Callable[[Any], None],
) -> None:
    """Save update-ready, update-whats-new, update-settings, update-settings-organisation
    (a per-machine install this user cannot replace) and update-settings-move-to-applications
    (a Mac app run from its disk image) in each of `schemes`."""
    from impilo_desktop.ui.updates.bar import NOTES_NAME, WhatsNewDialog
    from impilo_desktop.updates.state import UpdateSettings

    def settings_shot(name: str, scheme: str) -> None:
        """Settings scrolled to its Updates group, saved as `name`, scrolled back."""
        window.show_page("settings")
        page = window.settings_page
        scroll = page.findChild(QScrollArea)
        tidy_paths(page)
        page.updates_group.url.setText("https://updates.clinic.example/impilo-desktop")
        scroll.ensureWidgetVisible(page.updates_group)
        save(window, name, scheme)
        scroll.verticalScrollBar().setValue(0)

    repository = _repository(folder)
    updates = window.update_bar.updates
    with _served(repository) as url:
        updates.from_bundle = True
        updates.trusted_root = repository / "metadata" / "root.json"
        updates.current_version = "0.1.0"
        updates.bundle = folder / "installed" / "impilo-desktop"
        updates.bundle.mkdir(parents=True)  # where this user could install (can_replace)
        UpdateSettings(repository_url=url).save(updates.folder)
        updates.start()
        wait(lambda: window.update_bar.isVisible() and window.update_bar.ready is not None)
        wait(lambda: "ready" in updates.settings.last_result)
    for scheme in schemes:
        set_scheme(scheme)
        window.show_page("new_order")
        save(window, "update-ready", scheme)
        window.update_bar.open_notes()
        dialog = window.findChild(WhatsNewDialog, NOTES_NAME)
        wait(lambda dialog=dialog: dialog is not None and dialog.isVisible())
        save(dialog, "update-whats-new", scheme)
        dialog.close()
        settings_shot("update-settings", scheme)
    window.update_bar.dismiss()
    # The same copy as if IT had installed it where this user cannot write: a folder whose
    # parent is a file (nothing can be made there), found so by the real check at start.
    not_a_folder = folder / "not-a-folder"
    not_a_folder.write_text("", encoding="utf-8")
    updates.bundle = not_a_folder / "impilo-desktop"
    updates.start()
    wait(lambda: updates.by_organisation)
    for scheme in schemes:
        set_scheme(scheme)
        settings_shot("update-settings-organisation", scheme)
    # A Mac app opened where it was downloaded: macOS runs it from a read-only random folder
    # (App Translocation); moving it to Applications, not IT, makes it updatable.
    updates.bundle = folder / "AppTranslocation" / "1A2B" / "d" / "Impilo Desktop.app"
    updates.start()
    wait(lambda: updates.move_to_applications)
    for scheme in schemes:
        set_scheme(scheme)
        settings_shot("update-settings-move-to-applications", scheme)
