"""Does each lock still meet pyproject.toml? Every requirement that applies on the lock's
platform must be pinned there, at a version inside its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# The marker environment of each lock's platform (what pyproject's markers are tested with).
PLATFORMS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def pins(lock: Path) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in _PIN.findall(lock.read_text(encoding="utf-8"))}


def requirements(pyproject: Path) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        texts += extra
    return [Requirement(text) for text in texts]


def problems(pyproject: Path, locks: list[Path]) -> list[str]:
    found: list[str] = []
    wanted = requirements(pyproject)
    if not locks:
        return ["no lock files"]
    for lock in locks:
        system, _, machine = lock.stem.partition("-")
        env = {**PLATFORMS[system], "platform_machine": machine, "python_version": "3.11"}
        pinned = pins(lock)
        for req in wanted:
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            version = pinned.get(canonicalize_name(req.name))
            if version is None:
                found.append(f"{lock.name}: {req.name} is not pinned")
            elif not req.specifier.contains(version, prereleases=True):
                found.append(f"{lock.name}: {req.name}=={version} is outside {req.specifier}")
    return found
