"""A named mutex held while the window is open, so the Windows installer can tell that Impilo
Desktop is running (Inno Setup's `AppMutex`, packaging/windows/impilo-desktop.iss) and wait for
it to close instead of replacing files under it. Elsewhere it does nothing: the installers of
macOS and Linux do not replace a running app's files."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

# Both names: the session's own, and the global one that setup run in another session (an
# administrator's, or a silent per-machine install from IT's tools) sees too.
MUTEX_NAMES = ("ImpiloDesktopRunning", "Global\\ImpiloDesktopRunning")


class RunningMutex:
    """`hold()` once the window is the one copy; `release()` when it closes."""

    def __init__(self) -> None:
        self._handles: list[int] = []

    @property
    def held(self) -> bool:
        return bool(self._handles)

    def hold(self) -> None:
        if sys.platform != "win32" or self._handles:
            return
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        create = kernel32.CreateMutexW
        create.argtypes = (wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR)
        create.restype = wintypes.HANDLE
        for name in MUTEX_NAMES:
            handle = create(None, False, name)
            if handle:
                self._handles.append(handle)
            else:  # e.g. the global namespace refused: the session's name still works
                log.info("No mutex %s (error %d)", name, ctypes.get_last_error())

    def release(self) -> None:
        if sys.platform != "win32" or not self._handles:
            return
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32")
        for handle in self._handles:
            kernel32.CloseHandle(handle)
        self._handles.clear()
