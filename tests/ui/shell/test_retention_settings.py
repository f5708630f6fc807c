"""Settings > Data on this computer: "Keep cached orders for N days" is saved with the other
settings, and the order cache is pruned off the UI thread at start and when it changes."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.config import DEFAULT_KEEP_ORDERS_DAYS, Settings
from impilo_desktop.store import DatabaseKey, Store, cipher
from impilo_desktop.store.cache import DAY_SECONDS
from impilo_desktop.ui.plumbing.retention import DAY_MS

from .conftest import MakeWindow

# Ids the sandbox never had, so no history page fetch caches them afresh.
AGES = {9_000_001: 120, 9_000_002: 60, 9_000_003: 2}  # order id -> days since it was cached


def cache_orders_of_ages(path: Path, key: DatabaseKey | None) -> None:
    """The order cache as weeks of work left it (written beside the app, as another copy of
    it would: the app's own connection is for its bridge loop)."""
    with Store(path, key=key) as store:
        store.cache_orders([Order(id=order_id) for order_id in AGES])
    with cipher.connect(path, key, key_path=path) as conn:
        for order_id, days in AGES.items():
            conn.execute(
                "UPDATE order_cache SET cached_at = ? WHERE order_id = ?",
                (time.time() - days * DAY_SECONDS, order_id),
            )


def cached_ids(path: Path, key: DatabaseKey | None) -> list[int]:
    """Which of `AGES` are cached (the history caches the sandbox's own orders beside them)."""
    with cipher.connect(path, key, key_path=path) as conn:
        rows = conn.execute("SELECT order_id FROM order_cache ORDER BY order_id").fetchall()
    return [order_id for (order_id,) in rows if order_id in AGES]


def test_keep_cached_orders_for_n_days(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path
) -> None:
    window = make_window("--profile", "sandbox", start=False)
    path = window.services.store.path
    key = window.keys.database_key(window.services.profile.name)
    cache_orders_of_ages(path, key)
    assert cached_ids(path, key) == sorted(AGES)

    window.show()
    window.start()  # the start prunes with the default, 90 days
    qtbot.waitUntil(lambda: cached_ids(path, key) == [9_000_002, 9_000_003], timeout=10_000)
    retention = window.session.retention
    assert retention.timer.isActive()
    assert retention.timer.interval() == DAY_MS  # and again daily

    window.show_page("settings")
    days = window.settings_page.retention_group.days
    qtbot.waitUntil(days.isEnabled)  # the saved number is read on the bridge
    assert days.value() == DEFAULT_KEEP_ORDERS_DAYS
    days.setFocus()
    qtbot.keyClick(days, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(days, "30")
    qtbot.keyClick(days, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: Settings.load(app_home).keep_orders_days == 30)
    qtbot.waitUntil(lambda: cached_ids(path, key) == [9_000_003], timeout=10_000)
    saved = json.loads(Settings.path(app_home).read_text(encoding="utf-8"))
    assert saved["keep_orders_days"] == 30


def test_an_unusable_saved_retention_falls_back_to_the_default(app_home: Path) -> None:
    for raw in (0, -5, "30", 1.5, True, None, 100_000):
        Settings.path(app_home).write_text(json.dumps({"keep_orders_days": raw}), "utf-8")
        assert Settings.load(app_home).keep_orders_days == DEFAULT_KEEP_ORDERS_DAYS
    Settings(keep_orders_days=14).save(app_home)
    assert Settings.load(app_home).keep_orders_days == 14


@contextmanager
def settings_file_use() -> Iterator[list[str]]:
    """Which `Settings.load`/`Settings.save` calls this (the UI) thread makes, by caller."""
    seen: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        code = frame.f_code
        if (
            event == "call"
            and code.co_name in {"load", "save"}
            and code.co_filename.endswith("impilo_desktop/config.py")
        ):
            caller = frame.f_back
            where = caller.f_code.co_filename.rsplit("/", 1)[-1] if caller else "?"
            seen.append(f"{code.co_name} from {where}")

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def test_the_settings_file_is_read_and_written_on_the_bridge(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path
) -> None:
    Settings(keep_orders_days=21).save(app_home)
    window = make_window("--profile", "sandbox")
    with settings_file_use() as seen:
        window.show_page("settings")
        group = window.settings_page.retention_group
        qtbot.waitUntil(group.days.isEnabled)
        assert group.days.value() == 21
        group.days.setFocus()
        qtbot.keyClick(group.days, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(group.days, "14")
        qtbot.keyClick(group.days, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: Settings.load(app_home).keep_orders_days == 14)
    assert [line for line in seen if line.endswith(" retention_settings.py")] == []
