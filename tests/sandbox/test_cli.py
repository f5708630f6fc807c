"""`impilo-desktop sandbox` as a real process: prints where to connect, serves, stops on
SIGTERM/Ctrl+C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from impilo_desktop.sandbox import DEMO_API_KEY

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


class Running:
    """A sandbox process whose stdout lines arrive on a queue (reads never block the test)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "impilo_desktop", "sandbox", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=DEADLINE)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}; saw {self.seen}")
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def exit_code(self) -> int:
        """Wait for the process to end by itself."""
        return self.process.wait(timeout=DEADLINE)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=DEADLINE)
            raise


@pytest.fixture
def run() -> Iterator[type[Running]]:
    started: list[Running] = []

    class Tracked(Running):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for proc in started:
        if proc.process.poll() is None:
            proc.process.kill()
            proc.process.wait(timeout=DEADLINE)
        if proc.process.stdout is not None:
            proc.process.stdout.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_url_and_key_and_stops_cleanly(run: type[Running], signum: int) -> None:
    proc = run("--port", "0", "--progress-seconds", "5")
    base = proc.wait_for(r"listening on (http://127\.0\.0\.1:\d+)").group(1)
    key = proc.wait_for(r"API key: (\S+)").group(1)
    assert key == DEMO_API_KEY
    response = httpx.get(f"{base}/api/v3/site", headers={"Impilo-API-Key": key}, timeout=10)
    assert response.status_code == 200
    assert response.json()["total"] == 25
    assert proc.stop(signum) == 0
    assert "Sandbox stopped." in proc.seen + [line for line in iter(proc.lines.get, None)]


def test_cli_custom_key_faults_and_seed(run: type[Running]) -> None:
    proc = run("--port", "0", "--api-key", "k-123", "--faults", "error=1", "--random-seed", "3")
    base = proc.wait_for(r"listening on (http://\S+)").group(1)
    note = proc.wait_for(r"API key: (.+)").group(1)
    assert "k-123" not in note  # a key the user chose is not echoed
    proc.wait_for(r"Faults: error=1")
    response = httpx.get(f"{base}/api/v3/site", headers={"Impilo-API-Key": "k-123"}, timeout=10)
    assert response.status_code == 503
    assert proc.stop() == 0


def test_cli_rejects_a_bad_fault_spec(run: type[Running]) -> None:
    proc = run("--port", "0", "--faults", "explode=1")
    proc.wait_for(r"bad fault")
    assert proc.exit_code() == 2


def test_cli_reports_a_busy_port(run: type[Running]) -> None:
    first = run("--port", "0")
    port = first.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1)
    second = run("--port", port)
    second.wait_for(r"cannot listen on port")
    assert second.exit_code() == 1
    assert first.stop() == 0
