"""Regenerate the locks: one per platform the release workflow builds on, every file hashed.

    python -m pip install uv        # once
    python packaging/lock.py        # all four, from pyproject.toml's ranges

uv resolves for another platform than the one it runs on, so all four are made here. The
existing locks are removed first: uv would otherwise keep their versions as preferences.
`python packaging/release.py check-locks` (in .ci/run) fails when pyproject.toml's ranges
change and the locks were not regenerated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "packaging" / "locks"
PYTHON = "3.11"
EXTRAS = ("test", "packaging", "release")
# lock name -> uv's target platform. Linux: manylinux_2_34 is what PySide6 6.10+ is built for
# (glibc 2.34+: Ubuntu 22.04, Debian 12 and newer).
TARGETS = {
    "linux-x86_64": "x86_64-manylinux_2_34",
    "windows-x86_64": "x86_64-pc-windows-msvc",
    "macos-arm64": "aarch64-apple-darwin",
    "macos-x86_64": "x86_64-apple-darwin",
}


def main() -> int:
    LOCKS.mkdir(exist_ok=True)
    for name, target in TARGETS.items():
        out = LOCKS / f"{name}.txt"
        out.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", "--quiet"]
        for extra in EXTRAS:
            cmd += ["--extra", extra]
        cmd += ["--generate-hashes", "--python-version", PYTHON, "--python-platform", target]
        cmd += ["-o", str(out.relative_to(ROOT))]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
