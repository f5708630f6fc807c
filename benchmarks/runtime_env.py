"""A coordinator's install, for the benchmarks' app processes: they do not find the modules
that `pip install .` would not install (the test and release tools' in the development
environment, packaging/runtime_modules.py). httpx, for one, imports its command line (click,
rich, pygments) whenever they are installed: ~100 ms at start and ~6 MiB that no
coordinator's app pays. The app processes get the list in `NOT_INSTALLED_ENV`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
NOT_INSTALLED_ENV = "IMPILO_BENCHMARK_NOT_INSTALLED"


def not_installed(python: str) -> list[str]:
    """The top-level modules installed for `python` that `pip install .` would not bring:
    packaging/runtime_modules.py, run by that interpreter."""
    script = str(ROOT / "packaging" / "runtime_modules.py")
    # Its complaint (a needed distribution missing) reaches the terminal.
    listed = subprocess.run([python, script], stdout=subprocess.PIPE, text=True, check=True)
    return listed.stdout.split()


class _NotInstalled(MetaPathFinder):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def hide_not_installed() -> None:
    """In an app process: from now on, the modules `NOT_INSTALLED_ENV` names are not found."""
    names = frozenset(filter(None, os.environ.get(NOT_INSTALLED_ENV, "").split(",")))
    if names:
        sys.meta_path.insert(0, _NotInstalled(names))
