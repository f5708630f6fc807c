"""The self-update proof on Linux (issue 17): two real bundles, a real repository, a real
restart.

    python packaging/prove_self_update.py                  # builds both bundles
    python packaging/prove_self_update.py --bundle-a dist/impilo-desktop   # the workflow
    python packaging/prove_self_update.py --build-b        # .ci/run, beside the bundle
    python packaging/prove_self_update.py --bundle-a dist/impilo-desktop \
        --bundle-b build/self-update-proof-b/dist-<B>/impilo-desktop           # .ci/run

With --bundle-a, version A is a copy of a bundle already built from this source (CI's, which
its self-tests passed), given the proof's root.json where the spec would put it: one build
fewer in CI's time. B needs no keys to be built (its root.json is put in the same way), so
`--build-b` builds it alone, before the proof's keys exist: .ci/run runs that while its own
bundle builds and self-tests (two mostly single-threaded builds on two cores), and gives the
result to the proof with --bundle-b, which refuses a B that does not print the bumped version
(`--build-b` empties its folder first, so what it leaves is this source's).

1. New keys and a repository in build/self-update-proof/ (packaging/updates.py).
2. Two PyInstaller builds carrying its root.json: this source as version A, and a copy of
   it with the version bumped (B); either is a build given instead (--bundle-a, --bundle-b).
3. Both added to the repository, served over HTTP on 127.0.0.1 (port 0) by a server that
   stops by itself after SERVE_SECONDS.
4. Bundle A, installed in a folder of its own, runs `impilo-desktop-cli update --repository
   URL --install`: it finds B, downloads and verifies it, swaps it in and restarts as B's
   `impilo-desktop-cli --version`, which must print B; run again, B says it is up to date.
5. The coordinator's path: another fresh copy of A runs the windowed program (offscreen, a
   home of its own where the sandbox was last opened and the repository is saved as
   Settings > Updates saves it), in the window's proof mode (IMPILO_UPDATE_PROOF, see
   impilo_desktop/ui/updates/proof.py). At start its updater finds B, the update bar offers
   it, and the mode clicks the bar's own Restart now: the window closes and, as the process
   exits, B is swapped in and started in its place (the same process, by execv). B's window
   records that it runs (its version, program, process and arguments: A's, which were the
   window's `--profile` and Qt's `-style`), checks (up to date) and closes; the installed
   bundle now prints B and A's folder is gone.
6. A fresh copy of A against the repository with B's archive tampered with (bytes changed
   after publishing, same length): refused, exit 1, and A still prints A. Then the same
   copy's window, with a new home: the bar says it was refused (never offers it), Settings >
   Updates' last check says so, and A is still A.

Every step has a timeout; exit code 0 only if all of it held.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "self-update-proof"
# B built ahead (--build-b): outside WORK, which every proof starts by emptying.
B_WORK = ROOT / "build" / "self-update-proof-b"
SERVE_SECONDS = 900.0
BUILD_SECONDS = 1800
RUN_SECONDS = 300
WINDOW_SECONDS = 180  # the window's whole run: A, its restart, B
CLI = "impilo-desktop-cli"
WINDOW = "impilo-desktop"
PROOF_ENV = "IMPILO_UPDATE_PROOF"  # impilo_desktop/ui/updates/proof.py
# The window's own option and one of Qt's: B must be started with them too.
WINDOW_ARGUMENTS = ["--profile", "sandbox", "-style=fusion"]


def load_updates() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "packaging_updates", ROOT / "packaging" / "updates.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bumped(version: str) -> str:
    """1.2.3 -> 1.2.4 (the last number up by one)."""
    head, last = re.fullmatch(r"(.*?)(\d+)", version).groups()  # type: ignore[union-attr]
    return f"{head}{int(last) + 1}"


def source_copy(version: str, work: Path) -> Path:
    """This source with another version, for the second build."""
    copy = work / f"src-{version}"
    shutil.rmtree(copy, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("impilo_desktop", "packaging", "resources"):
        shutil.copytree(ROOT / part, copy / part, ignore=ignore)
    init = copy / "impilo_desktop" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    init.write_text(re.sub(r'^__version__ = ".*"$', f'__version__ = "{version}"', text, flags=re.M))
    return copy


def build(source: Path, version: str, work: Path, root_json: Path | None) -> Path:
    """A PyInstaller build of `source` in `work`, carrying `root_json` (or, without one, what
    the spec finds itself: given_bundle then puts the proof's in)."""
    dist = work / f"dist-{version}"
    cmd = [
        "nice", "-n", "19", sys.executable, "-m", "PyInstaller", "--noconfirm",
        "--log-level=WARN", f"--distpath={dist}", f"--workpath={work / f'work-{version}'}",
        str(source / "packaging" / "impilo-desktop.spec"),
    ]  # fmt: skip
    print("+", " ".join(cmd), flush=True)
    # Its own bincache, kept between proofs: the shared one (~/.cache/pyinstaller) is written
    # by other builds, .ci/run's bundle among them while B builds.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(work.with_name(work.name + "-cache"))}
    env.pop("IMPILO_UPDATE_ROOT", None)
    if root_json is not None:
        env["IMPILO_UPDATE_ROOT"] = str(root_json)
    subprocess.run(cmd, cwd=source, env=env, check=True, timeout=BUILD_SECONDS)
    bundle = dist / "impilo-desktop"
    if root_json is not None and not (bundle / "_internal" / "updates" / "root.json").is_file():
        raise SystemExit(f"{bundle} carries no update root")
    return bundle


def build_b() -> Path:
    """B alone, before any keys: this source with the version bumped, in B_WORK."""
    shutil.rmtree(B_WORK, ignore_errors=True)
    B_WORK.mkdir(parents=True)
    version_b = bumped(load_updates().version())
    return build(source_copy(version_b, B_WORK), version_b, B_WORK, None)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """`folder` on 127.0.0.1 until stopped, and at most SERVE_SECONDS."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Timer(SERVE_SECONDS, server.shutdown)
    stop.daemon = True
    stop.start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def run(program: Path, args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMPILO_DESKTOP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("IMPILO_API_KEY", None)
    cmd = [str(program), *args]
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
    )
    print(result.stdout, end="", flush=True)
    if result.stderr.strip():
        print(result.stderr[-3000:], end="", file=sys.stderr, flush=True)
    return result


def window_home(home: Path, url: str) -> Path:
    """A home as a coordinator's who used the window before: the sandbox opened last, and
    the update repository saved the way Settings > Updates saves it."""
    from impilo_desktop.config import SANDBOX, Settings
    from impilo_desktop.updates.state import UpdateFolder, UpdateSettings

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    settings = Settings.load(home)
    settings.last_profile = SANDBOX
    settings.save(home)
    UpdateSettings(repository_url=url).save(UpdateFolder.of_home(home))
    return home


def run_window(program: Path, home: Path, args: list[str]) -> tuple[list[str], int]:
    """The windowed program in its proof mode, offscreen, until the process ends (after a
    restart, the new version's window ends it); the lines it recorded, and its process id."""
    record = home.with_name(home.name + "-record.txt")
    output = home.with_name(home.name + "-output.txt")
    record.unlink(missing_ok=True)
    env = {
        **os.environ,
        "IMPILO_DESKTOP_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        PROOF_ENV: str(record),
        # No keyring is touched (CI has none; a developer's is left alone): the database
        # takes a passphrase from the environment instead of asking for one.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "IMPILO_DATABASE_PASSPHRASE": "self-update proof",
    }
    env.pop("IMPILO_API_KEY", None)
    print("+", program, *args, f"({PROOF_ENV}={record})", flush=True)
    began = time.monotonic()
    with output.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(program), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            code: int | None = process.wait(timeout=WINDOW_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
    lines = record.read_text(encoding="utf-8").splitlines() if record.is_file() else []
    for line in lines:
        print("  window:", line, flush=True)
    print(f"  (process {process.pid}, {time.monotonic() - began:.1f} s)", flush=True)
    if code != 0:
        logs = sorted((home / "logs").glob("*.log*"))
        for path in [output, *logs]:
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
            print(f"--- last lines of {path.name} ---", *tail, sep="\n", file=sys.stderr)
        why = f"no end after {WINDOW_SECONDS} s" if code is None else f"exit {code}"
        expect(False, f"the window ran to its end ({why})")
    return lines, process.pid


def install(bundle: Path, where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    return Path(shutil.copytree(bundle, where / "impilo-desktop", symlinks=True))


def expect(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        raise SystemExit(f"Self-update proof failed: {what}")


def given_bundle(bundle: Path, version: str, root_json: Path) -> Path:
    """A copy of an already built bundle of this source, carrying `root_json` as the spec
    does (`_internal/updates/root.json`). It must print `version`: a build of another
    version is refused, never proven."""
    if not (bundle / CLI).is_file():
        raise SystemExit(f"{bundle} is not a built bundle (no {CLI})")
    printed = run(bundle / CLI, ["--version"], WORK / f"home-version-{version}").stdout.strip()
    if printed != f"impilo-desktop {version}":
        raise SystemExit(f"{bundle} prints {printed!r}, not version {version}: build it again")
    copy = WORK / f"dist-{version}" / "impilo-desktop"
    shutil.copytree(bundle, copy, symlinks=True)
    (copy / "_internal" / "updates").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root_json, copy / "_internal" / "updates" / "root.json")
    return copy


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="The self-update proof on Linux.")
    parser.add_argument("--bundle-a", type=Path, help="a bundle of this source, already built")
    parser.add_argument("--bundle-b", type=Path, help="B, already built by --build-b")
    parser.add_argument(
        "--build-b", action="store_true", help="only build B (into build/self-update-proof-b)"
    )
    args = parser.parse_args(argv)
    if args.build_b:
        print(f"B built: {build_b()}", flush=True)
        return 0
    began = time.monotonic()
    updates = load_updates()
    version_a = updates.version()
    version_b = bumped(version_a)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    # Keys outside the git repository, as packaging/updates.py insists; thrown away after.
    keys = Path(tempfile.mkdtemp(prefix="impilo-update-keys-")) / "keys"
    workspace = WORK / "workspace"
    try:
        root_json = updates.init(workspace, keys)
        if args.bundle_a is not None:
            bundle_a = given_bundle(args.bundle_a.resolve(), version_a, root_json)
        else:
            bundle_a = build(ROOT, version_a, WORK, root_json)
        if args.bundle_b is not None:
            bundle_b = given_bundle(args.bundle_b.resolve(), version_b, root_json)
        else:
            bundle_b = build(source_copy(version_b, WORK), version_b, WORK, root_json)
        return prove(updates, workspace, keys, bundle_a, bundle_b, version_a, version_b, began)
    finally:
        shutil.rmtree(keys.parent, ignore_errors=True)


def prove(
    updates: ModuleType,
    workspace: Path,
    keys: Path,
    bundle_a: Path,
    bundle_b: Path,
    version_a: str,
    version_b: str,
    began: float,
) -> int:
    updates.add(workspace, keys, bundle_a, version_a, "The version first installed.")
    archive_b = updates.add(workspace, keys, bundle_b, version_b, "The proof's newer version.")
    url, server = serve(workspace / "repository")
    try:
        installed = install(bundle_a, WORK / "install")
        home = WORK / "home"
        result = run(installed / CLI, ["update", "--repository", url, "--install"], home)
        expect(result.returncode == 0, f"bundle {version_a} updated itself (exit 0)")
        expect(f"Version {version_b} is ready" in result.stdout, f"it found {version_b}")
        expect(
            result.stdout.strip().endswith(f"impilo-desktop {version_b}"),
            f"it restarted as {version_b} (the new program printed its version)",
        )
        result = run(installed / CLI, ["--version"], home)
        expect(result.stdout.strip() == f"impilo-desktop {version_b}", "the bundle is now B")
        result = run(installed / CLI, ["update"], home)
        expect(f"Up to date (version {version_b})" in result.stdout, "B is up to date")
        expect(not installed.with_name("impilo-desktop.previous").exists(), "A was removed")

        prove_window(bundle_a, url, version_a, version_b)

        data = bytearray(archive_b.read_bytes())
        data[len(data) // 2] ^= 0xFF
        archive_b.write_bytes(bytes(data))
        installed = install(bundle_a, WORK / "install-tampered")
        home = WORK / "home-tampered"
        result = run(installed / CLI, ["update", "--repository", url, "--install"], home)
        expect(result.returncode == 1, "the tampered archive ended the update (exit 1)")
        expect("Update refused, nothing changed" in result.stdout, "it said it was refused")
        result = run(installed / CLI, ["--version"], home)
        expect(result.stdout.strip() == f"impilo-desktop {version_a}", "the bundle is still A")

        prove_window_refuses(installed, url, version_a)
    finally:
        server.shutdown()
        server.server_close()
    print(f"Self-update proof passed in {time.monotonic() - began:.0f} s", flush=True)
    return 0


def prove_window(bundle_a: Path, url: str, version_a: str, version_b: str) -> None:
    """Step 5: the window's own update path, Restart now included."""
    installed = install(bundle_a, WORK / "install-window")
    home = window_home(WORK / "home-window", url)
    lines, pid = run_window(installed / WINDOW, home, WINDOW_ARGUMENTS)
    # On Linux the new version replaces the program in the same process (execv) as it exits,
    # with the arguments the old one was started with.
    started = f"{installed.resolve() / WINDOW} process {pid} {shlex.join(WINDOW_ARGUMENTS)}"
    expect(len(lines) == 4, "the window recorded A's start, the offer, B's start, B's check")
    expect(lines[0] == f"started {version_a} {started}", f"the window of {version_a} started")
    expect(
        lines[1] == f"ready {version_b}: Version {version_b} is ready — restart to update.",
        f"its update bar offered {version_b} (and Restart now was clicked)",
    )
    expect(
        lines[2] == f"started {version_b} {started}",
        f"the window of {version_b} started in its place as the process exited, with the"
        " same arguments",
    )
    expect(lines[3] == f"checked: Up to date (version {version_b}).", "B's window: up to date")
    result = run(installed / CLI, ["--version"], home)
    expect(result.stdout.strip() == f"impilo-desktop {version_b}", "the bundle is now B")
    expect(not installed.with_name("impilo-desktop.previous").exists(), "A was removed")
    expect(not installed.with_name("impilo-desktop.update").exists(), "nothing left unpacked")


def prove_window_refuses(installed: Path, url: str, version_a: str) -> None:
    """Step 6's window: the tampered archive is refused there too, in plain words."""
    from impilo_desktop.updates.state import PendingUpdate, UpdateFolder, UpdateSettings

    home = window_home(WORK / "home-tampered-window", url)
    lines, _pid = run_window(installed / WINDOW, home, [])
    expect(len(lines) == 2, "the window recorded its start and the refusal, nothing else")
    expect(lines[0].startswith(f"started {version_a} "), f"the window of {version_a} started")
    expect(
        lines[1].startswith("refused: An update was refused and nothing changed: the downloaded")
        and "does not match its signature" in lines[1],
        "its update bar said the update was refused (and never offered it)",
    )
    folder = UpdateFolder.of_home(home)
    last = UpdateSettings.load(folder).last_result
    expect(last.startswith("Update refused, nothing changed"), f"Settings > Updates: {last}")
    expect(PendingUpdate.load(folder) is None, "nothing waits for a restart")
    result = run(installed / CLI, ["--version"], home)
    expect(result.stdout.strip() == f"impilo-desktop {version_a}", "the bundle is still A")


if __name__ == "__main__":
    sys.exit(main())
