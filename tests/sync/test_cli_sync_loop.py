"""`impilo-desktop sync` without --once, as its own process: it stops, saying why, once its
profile's data was removed behind its back (a removal its open lock could not keep off)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from impilo_desktop.cli import main
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sync.cli import PROFILE_REMOVED

ROOT = Path(__file__).parents[2]


def test_sync_stops_when_its_profile_was_removed(
    tmp_path: Path, sandbox: SandboxServer, app_home: Path
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps({"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}]}),
        encoding="utf-8",
    )
    assert main(["drafts", "import", str(order), *account]) == 0
    folder = app_home / "profiles" / "sandbox"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "impilo_desktop",
            "sync",
            "--interval",
            "1",
            "--no-refresh",
            *account,
        ],
        cwd=ROOT,
        env={**os.environ, "IMPILO_DESKTOP_HOME": str(app_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        sent = proc.stdout.readline()  # the first pass sent the order: the loop runs
        assert sent.strip(), proc.stderr.read() if proc.stderr else ""
        # Deleted as a removal from another computer sharing the folder would: no lock asked.
        shutil.rmtree(folder)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert PROFILE_REMOVED in err
    assert not folder.exists()  # nothing made again
