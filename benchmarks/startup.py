"""Start-up: process start to an interactive main window, against a bare PySide6 window.

Each target is a fresh process, timed from just before it is spawned to the line it prints
once its main window is exposed and its event loop has answered (offscreen, so no compositor
noise). Two profiles, as the coordinator starts them:

- bare: QApplication + an empty QMainWindow of the app's size: the floor for any PySide6 app;
- real account, from source: `impilo-desktop --profile custom --base-url URL`, the command's
  own path (`cli.main` -> `run_app`: one window per home, logging, `create_app`, show, start,
  the event loop), run by a small driver that imports nothing before `cli.main` (so the
  modules load in the command's own order) and prints once the window is up. The keys live
  in a keyring kept in a JSON file of the throw-away home (a backend named by
  PYTHON_KEYRING_BACKEND, which keyring loads when the app first asks for it; the benchmark
  puts the account's key there first, and the app writes the database's key through
  `KeyStore` as into the OS keyring, so a second start finds both; an in-memory keyring
  would forget the database key and the next start would ask for it). Reading the OS
  keyring (a D-Bus round trip on Linux) is not in the number. The account's server is a
  sandbox this benchmark starts in a process of its own on 127.0.0.1 (stopped at the end):
  a live server, not a closed port, so the work a real account starts with the window
  (reference refresh, outbox drain, the online light) runs on the bridge thread beside the
  first paint as it does against Impilo, while the app's own process holds no sandbox;
- sandbox, from source: the same driver with `--profile sandbox` (the built-in server with
  its seeded data starts inside the app);
- bundle (the PyInstaller onedir build, `dist/impilo-desktop/`, if built):
  `--self-test --self-test-window-only`, the self-test's window on the sandbox, and with
  `--self-test-account=URL` on the real account (the only way into a frozen build). The
  self-test starts its window as the command does (the built-in sandbox's server and the
  window's work after the first paint); before session 12 it built the sandbox's server
  first, so older bundle sandbox rows timed a start no coordinator had. Each row keeps its
  home between runs (`--self-test-home`), so its timed runs are second starts, like the
  rows from source; before session 13 every bundle run was a first start in a new home.
  Beside them, the same self-test command from source (the `SELF_TEST_FROM_SOURCE`
  driver): the bundle's rows against these show what freezing costs, like for like;

Every process finds the bytecode of what it imports (PySide6's, the app's) in a cache of
this run (PYTHONPYCACHEPREFIX, a temporary folder the warm-up runs fill; PYTHONDONTWRITEBYTECODE
is unset for them), as an installed app finds its `.pyc` files: pip compiles them at install
and the bundle holds them frozen. Without it a checkout compiles the app's ~200 modules at
every start (~250-300 ms here), which no coordinator's start does.

The runs from source see only what `pip install .` installs: the modules of the test and
release tools installed beside the app (packaging/runtime_modules.py) are not found by the
app's processes, as in a coordinator's install and in the bundle, which leaves them out.
httpx, for one, imports its command line (click, rich, pygments) whenever they are installed:
~90 ms that a run in the development environment paid and no coordinator does.

For the app's rows a second number, "to online": from spawning to the window's first
answer from its server reaching the UI thread (the online light turns online; the store is
open, the key read, the bridge and the network stack loaded, the server answering, the
built-in sandbox's included): the point a Send would work. The table's finish line and its
ratio stay the first one; the second shows what still runs after it.

Each profile keeps one home folder for all its runs (a second start, as on a coordinator's
laptop, after one warm-up run that is not counted). Runs are interleaved (bare, account,
sandbox, bundle..., bare, ...) so drift on a shared machine hits all alike. Reports the
median and the fastest run, and median(target) / median(bare) of the same run.

Run (from the project root; build the bundle first with packaging/linux/build-and-self-test.sh):
    .venv/bin/python -m benchmarks.startup [--runs 7] [--bundle dist/impilo-desktop/impilo-desktop]
        [--source DIR]   # another checkout's impilo_desktop (e.g. main's, for "before")
        [--before DIR]   # also that checkout's account and sandbox rows, interleaved in the run
        [--no-bundle]
        [--before-bundle B]  # another build (with --self-test-home), its bundle rows beside
Prints the machine (CPU count, Python, PySide6, SQLite, load average) and a Markdown table for
docs/performance.md ("Start-up").
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
from collections.abc import Sequence
from pathlib import Path

from benchmarks.startup_app import APP_WINDOW, SELF_TEST_FROM_SOURCE, give_key, startup_world
from impilo_desktop.sandbox.demo import DEMO_API_KEY  # what a sandbox accepts by default

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

SELF_TEST_READY = "ok   main window"
# The app driver's lines: its window up (the finish line of the table) and then online.
APP_LINES = ("READY", "ONLINE")
VERSIONS = (
    "import sys, sqlite3, PySide6; from sqlcipher3 import dbapi2;"
    " print(sys.version.split()[0], PySide6.__version__, sqlite3.sqlite_version,"
    " dbapi2.sqlite_version)"
)


def time_to_lines(
    cmd: list[str], markers: Sequence[str], env: dict[str, str], timeout: float = 120.0
) -> list[float]:
    """Seconds from spawning `cmd` to its first stdout line starting with each of `markers`,
    in that order (run in the checkout `env` names first on PYTHONPATH: `-c` puts the
    working folder first)."""
    began = time.perf_counter()
    cwd = env["PYTHONPATH"].split(os.pathsep)[0]
    times: list[float] = []
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=cwd
    ) as proc:
        assert proc.stdout is not None
        seen: list[str] = []
        try:
            for line in proc.stdout:
                seen.append(line)
                if line.startswith(markers[len(times)]):
                    times.append(time.perf_counter() - began)
                    if len(times) == len(markers):
                        proc.stdout.read()  # let it finish; the exit is not in the number
                        proc.wait(timeout)
                        return times
                if time.perf_counter() - began > timeout:
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
    output = "".join(seen[-20:])
    raise RuntimeError(f"{cmd[0]} never printed {markers!r} (exit {proc.returncode}):\n{output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="interpreter for bare/source")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to run from")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout whose account and sandbox rows run interleaved in this run",
    )
    parser.add_argument("--no-bundle", action="store_true", help="leave the bundle rows out")
    parser.add_argument(
        "--before-bundle",
        type=Path,
        help="another build's program (one that knows --self-test-home) whose bundle rows run"
        " interleaved in this run",
    )
    args = parser.parse_args(argv)

    versions = subprocess.run(
        [args.python, "-c", VERSIONS], capture_output=True, text=True, check=True
    ).stdout.split()
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {versions[0]},"
        f" PySide6 {versions[1]}, SQLite {versions[2]} (SQLCipher's {versions[3]}),"
        f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start;"
        f" {args.runs} runs each (after one warm-up), offscreen, bytecode cached;"
        f" source {args.source}\n",
        flush=True,
    )
    with (
        startup_world(args.python, args.source) as world,
        tempfile.TemporaryDirectory(prefix="impilo-startup-account-") as account_home,
        tempfile.TemporaryDirectory(prefix="impilo-startup-sandbox-") as sandbox_home,
        tempfile.TemporaryDirectory(prefix="impilo-startup-before-") as before_home,
        tempfile.TemporaryDirectory(prefix="impilo-startup-self-test-") as self_test_homes,
    ):
        account_env = world.app_env(args.source, account_home)
        give_key(account_home, "custom", DEMO_API_KEY)
        sandbox_env = world.app_env(args.source, sandbox_home)
        driver = [args.python, "-c", APP_WINDOW]
        targets: dict[str, tuple[list[str], tuple[str, ...], dict[str, str]]] = {
            "bare PySide6 window": ([args.python, "-c", BARE_WINDOW], ("READY",), world.env),
            "real account, from source": (
                [*driver, world.server.base_url],
                APP_LINES,
                account_env,
            ),
            "sandbox, from source": ([*driver, "sandbox"], APP_LINES, sandbox_env),
        }
        if args.before is not None:
            # The same runs with another checkout's code, each profile in a home of its
            # own (a store of one version is not reopened by the other).
            for name, home in (("account", "a"), ("sandbox", "s")):
                folder = Path(before_home) / home
                folder.mkdir()
                before_env = world.app_env(args.before, folder)
                if name == "account":
                    give_key(folder, "custom", DEMO_API_KEY)
                target = [world.server.base_url] if name == "account" else ["sandbox"]
                label = "real account" if name == "account" else "sandbox"
                targets[f"{label}, before ({args.before.name})"] = (
                    [*driver, *target],
                    APP_LINES,
                    before_env,
                )
        if args.no_bundle:
            pass
        elif args.bundle.is_file():
            # The self-test's window, frozen and from source, each in a home kept between its
            # runs: the warm-up makes the store, and the timed runs are second starts.
            programs = [
                ("bundle", [str(args.bundle)]),
                ("from source", [args.python, "-c", SELF_TEST_FROM_SOURCE]),
            ]
            if args.before_bundle is not None:
                programs.append(("bundle before", [str(args.before_bundle)]))
            for where, program in programs:
                # (The self-test sets its own home; app_env's is only the folder of them.)
                env = (
                    {**world.env}
                    if where.startswith("bundle")
                    else world.app_env(args.source, self_test_homes)
                )
                env["IMPILO_API_KEY"] = DEMO_API_KEY
                for label, extra in (
                    ("real account", [f"--self-test-account={world.server.base_url}"]),
                    ("sandbox", []),
                ):
                    kept = Path(self_test_homes) / f"{where}-{label}".replace(" ", "-")
                    targets[f"{label}, {where} (self-test window)"] = (
                        [
                            *program,
                            "--self-test",
                            "--self-test-window-only",
                            f"--self-test-home={kept}",
                            *extra,
                        ],
                        (SELF_TEST_READY,),
                        env,
                    )
        else:
            print(f"(no bundle at {args.bundle}: build it to include it)", file=sys.stderr)

        for cmd, markers, target_env in targets.values():  # warm caches; not counted
            time_to_lines(cmd, markers, target_env)
        # Per target, one list of seconds per marker: [first paint], [online] if printed.
        samples: dict[str, list[list[float]]] = {name: [] for name in targets}
        for _ in range(args.runs):
            for name, (cmd, markers, target_env) in targets.items():
                samples[name].append(time_to_lines(cmd, markers, target_env))

    bare = statistics.median(run[0] for run in samples["bare PySide6 window"])
    print(
        "| process start to interactive main window | median | fastest | vs bare"
        " | to online (median) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, runs in samples.items():
        values = [run[0] for run in runs]
        median = statistics.median(values)
        online = [run[1] for run in runs if len(run) > 1]
        after = f"{statistics.median(online) * 1000:.0f} ms" if online else "-"
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(values) * 1000:.0f} ms"
            f" | {median / bare:.1f}x | {after} |"
        )
    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
