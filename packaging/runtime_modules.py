"""What the app needs at run time, of what is installed beside it: the closure of
impilo-desktop's requirements, and the modules of everything else.

The release's environment also holds the test and release tools (the lock installs them all).
A bundle that took their modules along would load some at every start (httpx imports its
command line, and with it click, rich and pygments, whenever they are installed: ~90 ms),
and the benchmarks' runs from source, in that same environment, would pay what an installed
app does not (`pip install .` brings only the runtime requirements). Used by
impilo-desktop.spec (its excludes), third_party.py (the licences) and benchmarks/startup.py.
"""

from __future__ import annotations

import importlib.metadata as md

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

APP = "impilo-desktop"


def runtime_distributions(root: str = APP) -> dict[str, md.Distribution]:
    """Every distribution `root` needs at run time here, by canonical name (without `root`):
    markers evaluated for this interpreter and platform, and the extras a requirement asks
    for followed (none of `root`'s own). A needed distribution that is not installed is a
    broken environment: SystemExit, rather than a closure that leaves the app out."""
    found: dict[str, md.Distribution] = {}
    followed: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str], str]] = [(root, frozenset(), "this check")]
    while todo:
        name, extras, needed_by = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in followed:
            continue
        followed.add((key, extras))
        try:
            dist = found.get(key) or md.distribution(name)
        except md.PackageNotFoundError:
            raise SystemExit(f"{name}, needed by {needed_by}, is not installed here") from None
        found[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(
                marker.evaluate({"extra": extra}) for extra in ("", *sorted(extras))
            ):
                todo.append((requirement.name, frozenset(requirement.extras), name))
    found.pop(canonicalize_name(root), None)
    return found


def unneeded_modules(root: str = APP) -> list[str]:
    """Top-level modules installed here whose every distribution is outside `root`'s
    runtime closure (the app's own modules are never among them)."""
    needed = {*runtime_distributions(root), canonicalize_name(root)}
    return sorted(
        module
        for module, names in md.packages_distributions().items()
        if module.isidentifier() and not any(canonicalize_name(name) in needed for name in names)
    )


if __name__ == "__main__":
    print("\n".join(unneeded_modules()))
