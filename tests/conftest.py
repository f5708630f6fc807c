"""Shared fixtures: every test gets its own home folder, an in-memory keyring and, when it
asks, a real sandbox server on an ephemeral loopback port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.sandbox import SandboxServer
    from impilo_desktop.secrets import MemoryKeyring

# Before any QApplication exists: offscreen unless the developer wants to watch.
if not os.environ.get("IMPILO_TEST_SHOW"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

# What the tests read lives in the repository (a user's clone has nothing beside it).
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def data_dir() -> Path:
    """tests/data: the OpenAPI extract and our example payloads (fixtures/)."""
    return DATA


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated IMPILO_DESKTOP_HOME; no test touches the developer's real data."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("IMPILO_DESKTOP_HOME", str(home))
    monkeypatch.delenv("IMPILO_API_KEY", raising=False)
    # No managed-deployment policy unless a test sets one (tests/test_policy.py).
    monkeypatch.delenv("IMPILO_DESKTOP_POLICY", raising=False)
    return home


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring instance, also installed as keyring's default for the test."""
    import keyring

    from impilo_desktop.secrets import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A fresh, started sandbox server on an ephemeral loopback port (stopped afterwards)."""
    from impilo_desktop.sandbox import SandboxServer

    server = SandboxServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[SandboxServer]:
    """One sandbox for the whole session: use it read-only (create orders on `sandbox`)."""
    from impilo_desktop.sandbox import SandboxServer

    server = SandboxServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
async def sandbox_client(sandbox: SandboxServer) -> AsyncIterator[ImpiloClient]:
    """An `ImpiloClient` talking to the function-scoped `sandbox` (async tests only)."""
    from impilo_desktop.api.client import ImpiloClient

    async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
        yield client
