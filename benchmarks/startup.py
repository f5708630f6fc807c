"""Start-up: process start to an interactive main window, against a bare PySide6 window.

Each target is a fresh process, timed from just before it is spawned to the line it prints
once its window is exposed and the event loop has run (offscreen, so no compositor noise):

- bare: QApplication + an empty QMainWindow of the app's size: the floor for any PySide6 app;
- source: `python -m impilo_desktop --self-test --self-test-window-only`: the real
  `create_app` path (imports, settings, store migration, the built-in sandbox server with its
  seeded data, every page) in a throw-away home folder;
- bundle: the same command in the PyInstaller onedir build (`dist/impilo-desktop/`), if built.

Runs are interleaved (bare, source, bundle, bare, ...) so drift on a shared machine hits all
alike. Reports the median and the fastest run, and median(target) / median(bare).

Run (from the project root; build the bundle first with packaging/linux/build-and-self-test.sh):
    .venv/bin/python -m benchmarks.startup [--runs 7] [--bundle dist/impilo-desktop/impilo-desktop]
Prints a Markdown table for docs/performance.md ("Start-up").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "impilo-desktop" / "impilo-desktop"

BARE_WINDOW = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1180, 760)
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
app.processEvents()
print("READY", flush=True)
"""
APP_READY = "ok   main window"
VERSIONS = "import sys, PySide6; print(sys.version.split()[0], PySide6.__version__)"


def time_to_line(cmd: list[str], marker: str, env: dict[str, str], timeout: float = 120.0) -> float:
    """Seconds from spawning `cmd` to its first stdout line starting with `marker`."""
    began = time.perf_counter()
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    ) as proc:
        assert proc.stdout is not None
        seen: list[str] = []
        try:
            for line in proc.stdout:
                seen.append(line)
                if line.startswith(marker):
                    elapsed = time.perf_counter() - began
                    proc.stdout.read()  # let it finish; the exit is not part of the number
                    proc.wait(timeout)
                    return elapsed
                if time.perf_counter() - began > timeout:
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
    output = "".join(seen[-20:])
    raise RuntimeError(f"{cmd[0]} never printed {marker!r} (exit {proc.returncode}):\n{output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="interpreter for bare/source")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="impilo-startup-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IMPILO_DESKTOP_HOME": home}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        window_only = ["--self-test", "--self-test-window-only"]
        targets: dict[str, tuple[list[str], str]] = {
            "bare PySide6 window": ([args.python, "-c", BARE_WINDOW], "READY"),
            "Impilo Desktop, from source": (
                [args.python, "-m", "impilo_desktop", *window_only],
                APP_READY,
            ),
        }
        if args.bundle.is_file():
            targets["Impilo Desktop, PyInstaller bundle"] = (
                [str(args.bundle), *window_only],
                APP_READY,
            )
        else:
            print(f"(no bundle at {args.bundle}: build it to include it)", file=sys.stderr)

        for cmd, marker in targets.values():  # warm the file cache; not counted
            time_to_line(cmd, marker, env)
        samples: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.runs):
            for name, (cmd, marker) in targets.items():
                samples[name].append(time_to_line(cmd, marker, env))

    bare = statistics.median(samples["bare PySide6 window"])
    python = subprocess.run(
        [
            args.python,
            "-c",
            "import sys, PySide6; print(sys.version.split()[0], PySide6.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {python[0]},"
        f" PySide6 {python[1]}, {args.runs} runs each (after one warm-up), offscreen\n"
    )
    print("| process start to interactive main window | median | fastest | vs bare |")
    print("|---|---:|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(values) * 1000:.0f} ms"
            f" | {median / bare:.1f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
