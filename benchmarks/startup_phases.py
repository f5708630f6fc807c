"""Start-up phases: where a real account's start goes before its window is up.

The same driver as startup.py's account row (`startup_app.APP_WINDOW`: the command's own
path, a keyring in a file, the account's server in a process of its own), with
IMPILO_STARTUP_PHASES=1: it then prints the time at each step of the start, in milliseconds
from its own first lines (Python's start before them is not in the table; a bare window pays
it too):

- the window's Qt-free core (`cli._import_window_core`: asyncio, the keyring, the store with
  pydantic and the API models, the draft);
- the window's modules (`ui.app` with PySide6, to the driver's QApplication);
- up to the window's build (settings, keys, data protection, the store opened);
- the window's build (`MainWindow.__init__`);
- show to the window up (its first paint, the event loop answering: startup.py's finish line).

Reports the median of each phase over the runs (after one warm-up), bytecode cached, as
startup.py does. `--source DIR` runs another checkout's code (e.g. a worktree of an older
commit, for "before"); `--sandbox` the sandbox profile instead.

Run (from the project root):
    .venv/bin/python -m benchmarks.startup_phases [--runs 8] [--source DIR] [--sandbox]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.startup_app import APP_WINDOW, give_key, startup_world
from impilo_desktop.sandbox.demo import DEMO_API_KEY

ROOT = Path(__file__).resolve().parents[1]
PHASES_ENV = "IMPILO_STARTUP_PHASES"
# (row, from mark, to mark): the marks the driver prints.
ROWS = (
    ("driver's first lines to the core's import", None, "core start"),
    ("the window's Qt-free core (`_import_window_core`)", "core start", "core done"),
    ("the window's modules (`ui.app`, PySide6)", "core done", "window modules"),
    (
        "to the window's build (QApplication, settings, keys, the store)",
        "window modules",
        "build start",
    ),
    ("the window's build (`MainWindow.__init__`)", "build start", "build done"),
    ("show to the window up (first paint, the loop answers)", "build done", "window up"),
    ("in all: driver's first lines to the window up", None, "window up"),
)


def marks(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """The driver's PHASE lines of one start: milliseconds by mark."""
    done = subprocess.run(
        cmd,
        env=env,
        cwd=env["PYTHONPATH"].split(os.pathsep)[0],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if line.startswith("PHASE "):
            name, _, value = line[len("PHASE ") :].rpartition(" ")
            found[name] = float(value)
    if "window up" not in found:
        raise RuntimeError(f"no window (exit {done.returncode}):\n{done.stdout[-2000:]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to run from")
    parser.add_argument("--sandbox", action="store_true", help="the sandbox profile instead")
    args = parser.parse_args(argv)
    profile = "sandbox" if args.sandbox else "real account"
    print(
        f"{profile}, {args.runs} runs after one warm-up, source {args.source}, load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start\n",
        flush=True,
    )
    python = sys.executable
    with (
        startup_world(python, args.source) as world,
        tempfile.TemporaryDirectory(prefix="impilo-startup-phases-") as home,
    ):
        env = {**world.app_env(args.source, home), PHASES_ENV: "1"}
        give_key(home, "custom", DEMO_API_KEY)
        target = "sandbox" if args.sandbox else world.server.base_url
        cmd = [python, "-c", APP_WINDOW, target]
        marks(cmd, env)  # warm-up: bytecode, the store made; not counted
        runs = [marks(cmd, env) for _ in range(args.runs)]

    print("| phase | median ms |")
    print("|---|---:|")
    for row, start, end in ROWS:
        spans = [run[end] - (run[start] if start else 0.0) for run in runs]
        print(f"| {row} | {statistics.median(spans):.0f} |")
    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
