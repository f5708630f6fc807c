"""The large sandbox in a process of its own, for benchmarks that measure the app against it:
the server's memory and CPU stay out of the app's numbers."""

from __future__ import annotations

import os
import socket
from multiprocessing.synchronize import Event


def serve(port: int, patients: int, orders: int, ready: Event, stop: Event) -> None:
    """Serve on 127.0.0.1:`port` until `stop`, or until the benchmark that started it is gone
    (no orphaned server when it died without saying so)."""
    from impilo_desktop.sandbox import SandboxServer, SeedSize

    server = SandboxServer(
        port=port, seed_size=SeedSize(patients=patients, orders=orders, history_days=730)
    ).start()
    ready.set()
    parent = os.getppid()
    while not stop.wait(1.0) and os.getppid() == parent:
        pass
    server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
