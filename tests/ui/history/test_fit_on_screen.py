"""The order history on a real X server at a laptop's resolution: 1366x768, and 1920x1080 at
150 % (1280x720 logical). `fit_probe.py` runs the app maximised there and reports what it
measured; here the columns a coordinator scans must be whole, with no sideways scrolling, and
the detail panel's buttons uncut. Skipped where there is no Xvfb (CI installs it)."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROBE = Path(__file__).with_name("fit_probe.py")
XVFB = shutil.which("Xvfb")


class Xvfb:
    """An Xvfb on a display number it chooses itself (no clash with others' servers)."""

    def __init__(self, size: str) -> None:
        assert XVFB is not None
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            [XVFB, "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        # Xvfb writes the number, then a newline, when it accepts connections; it dies if
        # the pipe is gone before the newline, so the read end stays open while it runs.
        self._pipe = read_end
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], 30)
            chunk = os.read(read_end, 64) if ready else b""
            if not chunk:
                self.stop()
                raise RuntimeError("Xvfb did not start")
            number += chunk
        self.display = f":{number.decode().strip()}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._pipe)


@pytest.fixture
def screen(request: pytest.FixtureRequest) -> Iterator[Xvfb]:
    if XVFB is None:
        pytest.skip("Xvfb is not installed (apt install xvfb; .ci/run installs it)")
    server = Xvfb(request.param)
    yield server
    server.stop()


def measure(screen: Xvfb, scale: str, scratch: Path, shot: Path | None = None) -> dict[str, Any]:
    """The probe's report; it makes its throw-away home under `scratch` (its TMPDIR)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "IMPILO_"))}
    env.update(
        DISPLAY=screen.display, QT_QPA_PLATFORM="xcb", QT_SCALE_FACTOR=scale, TMPDIR=str(scratch)
    )
    command = [sys.executable, str(PROBE)] + (["--shot", str(shot)] if shot else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("screen", "scale", "logical"),
    [("1366x768", "1", [1366, 768]), ("1920x1080", "1.5", [1280, 720])],
    indirect=["screen"],
)
def test_scanned_columns_are_whole_on_a_laptop_screen(
    screen: Xvfb, scale: str, logical: list[int], tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    report = measure(screen, scale, scratch, tmp_path / "history.png")
    assert list(scratch.iterdir()) == []  # the probe's home, store and sandbox are gone
    assert report["screen"] == logical
    assert report["asked_maximised"]  # a first run on a laptop screen
    assert report["window"] == logical
    assert not report["scrolls_sideways"], report
    for name, column in report["columns"].items():
        assert not column["hidden"], name
        assert column["width"] >= column["content"], (name, column)
        assert column["left"] >= 0, (name, column)
        assert column["left"] + column["width"] <= report["viewport"], (name, column)
    for name, button in report["buttons"].items():
        assert button["whole"], name
        assert button["text_fits"], name
    assert report["page_fits"]
    assert (tmp_path / "history.png").stat().st_size > 0
