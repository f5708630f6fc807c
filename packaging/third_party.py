"""The licences of everything the bundle carries, gathered at build time.

Each Python distribution the app needs at run time (the closure of impilo-desktop's
requirements in the building interpreter, markers evaluated for this platform) contributes
the licence files of its dist-info; Python's own licence comes from the interpreter. The
bundle gets them under `licenses/third-party/`, with THIRD-PARTY.txt listing every
distribution, its version and licence. The spec calls `collect`; `tests/test_release.py`
checks that nothing the app needs is left without a licence file.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import shutil
import sys
from pathlib import Path

from runtime_modules import runtime_distributions  # packaging/, beside this file

ROOT = Path(__file__).resolve().parents[1]
# Wheels that carry no licence file of their own: the texts they are under, kept in
# packaging/licenses/ (PySide6 and shiboken6: LGPL-3.0-only, offered also as GPL).
KEPT_HERE = {
    "pyside6-essentials": ("LGPL-3.0.txt", "GPL-3.0.txt"),
    "shiboken6": ("LGPL-3.0.txt", "GPL-3.0.txt"),
    # macOS only (pypac reads the system proxy through it). pyobjc-core 13.0's wheel has no
    # licence file; its MIT licence is the one pyobjc-framework-Cocoa's wheel carries.
    "pyobjc-core": ("PyObjC.txt",),
}
_LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.I)


def licence_files(dist: md.Distribution) -> list[Path]:
    files = []
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if parts and parts[0].endswith(".dist-info") and _LICENCE_FILE.search(parts[-1]):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                files.append(path)
    return files


def licence_name(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if expression:
        return expression
    text = (meta.get("License") or "").strip().splitlines()
    if text and len(text[0]) < 80:
        return text[0]
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    return ", ".join(classifiers) or "see the licence files"


def collect(dest: Path) -> list[str]:
    """Write every runtime distribution's licence files (and Python's) under `dest`; return
    the names of those with none (empty when complete)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    index = ["Third-party software in Impilo Desktop, and the licences it is under.", ""]
    missing: list[str] = []
    python = (
        Path(sys.base_prefix)
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "LICENSE.txt"
    )
    if not python.is_file():  # Windows keeps it beside the interpreter
        python = Path(sys.base_prefix) / "LICENSE.txt"
    entries = [("Python", sys.version.split()[0], "PSF-2.0", [python] if python.is_file() else [])]
    for key, dist in sorted(runtime_distributions().items()):
        files = licence_files(dist)
        files += [ROOT / "packaging" / "licenses" / name for name in KEPT_HERE.get(key, ())]
        entries.append((dist.metadata["Name"], dist.version, licence_name(dist), files))
    for name, version, licence, files in entries:
        if not files:
            missing.append(name)
        folder = dest / f"{name}-{version}"
        folder.mkdir()
        for file in files:
            shutil.copyfile(file, folder / file.name)
        index.append(f"{name} {version}: {licence} ({folder.name}/)")
    (dest / "THIRD-PARTY.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
    return missing


def system_library_notices(internal: Path) -> list[str]:
    """Linux: the copyright file of the Debian package of each system library PyInstaller
    copied into the bundle (X11/xcb, GTK for Qt's GTK theme, OpenSSL, ...), under
    `licenses/system/`, listed in SYSTEM-LIBRARIES.txt. Libraries that are links into a
    Python package of the bundle (Qt's, ICU's from the PySide6 wheel) are covered by that
    package's licence; libpython by Python's. Returns the libraries it could not attribute;
    on a system without dpkg, a one-line reason (nothing is collected)."""
    if shutil.which("dpkg-query") is None or shutil.which("ldconfig") is None:
        return [
            "this system has no dpkg: the bundled system libraries' licences were not collected"
        ]
    import subprocess

    found = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    system_paths: dict[str, str] = {}
    for line in found.splitlines():
        name, _, path = line.strip().partition(" => ")
        system_paths.setdefault(name.split(" ", 1)[0], path.strip())
    libraries = sorted(
        p.name
        for p in internal.iterdir()
        if ".so" in p.name
        and not p.is_symlink()
        and p.is_file()
        and not p.name.startswith("libpython")
        and not p.name.endswith((".cpython-311-x86_64-linux-gnu.so", ".abi3.so"))
        and "cpython" not in p.name
    )
    dest = internal / "licenses" / "system"
    dest.mkdir(parents=True, exist_ok=True)
    index = [
        "System libraries in the Linux bundle: the Debian package of each, its copyright file.",
        "",
    ]
    missing = []
    for library in libraries:
        path = system_paths.get(library)
        package = None
        for candidate in (path, str(Path("/usr") / Path(path).relative_to("/")) if path else None):
            if not candidate:
                continue
            answer = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
            if answer.returncode == 0:
                package = answer.stdout.split(":", 1)[0].strip()
                break
        copyright_file = Path("/usr/share/doc") / (package or "-") / "copyright"
        if package is None or not copyright_file.is_file():
            missing.append(library)
            continue
        shutil.copyfile(copyright_file, dest / f"{package}.txt")
        index.append(f"{library}: {package} ({package}.txt)")
    (dest / "SYSTEM-LIBRARIES.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
    return missing
