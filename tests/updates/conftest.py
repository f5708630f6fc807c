"""A served update repository and an updater folder per test (tests/update_repository.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.updates.state import UpdateFolder
from tests.update_repository import UpdateRepository, served_repository


@pytest.fixture
def update_repository(tmp_path: Path) -> Iterator[UpdateRepository]:
    with served_repository(tmp_path / "repository") as repo:
        yield repo


@pytest.fixture
def update_folder(tmp_path: Path) -> UpdateFolder:
    return UpdateFolder(tmp_path / "home" / "updates")
