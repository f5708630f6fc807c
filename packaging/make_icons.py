"""Render the app icon SVG into the files installers and desktops need.

    python packaging/make_icons.py          # rewrite resources/app/*.png, .ico, .icns
    python packaging/make_icons.py --check  # exit 1 if the SVG changed since (or files missing)

Input: resources/app/impilo-desktop.svg. Output beside it: impilo-desktop-<N>.png (Linux
desktops, the window icon), impilo-desktop.ico (Windows: executable, installer, shortcuts) and
impilo-desktop.icns (macOS bundle). Qt renders the SVG (QtSvg); the .ico and .icns containers
are written here with PNG-compressed entries, which Windows Vista+ and macOS 10.7+ read, so no
platform tool (iconutil, ImageMagick) is needed and any machine can regenerate them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "resources" / "app"
SOURCE = APP_DIR / "impilo-desktop.svg"
STEM = "impilo-desktop"
STAMP = APP_DIR / "icons.sha256"  # source_stamp() of the SVG the committed files came from

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (OSType, pixel size): the PNG-based entries of a modern .icns, including @2x variants.
ICNS_ENTRIES = (
    ("icp4", 16),
    ("icp5", 32),
    ("ic11", 32),  # 16@2x
    ("icp6", 64),
    ("ic12", 64),  # 32@2x
    ("ic07", 128),
    ("ic08", 256),
    ("ic13", 256),  # 128@2x
    ("ic09", 512),
    ("ic14", 512),  # 256@2x
    ("ic10", 1024),  # 512@2x
)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered to a square, antialiased, transparent PNG of `size` pixels."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes, runtime wants str
    buffer.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO container (ICONDIR + ICONDIRENTRY per size) holding PNG images."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, blobs = b"", b""
    for size in ICO_SIZES:
        blob = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the ICO format
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS container ('icns' + big-endian length, then typed PNG chunks)."""
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_ENTRIES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def generate(svg: Path = SOURCE) -> dict[Path, bytes]:
    """Every output file and its bytes (nothing is written)."""
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])  # QtSvg needs a GUI app
    pngs = {size: render_png(svg, size) for size in PNG_SIZES}
    files = {APP_DIR / f"{STEM}-{size}.png": pngs[size] for size in PNG_SIZES}
    files[APP_DIR / f"{STEM}.ico"] = build_ico(pngs)
    files[APP_DIR / f"{STEM}.icns"] = build_icns(pngs)
    return files


def source_stamp(svg: Path = SOURCE) -> str:
    """What the generated files depend on: the SVG's bytes and the sizes asked for. Compared
    instead of the PNG bytes, which may differ between Qt builds and zlib versions."""
    digest = hashlib.sha256(svg.read_bytes())
    digest.update(repr((PNG_SIZES, ICO_SIZES, ICNS_ENTRIES)).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stamp = source_stamp()
    recorded = STAMP.read_text(encoding="utf-8").strip() if STAMP.is_file() else ""
    if args.check:
        outputs = [APP_DIR / f"{STEM}-{size}.png" for size in PNG_SIZES]
        outputs += [APP_DIR / f"{STEM}.ico", APP_DIR / f"{STEM}.icns"]
        missing = [p for p in outputs if not p.is_file()]
        for path in missing:
            print(f"missing {path.relative_to(ROOT)}")
        if recorded != stamp:
            print(f"stale: {SOURCE.relative_to(ROOT)} changed since the icons were generated")
        return 1 if (missing or recorded != stamp) else 0
    for path, data in generate().items():
        if not (path.is_file() and path.read_bytes() == data):
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    STAMP.write_text(stamp + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
