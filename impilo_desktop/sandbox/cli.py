"""`impilo-desktop sandbox`: run the sandbox server standalone until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from impilo_desktop.config import DEFAULT_SANDBOX_PORT
from impilo_desktop.sandbox.demo import DEMO_API_KEY
from impilo_desktop.sandbox.faults import Faults
from impilo_desktop.sandbox.state import DEFAULT_PROGRESS_SECONDS

# The key can come from here or from a file, so that it never shows in process lists (`ps`).
API_KEY_ENV = "IMPILO_SANDBOX_API_KEY"


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
            " The key clients must send comes from --api-key, --api-key-file or the"
            f" {API_KEY_ENV} environment variable (in that order); without any of them it"
            f" accepts the public demo key {DEMO_API_KEY!r}. --api-key shows in process lists"
            " (ps) for every user of this computer; the file and the variable do not."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_SANDBOX_PORT, help="port (0 picks a free one)"
    )
    key = parser.add_mutually_exclusive_group()
    key.add_argument(
        "--api-key",
        metavar="KEY",
        help=f"the key clients must send (visible in ps; prefer --api-key-file or {API_KEY_ENV})",
    )
    key.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="read the key clients must send from the first line of this file",
    )
    parser.add_argument("--seed-size", choices=("standard", "large"), default="standard")
    parser.add_argument("--random-seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument(
        "--progress-seconds",
        type=float,
        default=DEFAULT_PROGRESS_SECONDS,
        help="seconds per status step of a new order (orderPlaced -> ... -> delivered)",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep the orders placed or voided (and their ids) in FILE across restarts;"
        " without it they last until the sandbox stops",
    )
    parser.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="e.g. latency=0.05,error=0.1,ratelimit=0.05,retry_after=1,drop=0.02,"
        "drop_after_create=0.1,slow=0.5,malformed=0.02",
    )
    parser.set_defaults(handler=run_sandbox)


def chosen_key(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str]:
    """(the key, what to print for it): --api-key, --api-key-file, the environment, else the
    public demo key. A key the user chose is never printed. ValueError says what is wrong."""
    if args.api_key:
        return args.api_key, "(the key given with --api-key)"
    if args.api_key_file:
        path = Path(args.api_key_file)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read the key file {path}: {error}") from None
        if not text:
            raise ValueError(f"the key file {path} is empty")
        return text.splitlines()[0].strip(), f"(the key in {path})"
    from_env = env.get(API_KEY_ENV, "").strip()
    if from_env:
        return from_env, f"(the key in {API_KEY_ENV})"
    return DEMO_API_KEY, DEMO_API_KEY


def run_sandbox(args: argparse.Namespace) -> int:
    """Start, print where to connect, and wait for Ctrl+C / SIGTERM."""
    try:
        api_key, key_note = chosen_key(args, os.environ)
        faults = Faults.parse(args.faults)
        if "seed=" not in args.faults:
            faults.seed = args.random_seed
        from impilo_desktop.sandbox.server import SandboxServer

        server = SandboxServer(
            port=args.port,
            api_key=api_key,
            seed_size=args.seed_size,
            faults=faults,
            random_seed=args.random_seed,
            progress_seconds=args.progress_seconds,
            state_file=args.state,
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
    print(f"Impilo sandbox listening on {server.base_url}", flush=True)
    print(f"API base URL: {server.api_url}", flush=True)
    print(f"API key: {key_note}", flush=True)
    if server.state_file is not None:
        if server.state_file.problem:
            print(
                f"impilo-desktop sandbox: {server.state_file.problem}", file=sys.stderr, flush=True
            )
        print(f"Orders kept in: {server.state_file.path}", flush=True)
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
        server.close()
    print("Sandbox stopped.", flush=True)
    return 0
