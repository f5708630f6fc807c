"""Address corrections on the command line: `sync --once` sends them with the orders (and
exits 1 while one waits), `outbox` lists them."""

from __future__ import annotations

import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from tests.store.patient_change_samples import address_change
from tests.sync.conftest import open_profile_store


def test_outbox_lists_corrections_and_sync_holds_one_changed_meanwhile(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    profile = Profile("sandbox", sandbox.base_url)
    with open_profile_store(profile) as store:
        # Begun from an address the sandbox's patient does not have: held, nothing sent.
        store.enqueue_patient_change(address_change(10001), server=profile.base_url)

    assert main(["outbox", *account]) == 0
    assert "change #1 queued   Address correction for Jane Doe" in capsys.readouterr().out

    assert main(["sync", "--once", "--no-refresh", *account]) == 1
    out, err = capsys.readouterr()
    assert "change #1 held: Changed in Impilo meanwhile" in out
    assert "1 outbox entry not sent:" in err
    assert "change #1 held     Address correction for Jane Doe" in err
