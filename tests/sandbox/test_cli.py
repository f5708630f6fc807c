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

from impilo_desktop.cli import main
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.sandbox.cli import API_KEY_ENV

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


class Running:
    """A sandbox process whose stdout lines arrive on a queue (reads never block the test)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
        if API_KEY_ENV in os.environ and API_KEY_ENV not in (env or {}):
            del env[API_KEY_ENV]  # a developer's own setting must not change what tests see
        self.argv = [sys.executable, "-m", "impilo_desktop", "sandbox", *args]
        self.process = subprocess.Popen(
            self.argv,
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
        def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
            super().__init__(*args, env=env)
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


def test_cli_takes_the_key_from_the_environment(run: type[Running]) -> None:
    proc = run("--port", "0", env={API_KEY_ENV: "  env-key-7  "})
    base = proc.wait_for(r"listening on (http://\S+)").group(1)
    note = proc.wait_for(r"API key: (.+)").group(1)
    assert note == f"(the key in {API_KEY_ENV})"
    url = f"{base}/api/v3/site"
    assert httpx.get(url, headers={"Impilo-API-Key": "env-key-7"}, timeout=10).status_code == 200
    assert httpx.get(url, headers={"Impilo-API-Key": DEMO_API_KEY}, timeout=10).status_code == 401
    assert proc.stop() == 0
    assert not any("env-key-7" in line for line in proc.seen)


def test_cli_takes_the_key_from_a_file_over_the_environment(
    run: type[Running], tmp_path: Path
) -> None:
    key_file = tmp_path / "sandbox.key"
    key_file.write_text("file-key-9\n", encoding="utf-8")
    proc = run("--port", "0", "--api-key-file", str(key_file), env={API_KEY_ENV: "env-key"})
    base = proc.wait_for(r"listening on (http://\S+)").group(1)
    note = proc.wait_for(r"API key: (.+)").group(1)
    assert "file-key-9" not in note
    assert str(key_file) in note
    url = f"{base}/api/v3/site"
    assert httpx.get(url, headers={"Impilo-API-Key": "file-key-9"}, timeout=10).status_code == 200
    assert httpx.get(url, headers={"Impilo-API-Key": "env-key"}, timeout=10).status_code == 401
    assert proc.stop() == 0
    # The key is in no argument the process was started with (what `ps` would show).
    assert not any("file-key-9" in arg for arg in proc.argv)


@pytest.mark.parametrize("content", [None, "", "  \n\n"])
def test_cli_refuses_a_missing_or_empty_key_file(
    run: type[Running], tmp_path: Path, content: str | None
) -> None:
    key_file = tmp_path / "sandbox.key"
    if content is not None:
        key_file.write_text(content, encoding="utf-8")
    proc = run("--port", "0", "--api-key-file", str(key_file))
    proc.wait_for("cannot read the key file" if content is None else "is empty")
    assert proc.exit_code() == 2


def test_cli_help_documents_every_way_to_give_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["sandbox", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--api-key-file PATH" in shown
    assert API_KEY_ENV in shown
    assert "process lists (ps)" in shown
    with pytest.raises(SystemExit) as both:
        main(["sandbox", "--api-key", "a", "--api-key-file", "b"])
    assert both.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_keeps_orders_in_a_state_file_across_runs(run: type[Running], tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    order = {"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}]}
    headers = {"Impilo-API-Key": DEMO_API_KEY}
    first = run("--port", "0", "--state", str(state))
    base = first.wait_for(r"listening on (http://\S+)").group(1)
    first.wait_for(rf"Orders kept in: {re.escape(str(state))}")
    placed = httpx.post(f"{base}/api/v3/order", json=order, headers=headers, timeout=10).json()
    assert first.stop() == 0

    second = run("--port", "0", "--state", str(state))
    base = second.wait_for(r"listening on (http://\S+)").group(1)
    listed = httpx.get(f"{base}/api/v3/order", headers=headers, timeout=10).json()
    assert listed["content"][0]["id"] == placed["id"]
    again = httpx.post(f"{base}/api/v3/order", json=order, headers=headers, timeout=10).json()
    assert again["id"] == placed["id"] + 1
    assert second.stop() == 0
    assert not any("were not used" in line for line in first.seen + second.seen)


def test_cli_sets_a_damaged_state_file_aside_and_serves(run: type[Running], tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    state.write_text('{"format": 1, "orders": [', encoding="utf-8")
    proc = run("--port", "0", "--state", str(state))
    base = proc.wait_for(r"listening on (http://\S+)").group(1)
    proc.wait_for(r"were not used: it is damaged .* starts again from its demo data")
    headers = {"Impilo-API-Key": DEMO_API_KEY}
    assert httpx.get(f"{base}/api/v3/order", headers=headers, timeout=10).json()["total"] == 600
    assert proc.stop() == 0
    assert len(list(tmp_path.glob("sandbox-state.json.damaged-*"))) == 1
