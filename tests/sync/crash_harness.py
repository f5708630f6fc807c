"""What the crash tests share: `sync --once` processes run against a standalone sandbox and
SIGKILLed at random moments once they have started the dangerous part (a create, a PATCH),
then one clean pass that must finish the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

Started = Callable[[subprocess.Popen[bytes], float], None]
"""started(proc, since): returns once `proc` has begun the dangerous part after `since` (or
has ended); raises TimeoutExpired when it never does (the caller kills it)."""


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "impilo_desktop", *args]


def sync_env(app_home: Path) -> dict[str, str]:
    """The environment of a `sync` child: this test's home, and no API key of the caller's
    (the sandbox profile falls back to the demo key)."""
    env = {**os.environ, "IMPILO_DESKTOP_HOME": str(app_home)}
    env.pop("IMPILO_API_KEY", None)
    return env


def account(base_url: str) -> list[str]:
    return ["--profile", "sandbox", "--base-url", base_url]


def kill_senders_at_random(
    base_url: str,
    env: dict[str, str],
    *,
    rounds: int,
    seed: int,
    longest: float,
    settle: Callable[[], None],
    started: Started,
    before_kill: Callable[[], None] | None = None,
    crowded: Started | None = None,
) -> None:
    """`rounds` times: let earlier sends settle, start a sender, and once it has `started`
    kill it after a random 0..`longest` seconds (unless it ended by itself). Killed at a
    random moment once it sends, not at a fixed time after it starts: on a loaded machine
    start-up alone (imports, the key) outlasted every kill, and no round reached the
    dangerous windows. With `crowded`, every fourth round kills the sender as soon as
    `crowded` returns instead (e.g. once several creates are in flight: a pipelining sender
    reaches that only after some answers, which a random moment rarely catches).
    `before_kill` runs just before each SIGKILL (to see what was in flight)."""
    rng = random.Random(seed)
    for round_number in range(rounds):
        settle()
        since = time.time()
        proc = subprocess.Popen(
            cli("sync", "--once", "--no-refresh", *account(base_url)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait = rng.uniform(0.0, longest)
        try:
            # Not more often: such a round runs until the sender pipelines, after the
            # in-doubt entries it works through alone (the test's run time).
            if crowded is not None and round_number % 4 == 1:
                crowded(proc, since)
                wait = 0.0
            else:
                started(proc, since)
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            if before_kill is not None:
                before_kill()
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)


def finish_cleanly(base_url: str, env: dict[str, str]) -> None:
    """One more pass, with nobody killing it: it must end well."""
    final = subprocess.run(
        cli("sync", "--once", "--no-refresh", *account(base_url)),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert final.returncode == 0, final.stdout + final.stderr
