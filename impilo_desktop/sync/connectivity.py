"""Whether Impilo can be reached with our key, as last seen by any sync or refresh."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum

from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    ProxyRefused,
    Unreachable,
    UntrustedCertificate,
)

log = logging.getLogger(__name__)


class ConnectivityState(StrEnum):
    """unknown (nothing tried yet), online, offline (no answer), untrusted (a certificate on
    the way failed verification), proxy (the proxy did not let us through), unauthorized (key
    refused). Offline, untrusted and proxy all mean nothing can be sent (`NO_CONNECTION`)."""

    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    UNTRUSTED = "untrusted"
    PROXY = "proxy"
    UNAUTHORIZED = "unauthorized"


# The states in which Impilo cannot be reached at all: wait, and keep checking.
NO_CONNECTION = frozenset(
    {ConnectivityState.OFFLINE, ConnectivityState.UNTRUSTED, ConnectivityState.PROXY}
)


Listener = Callable[[ConnectivityState, str], None]


class Connectivity:
    """The current state plus change notifications.

    Listeners are called as `listener(state, message)` on the thread that reported the change
    (the sync thread); a UI must hop to its own thread (the shell's OutboxController does).
    A listener that raises is logged and does not stop the others.
    """

    def __init__(self) -> None:
        self._state = ConnectivityState.UNKNOWN
        self._message = ""
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    @property
    def state(self) -> ConnectivityState:
        return self._state

    @property
    def message(self) -> str:
        """Plain-language reason for the current state ("" when online)."""
        return self._message

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def set(self, state: ConnectivityState, message: str = "") -> None:
        """Change the state; listeners hear only about real changes."""
        with self._lock:
            changed = state != self._state or message != self._message
            self._state, self._message = state, message
            listeners = list(self._listeners) if changed else []
        for listener in listeners:
            try:
                listener(state, message)
            except Exception:
                log.exception("Connectivity listener failed")

    def report_success(self) -> None:
        """Impilo answered and accepted the key."""
        self.set(ConnectivityState.ONLINE)

    def report_error(self, error: ImpiloError) -> None:
        """Derive the state from an API error: no answer is offline (or untrusted, or the
        proxy's refusal), a refused key is unauthorized, and any other answer means the server
        is reachable."""
        if isinstance(error, AuthenticationError):
            self.set(ConnectivityState.UNAUTHORIZED, error.message)
        elif isinstance(error, UntrustedCertificate):
            self.set(ConnectivityState.UNTRUSTED, error.message)
        elif isinstance(error, ProxyRefused):
            self.set(ConnectivityState.PROXY, error.message)
        elif isinstance(error, Unreachable):
            self.set(ConnectivityState.OFFLINE, error.message)
        else:
            self.set(ConnectivityState.ONLINE)
