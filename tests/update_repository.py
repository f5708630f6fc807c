"""For the self-update tests (issue 17): an update repository made in a test's folder by
packaging/updates.py (real keys, real tufup metadata, real archives) and served over HTTP
on 127.0.0.1 while the test runs."""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import shutil
import ssl
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGING = Path(__file__).resolve().parents[1] / "packaging"


def load_packaging_updates() -> ModuleType:
    name = "packaging_updates"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / "updates.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class UpdateRepository:
    """A signed repository of app bundles (each a folder with a `version.txt`)."""

    workspace: Path
    keys: Path
    bundles: Path
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def served(self) -> Path:
        return self.workspace / "repository"

    @property
    def root_json(self) -> Path:
        return self.served / "metadata" / "root.json"

    def add(self, version: str, notes: str = "", platform: str | None = None) -> Path:
        """A bundle of `version` added and signed: a folder of this computer's platform, or
        for another `platform` its release archive, as the release workflow uploads it."""
        updates: Any = load_packaging_updates()
        if platform is None:
            bundle = self.bundles / f"here-{version}"
            bundle.mkdir(parents=True, exist_ok=True)
            (bundle / "version.txt").write_text(version, encoding="utf-8")
            (bundle / "impilo-desktop").write_bytes(b"#!/bin/sh\necho " + version.encode() + b"\n")
            archive: Path = updates.add(self.workspace, self.keys, bundle, version, notes)
            return archive
        release = release_bundle(self.bundles, platform, version)
        added: Path = updates.add(self.workspace, self.keys, release, None, notes)
        return added

    def metadata(self, role: str) -> Path:
        return self.served / "metadata" / f"{role}.json"


def program_for(platform: str) -> bytes:
    """The first bytes of a program built for `platform` (what packaging/update_bundles.py
    reads): a 64-bit ELF, PE or Mach-O header for that processor."""
    system, machine = platform.split("-", 1)
    if system == "windows":
        pe = 0x40
        head = bytearray(b"MZ" + bytes(pe - 2))
        head[0x3C:0x40] = pe.to_bytes(4, "little")
        code = {"x86_64": 0x8664, "arm64": 0xAA64}[machine]
        return bytes(head) + b"PE\0\0" + code.to_bytes(2, "little") + bytes(64)
    if system == "macos":
        cpu = {"x86_64": 0x01000007, "arm64": 0x0100000C}[machine]
        return b"\xcf\xfa\xed\xfe" + cpu.to_bytes(4, "little") + bytes(64)
    code = {"x86_64": 0x3E, "arm64": 0xB7}[machine]
    return b"\x7fELF" + bytes(14) + code.to_bytes(2, "little") + bytes(64)


def release_bundle(folder: Path, platform: str, version: str, program: bytes = b"") -> Path:
    """A release's bundle archive (`impilo-desktop-<version>-<platform>.tar.gz`) as
    packaging/build.py makes it: one folder (the .app on macOS) holding the program."""
    system = platform.split("-")[0]
    build = folder / f"build-{platform}-{version}"
    top = build / ("Impilo Desktop.app" if system == "macos" else f"impilo-desktop-{version}")
    name = {"windows": "impilo-desktop.exe", "macos": "Contents/MacOS/impilo-desktop"}
    path = top / name.get(system, "impilo-desktop")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(program or program_for(platform))
    (top / "version.txt").write_text(version, encoding="utf-8")
    archive = folder / f"impilo-desktop-{version}-{platform}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(top, arcname=top.name)
    return archive


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no access log on stderr
        pass


@contextlib.contextmanager
def serve(
    folder: Path,
    requests: list[str] | None = None,
    *,
    trickle_targets_s: float = 0.0,
    tls: ssl.SSLContext | None = None,
    redirect_to: str = "",
) -> Iterator[str]:
    """`folder` over HTTP on 127.0.0.1 (port 0) until the block ends; each path asked for
    is appended to `requests`. `trickle_targets_s`: archives are sent one byte at a time,
    that long apart (bounded by their length; stopped when the client goes). `tls`: over
    HTTPS. `redirect_to`: every request is answered with a redirect to that URL + path."""
    asked = requests if requests is not None else []

    class Recording(_Handler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if redirect_to:
                self.send_response(302)
                self.send_header("Location", redirect_to + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif trickle_targets_s and self.path.startswith("/targets/"):
                self._trickle(folder / self.path.lstrip("/"))
            else:
                super().do_GET()

        def _trickle(self, path: Path) -> None:
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(trickle_targets_s)  # the slow line under test
            except OSError:
                return  # the client gave up

    handler = functools.partial(Recording, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="update-repo", daemon=True)
    thread.start()
    try:
        scheme = "https" if tls is not None else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def served_repository(folder: Path) -> Iterator[UpdateRepository]:
    """A new repository (keys included) in `folder`, served while the block runs."""
    updates: Any = load_packaging_updates()
    repo = UpdateRepository(folder / "ws", folder / "keys", folder / "bundles")
    updates.init(repo.workspace, repo.keys)
    with serve(repo.served, repo.requests) as url:
        repo.url = url
        yield repo


def tamper(path: Path) -> None:
    """Change bytes of a published file, keeping its length."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def copy(path: Path, to: Path) -> Path:
    shutil.copyfile(path, to)
    return to
