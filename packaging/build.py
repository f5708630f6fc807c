"""One command per platform: build the bundle, prove it with its self-test, wrap it.

    python packaging/build.py                 # this platform's release artefact
    python packaging/build.py --no-installer  # bundle + self-test only (what Linux CI runs)

The bundle holds two programs: `impilo-desktop` (the window) and `impilo-desktop-cli` (the
command line, a console program on Windows); the self-test runs both.

Linux:   dist/impilo-desktop/ (onedir) -> dist/impilo-desktop-<version>-linux-<arch>.tar.gz
Windows: dist/impilo-desktop/ -> Inno Setup -> dist/impilo-desktop-<version>-setup.exe
macOS:   dist/Impilo Desktop.app -> packaging/macos/build-dmg.sh (sign, notarise) -> .dmg

Needs the project's `packaging` extra (PyInstaller) in the running interpreter; on Windows,
Inno Setup 6 (`iscc` on PATH or ISCC env var); on macOS, Xcode's command-line tools.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "impilo-desktop.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
APP_ID = "impilo-desktop"
APP_NAME = "Impilo Desktop"
# gzip's own default, for every archive of a bundle (the Linux release tarball here, and the
# update repository's archives, packaging/update_bundles.py): tarfile's default, 9, took 31 s
# for a 195 MB bundle against 11 s at 6, and its archive is only 0.4% smaller (82.0 against
# 82.4 MiB). Unpacking is as fast either way.
GZIP_LEVEL = 6


def version() -> str:
    """The one version, from impilo_desktop/__init__.py (read, not imported)."""
    text = (ROOT / "impilo_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("no __version__ in impilo_desktop/__init__.py")
    return match.group(1)


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def bundle_executable(name: str = APP_ID) -> Path:
    """The bundle's windowed program, or `name` (e.g. the console one) beside it."""
    if sys.platform == "darwin":
        return DIST / f"{APP_NAME}.app" / "Contents" / "MacOS" / name
    return DIST / APP_ID / (f"{name}.exe" if sys.platform == "win32" else name)


def check_icons() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_icons.py"), "--check"],
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("App icons are stale: run `python packaging/make_icons.py` and commit.")


def build_bundle() -> float:
    began = time.monotonic()
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={DIST}",
            f"--workpath={WORK}",
            str(SPEC),
        ]
    )
    if sys.platform.startswith("linux"):
        system_library_licences()
    return time.monotonic() - began


def system_library_licences() -> None:
    """Linux: the system libraries PyInstaller copied in carry their Debian copyright files
    (packaging/third_party.py); a library that cannot be attributed stops the build."""
    sys.path.insert(0, str(ROOT / "packaging"))
    from third_party import system_library_notices

    missing = system_library_notices(DIST / APP_ID / "_internal")
    if missing and missing[0].startswith("this system has no dpkg"):
        print("WARNING:", missing[0], flush=True)
    elif missing:
        raise SystemExit(f"No licence found for the bundled {', '.join(missing)}")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def self_test(timeout: float) -> None:
    exe = bundle_executable()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [str(exe), "--self-test", f"--self-test-timeout={timeout:.0f}"]
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, env=env, timeout=timeout + 60, check=False)
    if result.returncode != 0:
        raise SystemExit(f"The bundle's self-test failed (exit code {result.returncode}).")


def console_self_test() -> None:
    """The console program beside the window's prints and exits 0: its version, the outbox
    of a fresh home (what support asks a coordinator to run first), and `update` with no
    repository (never the network): it imports tuf and tufup, and tufup imports setuptools,
    which the bundle carries without PyInstaller's setuptools hook (the spec). A build
    machine whose organisation fixes the repository refuses `--repository` (exit 2, after
    the same imports): that passes too."""
    exe = bundle_executable(f"{APP_ID}-cli")
    with tempfile.TemporaryDirectory(prefix="impilo-cli-test-") as home:
        env = {**os.environ, "IMPILO_DESKTOP_HOME": home}
        env.pop("IMPILO_API_KEY", None)
        # Never the builder's own keychain: no keyring, so the database key comes from a
        # passphrase (the store it makes is encrypted, as a coordinator's would be).
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        env["IMPILO_DATABASE_PASSPHRASE"] = "console self-test"
        env.pop("IMPILO_DESKTOP_POLICY", None)  # the builder's own policy file, if any
        for args in (
            ["--version"],
            ["outbox", "--profile", "sandbox"],
            ["update", "--repository", ""],
        ):
            cmd = [str(exe), *args]
            print("+", " ".join(cmd), flush=True)
            result = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            print(result.stdout, end="", flush=True)
            if args[0] == "update" and (
                (result.returncode == 0 and "No update repository is set" in result.stdout)
                or (result.returncode == 2 and "Your organisation sets" in result.stderr)
            ):
                continue
            if args[0] == "update" or result.returncode != 0 or not result.stdout.strip():
                raise SystemExit(
                    f"{exe.name} {' '.join(args)} failed (exit code {result.returncode}, "
                    f"output {result.stdout!r}, errors {result.stderr[-2000:]!r})"
                )


def platform_names() -> Any:
    """impilo_desktop/updates/platform_name.py, loaded by its path (the packaging scripts run
    from a checkout without the app installed): the app and its releases agree on the names
    (linux-x86_64, windows-x86_64, macos-arm64, macos-x86_64)."""
    name = "impilo_update_platform_name"
    if name not in sys.modules:
        path = ROOT / "impilo_desktop" / "updates" / "platform_name.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def bundle_archive_path() -> Path:
    return DIST / f"{APP_ID}-{version()}-{platform_names().platform_name()}.tar.gz"


def bundle_archive() -> Path:
    """The bundle as built (signed, on Windows and macOS, once `release.py package` ran), as
    `impilo-desktop-<version>-<platform>.tar.gz` holding one folder: the onedir folder, or
    the .app. The Linux release artefact, and on every platform what the update repository
    is given (`packaging/updates.py add --bundle` reads the version and platform from its
    name), so the update is the build the release tested and signed."""
    target = bundle_archive_path()
    if sys.platform == "darwin":
        folder, arcname = DIST / f"{APP_NAME}.app", f"{APP_NAME}.app"
    else:
        folder, arcname = DIST / APP_ID, f"{APP_ID}-{version()}"
    with tarfile.open(target, "w:gz", compresslevel=GZIP_LEVEL) as archive:
        archive.add(folder, arcname=arcname)
    return target


def windows_installer(extra: list[str] | None = None) -> Path:
    """Inno Setup over the bundle; `extra` are more `iscc` options (signing: release.py)."""
    iscc = os.environ.get("ISCC") or shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
        candidate = default / "Inno Setup 6" / "ISCC.exe"
        iscc = str(candidate) if candidate.is_file() else None
    if iscc is None:
        raise SystemExit("Inno Setup 6 not found: install it or set ISCC to ISCC.exe")
    run(
        [
            iscc,
            f"/DAppVersion={version()}",
            *(extra or []),
            str(ROOT / "packaging" / "windows" / "impilo-desktop.iss"),
        ]
    )
    return DIST / f"{APP_ID}-{version()}-setup.exe"


def macos_dmg() -> Path:
    run(["bash", str(ROOT / "packaging" / "macos" / "build-dmg.sh")])
    return DIST / f"{APP_ID}-{version()}-macos-{platform.machine()}.dmg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build this platform's release of Impilo Desktop.")
    parser.add_argument("--no-installer", action="store_true", help="stop after the self-test")
    parser.add_argument("--skip-self-test", action="store_true", help="do not run the bundle")
    parser.add_argument("--self-test-timeout", type=float, default=90.0)
    args = parser.parse_args(argv)

    check_icons()
    seconds = build_bundle()
    onedir = DIST / (f"{APP_NAME}.app" if sys.platform == "darwin" else APP_ID)
    size_mb = folder_size(onedir) / 1e6
    print(f"Bundle {onedir.relative_to(ROOT)}: {size_mb:.0f} MB, built in {seconds:.0f} s")
    if not args.skip_self_test:
        self_test(args.self_test_timeout)
        console_self_test()
    if args.no_installer:
        return 0
    if sys.platform == "win32":
        artefact = windows_installer()
    elif sys.platform == "darwin":
        artefact = macos_dmg()
    else:
        artefact = bundle_archive()
    print(f"Release artefact: {artefact.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
