"""The crash test for address corrections: `sync --once` processes SIGKILLed at random
moments while a standalone sandbox answers slowly (a slow body: the change is made, the
answer still on its way when the sender dies) and fails some requests (5xx before the change,
dropped connections). Afterwards a clean sync must leave every patient with its new
address, each change applied by exactly one PATCH that changed something, and no PATCH sent
twice for a change (the sandbox counts them per patient)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desktop.api.models import Patient
from impilo_desktop.config import normalize_base_url
from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.domain.patient_change_rules import Standing, contact_from_patient, standing
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.store import EntryState
from tests.store.patient_change_samples import change_history
from tests.sync.conftest import keyed_store
from tests.sync.crash_harness import finish_cleanly, kill_senders_at_random, sync_env
from tests.sync.test_crash import (  # the standalone sandbox, as the orders' crash test
    _let_unanswered_orders_settle,
    sandbox_process,  # noqa: F401 - a fixture
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
    pytest.mark.timeout(180),
]

CHANGES = 16
KILL_ROUNDS = 14
FAULTS = "latency=0.1,slow=0.5,error=0.1,drop=0.05,seed=11"
HEADERS = {"Impilo-API-Key": DEMO_API_KEY}
FIRST_PATIENT = 10001


def _patient(base_url: str, patient_id: int) -> Patient:
    response = httpx.get(f"{base_url}/api/v3/patient/{patient_id}", headers=HEADERS, timeout=30)
    response.raise_for_status()
    return Patient.model_validate(response.json())


def _correction(patient: Patient, n: int) -> PatientChange:
    before = contact_from_patient(patient)
    after = UsAddress(
        line_one=f"{100 + n} Crash Test Avenue", city="Poughkeepsie", state="NY", zip_code="12601"
    )
    return PatientChange(
        patient_id=patient.id or 0,
        patient_name=patient.full_name,
        before=before,
        after=PatientContact(address=after, phone_number=before.phone_number),
    )


def _wait_until_patching(proc: subprocess.Popen[bytes], store_path: Path, since: float) -> None:
    """Return once `proc` committed a change `sending` (its `last_sent_at` is `since` or
    later) or ended; TimeoutExpired after 60 s (the caller kills it)."""
    import contextlib

    from impilo_desktop.store import DatabaseKey, cipher
    from tests.sync.conftest import PASSPHRASE

    key = DatabaseKey(passphrase=PASSPHRASE)
    deadline = time.monotonic() + 60
    while proc.poll() is None:
        with contextlib.closing(cipher.connect(store_path, key, key_path=store_path)) as conn:
            latest = conn.execute("SELECT MAX(last_sent_at) FROM patient_changes").fetchone()[0]
        if latest is not None and latest >= since:
            return
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, 60)
        time.sleep(0.02)  # polling another process's progress; nothing to wait on instead


def _settle_changes(store_path: Path) -> None:
    """As `_let_unanswered_orders_settle`, for the corrections' last PATCH."""
    from impilo_desktop.store import DatabaseKey, cipher
    from impilo_desktop.sync import DEFAULT_SETTLE
    from tests.sync.conftest import PASSPHRASE

    key = DatabaseKey(passphrase=PASSPHRASE)
    with cipher.connect(store_path, key, key_path=store_path) as conn:
        conn.execute(
            "UPDATE patient_changes SET last_sent_at = last_sent_at - ?"
            " WHERE last_sent_at IS NOT NULL",
            (DEFAULT_SETTLE,),
        )
    conn.close()


def _set_faults(base_url: str, spec: str) -> None:
    httpx.post(
        f"{base_url}/_sandbox/faults", json={"spec": spec}, headers=HEADERS, timeout=30
    ).raise_for_status()


def _writes(base_url: str, patient_id: int) -> dict[str, Any]:
    """The PATCH/PUT requests the sandbox took for the patient: how many changed something
    (`changed`) and how many changed nothing (`unchanged`)."""
    response = httpx.get(
        f"{base_url}/_sandbox/patients/{patient_id}/changes", headers=HEADERS, timeout=30
    )
    response.raise_for_status()
    counts: dict[str, Any] = response.json()
    return counts


def test_killed_senders_apply_each_correction_exactly_once(
    sandbox_process: str,  # noqa: F811 - the fixture imported above
    app_home: Path,
) -> None:
    base_url = sandbox_process
    server = normalize_base_url(base_url)
    _set_faults(base_url, FAULTS)
    patients = [_patient(base_url, FIRST_PATIENT + n) for n in range(CHANGES)]
    changes = [_correction(p, n) for n, p in enumerate(patients)]
    store_path = app_home / "profiles" / "sandbox" / "impilo.sqlite3"
    store_path.parent.mkdir(parents=True)
    with keyed_store(store_path) as store:
        for change in changes:
            store.enqueue_patient_change(change, server=server)

    env = sync_env(app_home)
    # Killed at a random moment once a PATCH is on its way: most of the time is then spent
    # with it on the wire (latency) or just answered, before `sent` is written.
    kill_senders_at_random(
        base_url,
        env,
        rounds=KILL_ROUNDS,
        seed=20261130,
        longest=1.0,
        settle=lambda: _settle_changes(store_path),
        started=lambda proc, since: _wait_until_patching(proc, store_path, since),
    )

    _set_faults(base_url, "")
    _settle_changes(store_path)
    _let_unanswered_orders_settle(store_path)
    finish_cleanly(base_url, env)

    with keyed_store(store_path) as store:
        entries = store.list_patient_changes()
        histories = {e.change_id: change_history(store, e.change_id) for e in entries}
    assert len(entries) == CHANGES
    assert all(e.state == EntryState.SENT for e in entries)
    for change in changes:
        now = contact_from_patient(_patient(base_url, change.patient_id))
        assert standing(change, now) == Standing.AFTER, change.patient_id
        # Exactly one write changed the patient, and none was sent twice (a second PATCH of
        # the same values would count as one that changed nothing).
        writes = _writes(base_url, change.patient_id)
        assert (writes["changed"], writes["unchanged"]) == (1, 0), writes

    # The dangerous windows were met: a sender died with a PATCH in flight, and a change
    # whose PATCH had arrived was recognised on the re-read instead of being sent again.
    details = [h.detail for history in histories.values() for h in history]
    outcomes = [h.outcome for history in histories.values() for h in history]
    assert "interrupted while sending" in details
    assert any("already had" in d for d in details)
    print(
        f"interrupted: {details.count('interrupted while sending')}, "
        f"adopted: {sum('already had' in d for d in details)}, "
        f"outcomes: {sorted((o, outcomes.count(o)) for o in set(outcomes))}"
    )
