"""Which build an installed copy takes: one update repository holds the bundles of every
platform, each under its own name (`impilo-desktop-windows-x86_64-1.2.0.tar.gz`), and a copy
is offered only the archives of its own platform and processor. Under one name for all, the
first platform added to a version would be the one every copy downloaded: a Mac installing
the Windows bundle.

The platform names are the release workflow's (`.github/workflows/release.yml`: linux-x86_64,
windows-x86_64, macos-arm64, macos-x86_64). No dependencies: `packaging/updates.py` loads
this file by its path to name what it adds."""

from __future__ import annotations

import platform
import sys

APP = "impilo-desktop"

_SYSTEMS = {"win32": "windows", "darwin": "macos", "linux": "linux"}
_MACHINES = {"amd64": "x86_64", "x64": "x86_64", "x86_64": "x86_64", "aarch64": "arm64"}


def platform_name(system: str | None = None, machine: str | None = None) -> str:
    """This computer's platform as the release names it (`macos-arm64`): `system` as
    `sys.platform` says it, `machine` as `platform.machine()` does. An x86_64 bundle running
    under Rosetta on an arm64 Mac is told x86_64, so it stays on the build it is."""
    system = system if system is not None else sys.platform
    machine = (machine if machine is not None else platform.machine()).lower()
    return f"{_SYSTEMS.get(system, system)}-{_MACHINES.get(machine, machine)}"


def archive_name(platform_tag: str | None = None) -> str:
    """tufup's name for this platform's archives (the version follows it)."""
    return f"{APP}-{platform_tag or platform_name()}"
