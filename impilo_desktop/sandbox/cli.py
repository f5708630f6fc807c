"""`impilo-desktop sandbox`: run the sandbox server standalone until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from impilo_desktop.config import DEFAULT_SANDBOX_PORT
from impilo_desktop.sandbox.demo import DEMO_API_KEY
from impilo_desktop.sandbox.faults import Faults
from impilo_desktop.sandbox.state import DEFAULT_PROGRESS_SECONDS


def add_sandbox_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register the `sandbox` sub-command."""
    parser = subparsers.add_parser(
        "sandbox",
        parents=[common],
        help="run the built-in Impilo sandbox API on this computer",
        description=(
            "Serve an Impilo-compatible API with seeded demo data on 127.0.0.1 until Ctrl+C."
            f" Without --api-key it accepts the public demo key {DEMO_API_KEY!r}."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_SANDBOX_PORT, help="port (0 picks a free one)"
    )
    parser.add_argument("--api-key", help="the key clients must send (default: the demo key)")
    parser.add_argument("--seed-size", choices=("standard", "large"), default="standard")
    parser.add_argument("--random-seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument(
        "--progress-seconds",
        type=float,
        default=DEFAULT_PROGRESS_SECONDS,
        help="seconds per status step of a new order (orderPlaced -> ... -> delivered)",
    )
    parser.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="e.g. latency=0.05,error=0.1,ratelimit=0.05,retry_after=1,drop=0.02,"
        "drop_after_create=0.1,slow=0.5,malformed=0.02",
    )
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    """Start, print where to connect, and wait for Ctrl+C / SIGTERM."""
    try:
        faults = Faults.parse(args.faults)
        if "seed=" not in args.faults:
            faults.seed = args.random_seed
        from impilo_desktop.sandbox.server import SandboxServer

        server = SandboxServer(
            port=args.port,
            api_key=args.api_key or DEMO_API_KEY,
            seed_size=args.seed_size,
            faults=faults,
            random_seed=args.random_seed,
            progress_seconds=args.progress_seconds,
        )
    except ValueError as error:
        print(f"impilo-desktop sandbox: {error}", file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as error:
        print(
            f"impilo-desktop sandbox: cannot listen on port {args.port}: {error}", file=sys.stderr
        )
        return 1
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    key_note = DEMO_API_KEY if not args.api_key else "(the key given with --api-key)"
    print(f"Impilo sandbox listening on {server.base_url}", flush=True)
    print(f"API base URL: {server.api_url}", flush=True)
    print(f"API key: {key_note}", flush=True)
    if faults.spec():
        print(f"Faults: {faults.spec()}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    print("Sandbox stopped.", flush=True)
    return 0
