"""Store tests use real SQLite files in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "impilo.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as opened:
        yield opened
