"""Sync tests: a real store in tmp_path and either the sandbox or a scripted transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.store import Store
from tests.sync.fake_impilo import FakeImpilo


class Clock:
    """A settable clock for the store (entry ages, retry times)."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(tmp_path / "impilo.sqlite3", clock=clock) as opened:
        yield opened


@pytest.fixture
def impilo() -> FakeImpilo:
    return FakeImpilo()
