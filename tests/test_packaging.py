"""The packaging inputs agree with each other: icons are current and well-formed, and the
version comes from one place. (Building the bundle itself is CI's
packaging/linux/build-and-self-test.sh.)"""

from __future__ import annotations

import ast
import importlib.util
import re
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from impilo_desktop import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_ICONS = ROOT / "resources" / "app"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_icons_come_from_the_current_svg() -> None:
    make_icons = load("make_icons")
    recorded = make_icons.STAMP.read_text(encoding="utf-8").strip()
    assert recorded == make_icons.source_stamp(), "run `python packaging/make_icons.py`"
    assert make_icons.main(["--check"]) == 0


def test_generated_png_matches_a_fresh_rendering(qapp: QApplication) -> None:
    make_icons = load("make_icons")
    fresh = QImage.fromData(make_icons.render_png(make_icons.SOURCE, 64))
    committed = QImage(str(APP_ICONS / "impilo-desktop-64.png"))
    assert committed.size() == fresh.size()
    # Pixels, not bytes: PNG encoders may differ between Qt builds.
    diff = max(
        abs(QColor(committed.pixel(x, y)).value() - QColor(fresh.pixel(x, y)).value())
        for x in range(0, 64, 4)
        for y in range(0, 64, 4)
    )
    assert diff <= 8


def test_ico_holds_every_windows_size_as_png() -> None:
    data = (APP_ICONS / "impilo-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        width, _h, _c, _r, _planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        sizes.append(width or 256)
        assert bpp == 32
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_the_retina_sizes() -> None:
    data = (APP_ICONS / "impilo-desktop.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    kinds = []
    offset = 8
    while offset < len(data):
        kind = data[offset : offset + 4].decode()
        (length,) = struct.unpack_from(">I", data, offset + 4)
        assert data[offset + 8 : offset + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind)
        offset += length
    assert offset == len(data)
    assert {"ic07", "ic08", "ic09", "ic10", "ic13", "ic14"} <= set(kinds)


def test_version_comes_from_the_package_everywhere() -> None:
    assert load("build").version() == __version__
    spec_text = (PACKAGING / "impilo-desktop.spec").read_text(encoding="utf-8")
    ast.parse(spec_text)  # the spec is valid Python
    assert "impilo_desktop" in spec_text
    assert '"__init__.py"' in spec_text
    assert not re.search(r"version\s*=\s*\"\d", spec_text)  # no hard-coded version
    iss = (PACKAGING / "windows" / "impilo-desktop.iss").read_text(encoding="utf-8")
    assert "AppVersion={#AppVersion}" in iss
    assert "PrivilegesRequired=lowest" in iss
    dmg = (PACKAGING / "macos" / "build-dmg.sh").read_text(encoding="utf-8")
    assert "impilo_desktop/__init__.py" in dmg


@pytest.mark.parametrize(
    "key",
    [
        "com.impilo.desktop",
        "NSHighResolutionCapable",
        "NSRequiresAquaSystemAppearance",
        "NSAppSleepDisabled",  # App Nap would stretch the outbox's timers
    ],
)
def test_macos_bundle_settings_are_in_the_spec(key: str) -> None:
    assert key in (PACKAGING / "impilo-desktop.spec").read_text(encoding="utf-8")


def test_the_bundle_has_a_console_program_for_the_command_line() -> None:
    spec = (PACKAGING / "impilo-desktop.spec").read_text(encoding="utf-8")
    assert "executable(APP_ID, console=False)" in spec
    assert 'executable(f"{APP_ID}-cli", console=True)' in spec
    assert "cli_exe," in spec  # in the same folder (COLLECT) as the window's program
    # QtNetwork carries the local socket a second launch reaches the open window through.
    assert '"QtNetwork",' not in spec
    build = load("build")
    assert build.bundle_executable("impilo-desktop-cli").name.startswith("impilo-desktop-cli")


def test_the_bundle_carries_the_encryption_library_and_its_licences() -> None:
    spec = (PACKAGING / "impilo-desktop.spec").read_text(encoding="utf-8")
    assert '"sqlcipher3._sqlite3"' in spec
    assert 'datas_licenses = [(str(ROOT / "packaging" / "licenses"), "licenses")]' in spec
    licences = {p.name for p in (PACKAGING / "licenses").iterdir()}
    assert {"sqlcipher3.txt", "SQLCipher.txt", "SQLite.txt", "OpenSSL.txt"} <= licences
    assert "ZETETIC LLC" in (PACKAGING / "licenses" / "SQLCipher.txt").read_text(encoding="utf-8")
    assert "Apache License" in (PACKAGING / "licenses" / "OpenSSL.txt").read_text(encoding="utf-8")
