"""PySide6's per-import source check keeps nothing (impilo_desktop/ui/module_sources.py)."""

from __future__ import annotations

import builtins
import linecache
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest

import impilo_desktop.ui  # noqa: F401  (installs the lighter check, as every Qt part does)
from impilo_desktop.ui.module_sources import stop_keeping_module_sources


def test_modules_imported_later_are_checked_but_their_source_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m16c_uses_qt.py").write_text("from PySide6 import QtCore\n\nX = 1\n")
    (tmp_path / "m16c_plain.py").write_text(
        "def fail():\n    raise ValueError('from a plain module')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("m16c_uses_qt", "m16c_plain"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    # PySide6's import hook, as PySide6 installs it. Its hook puts the plain import back in
    # builtins while it checks a module (PYSIDE-3054), for the whole process: when two
    # threads import at once, the one that finishes last can leave the plain import there
    # for good (seen in the suite: two threads importing the standard library's modules
    # lose it every time). Earlier tests' threads may have done that in this worker.
    monkeypatch.setattr(builtins, "__import__", builtins.__feature_import__)  # type: ignore[attr-defined]

    # `import` statements (builtins.__import__, which PySide6 hooks), not importlib.
    plain = __import__("m16c_plain")
    __import__("m16c_uses_qt")

    assert stop_keeping_module_sources()  # installed (and installing again changes nothing)
    kept = [f for f in linecache.cache if Path(f).parent == tmp_path]
    assert kept == []
    # PySide6 still tells the two apart, as its own check did.
    decided = sys.modules["shibokensupport.feature"].pyside_feature_dict
    assert decided["m16c_uses_qt"] == 0
    assert decided["m16c_plain"] == -1
    # A traceback still shows the line that failed.
    with pytest.raises(ValueError, match="plain module") as raised:
        plain.fail()
    text = "".join(traceback.format_exception(raised.value))
    assert "raise ValueError('from a plain module')" in text


def test_a_loader_that_cannot_give_the_source_means_no_pyside() -> None:
    class BrokenLoader:
        def get_source(self, name: str) -> str:
            raise RuntimeError("no source here")

    module = ModuleType("m16c_broken")
    module.__loader__ = BrokenLoader()  # type: ignore[assignment]
    check = sys.modules["shibokensupport.feature"]._mod_uses_pyside
    assert check(module) is False  # answered, not raised into the import that asked
    assert check(ModuleType("m16c_no_loader")) is False


def test_a_check_with_another_signature_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    feature = sys.modules["shibokensupport.feature"]

    def newer_check(module: ModuleType, name: str) -> bool:  # a release asking more
        return False

    monkeypatch.setattr(feature, "_mod_uses_pyside", newer_check)
    assert not stop_keeping_module_sources()
    assert feature._mod_uses_pyside is newer_check
