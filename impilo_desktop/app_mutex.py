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
        self._keep: object = None

    @property
    def held(self) -> bool:
        return bool(self._handles)

    def hold(self) -> None:
        if sys.platform != "win32" or self._handles:
            return
        import ctypes
        from ctypes import wintypes

        class SecurityAttributes(ctypes.Structure):
            _fields_ = (
                ("nLength", wintypes.DWORD),
                ("lpSecurityDescriptor", wintypes.LPVOID),
                ("bInheritHandle", wintypes.BOOL),
            )

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
        create = kernel32.CreateMutexW
        create.argtypes = (ctypes.POINTER(SecurityAttributes), wintypes.BOOL, wintypes.LPCWSTR)
        create.restype = wintypes.HANDLE
        # A descriptor with no access list: the global mutex made by the first user's copy
        # can be opened by a second user's (the default would refuse them, and their copy
        # would hold only its session's name, which a per-machine setup does not see).
        descriptor = ctypes.create_string_buffer(64)  # SECURITY_DESCRIPTOR_MIN_LENGTH: 40
        advapi32.InitializeSecurityDescriptor(descriptor, 1)  # SECURITY_DESCRIPTOR_REVISION
        advapi32.SetSecurityDescriptorDacl(descriptor, True, None, False)
        attributes = SecurityAttributes(
            ctypes.sizeof(SecurityAttributes), ctypes.cast(descriptor, wintypes.LPVOID), False
        )
        self._keep = descriptor  # alive as long as the handles, for good measure
        for name in MUTEX_NAMES:
            handle = create(ctypes.byref(attributes), False, name)
            if handle:
                self._handles.append(handle)
            else:  # e.g. the global namespace refused: the session's name still works
                log.info("No mutex %s (error %d)", name, ctypes.get_last_error())

    def release(self) -> None:
        if sys.platform != "win32" or not self._handles:
            return
        import ctypes
        from ctypes import wintypes

        close = ctypes.WinDLL("kernel32").CloseHandle
        close.argtypes = (wintypes.HANDLE,)
        close.restype = wintypes.BOOL
        for handle in self._handles:
            close(handle)
        self._handles.clear()
