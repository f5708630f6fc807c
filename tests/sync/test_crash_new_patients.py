"""The crash test for new patients' orders: `sync --once` processes SIGKILLed at random moments
once they have started a create, against a sandbox process that drops connections after
creating orders and answers slowly. Each order creates its patient inline, and before each
create the sender looks for that patient by external ID and email. Afterwards a clean sync
must leave, for every person, exactly one patient and one order on the server: no patient
created twice, none held as a duplicate of the patient its own order created.
"""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import httpx
import pytest

from impilo_desktop.config import Profile
from impilo_desktop.store import EntryState
from tests.store.samples import new_patient_draft
from tests.sync.conftest import keyed_store, open_profile_store
from tests.sync.crash_harness import finish_cleanly, kill_senders_at_random, sync_env
from tests.sync.test_crash import (  # the same sandbox process and the same timing
    HEADERS,
    _creates,
    _let_unanswered_orders_settle,
    _orders_with,
    _wait_until_sending,
    sandbox_process,  # noqa: F401 - a fixture, used by name
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
    pytest.mark.timeout(180),
]

PEOPLE = 16
KILL_ROUNDS = 12


def _patients(base_url: str, **query: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"{base_url}/api/v3/patient",
        params={**query, "size": 100},
        headers=HEADERS,
        timeout=30,
    )
    response.raise_for_status()
    content: list[dict[str, object]] = response.json()["content"]
    return content


def test_killed_senders_create_each_new_patient_and_order_once(
    sandbox_process: str,  # noqa: F811 - the fixture imported above
    app_home: Path,
) -> None:
    base_url = sandbox_process
    marker = uuid.uuid4().hex[:8]
    people = [(f"crash.{marker}.{n}@example.org", f"CRASH-{marker}-{n}") for n in range(PEOPLE)]
    profile = Profile("sandbox", base_url)
    with open_profile_store(profile, app_home) as store:
        for n, (email, external_id) in enumerate(people):
            draft = new_patient_draft(
                "Crash", f"Test{n}", email=email, external_identifier=external_id, item_id=1001
            )
            store.enqueue(draft, server=profile.base_url)
    env = sync_env(app_home)
    _creates(base_url, start_anew=True)
    store_path = app_home / "profiles" / "sandbox" / "impilo.sqlite3"
    # Killed at a random moment once it sends: with a POST on the wire, just answered, or in
    # the next entry's patient lookups.
    kill_senders_at_random(
        base_url,
        env,
        rounds=KILL_ROUNDS,
        seed=20261130,
        longest=1.5,
        settle=lambda: _let_unanswered_orders_settle(store_path),
        started=lambda proc, since: _wait_until_sending(proc, store_path, since),
    )

    httpx.post(
        f"{base_url}/_sandbox/faults", json={"spec": ""}, headers=HEADERS, timeout=30
    ).raise_for_status()
    _let_unanswered_orders_settle(store_path)
    finish_cleanly(base_url, env)

    with keyed_store(store_path) as store:
        entries = store.list_outbox()
        histories = {e.entry_id: store.entry_history(e.entry_id) for e in entries}
    assert len(entries) == PEOPLE
    for entry in entries:
        assert entry.state == EntryState.SENT  # none held as a duplicate of itself
        new_patient = entry.draft.new_patient
        assert new_patient is not None
        [order] = _orders_with(base_url, entry.client_reference)
        assert order["id"] == entry.order_id
        by_email = _patients(base_url, email=new_patient.email)
        by_external_id = _patients(base_url, externalIdentifier=new_patient.external_identifier)
        assert len(by_email) == 1, new_patient.email
        assert [p["id"] for p in by_external_id] == [by_email[0]["id"]]
        assert order["patient"]["id"] == by_email[0]["id"]  # type: ignore[index]

    # Pipelining was on, but each of these orders waits for its new patient's check before
    # its create, so each went alone: never two creates at once.
    assert _creates(base_url)["mostInFlight"] == 1

    # The test did exercise the dangerous windows (otherwise it proves little).
    details = [h.detail for history in histories.values() for h in history]
    assert "interrupted while sending" in details  # a sender died with a request in flight
    assert any("already existed" in d for d in details)  # created, answer lost, adopted
    print(
        f"interrupted while sending: {details.count('interrupted while sending')}, "
        f"adopted: {sum('already existed' in d for d in details)}"
    )
