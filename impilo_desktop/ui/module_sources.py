"""PySide6 reads the source of every module imported after it, and Python keeps it.

To know whether a module uses PySide6's `__feature__` switches, PySide6 (6.4 and later,
PYSIDE-2029) looks for the text "PySide6" in the source of each module imported after it,
through `inspect.getsource`, which reads the file into `linecache` and leaves every line
there for the rest of the process. For the ~450 modules the window imports (ours, pydantic,
httpx, ...) that was 6.6 MiB of text in line strings, 15.5 MiB of the Python heap and 14-17
MiB of resident memory at window up (docs/performance.md "Memory", round 3).

`stop_keeping_module_sources` gives PySide6 the same answer from the module's loader
(`get_source` reads the file and keeps nothing) and forgets the sources cached until then.
Tracebacks still show source lines: `linecache` reads a file again when one is formatted.
If a PySide6 release drops or renames the check, or calls it with anything but the module,
nothing is changed.

PySide6's hook puts the plain import back in builtins while it checks a module
(PYSIDE-3054), for the whole process, so two threads importing at once can leave the plain
import installed: modules imported after that are no longer checked at all. Harmless here
(the app uses no `__feature__` switch), and no more likely with this check than with
PySide6's own: both read the file.
"""

from __future__ import annotations

import inspect
import linecache
import sys
from types import ModuleType

_FEATURE = "shibokensupport.feature"  # PySide6's own name for PySide6.support.feature
_CHECK = "_mod_uses_pyside"


def _uses_pyside(module: ModuleType) -> bool:
    """PySide6's answer (does the source mention "PySide6"?), without `linecache`."""
    loader = getattr(module, "__loader__", None)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        return False  # built in, or no source: what PySide6's check answers too
    try:
        source = get_source(getattr(module, "__name__", ""))
    except Exception:  # any loader's failure: answer "no", never fail the import it checks
        return False
    return isinstance(source, str) and "PySide6" in source


def _takes_one_module(check: object) -> bool:
    """Whether PySide6's check is still called with the module alone, as `_uses_pyside` is:
    replaced under a changed signature, every import after PySide6 would fail."""
    try:
        parameters = list(inspect.signature(check).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return len(parameters) == 1 and parameters[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def stop_keeping_module_sources() -> bool:
    """Install the lighter check (once PySide6 is imported). True when it was installed."""
    import PySide6  # noqa: F401  (loads PySide6's support modules, the check among them)

    feature = sys.modules.get(_FEATURE)
    check = getattr(feature, _CHECK, None)
    if feature is None or not callable(check):
        return False
    if check is not _uses_pyside and not _takes_one_module(check):
        return False  # a release that asks something else: leave its check alone
    if getattr(feature, _CHECK) is not _uses_pyside:
        setattr(feature, _CHECK, _uses_pyside)
        linecache.clearcache()  # the modules checked so far (start-up: nothing else runs yet)
    return True
