"""A new patient's order leaves no patient identifier in the log: the duplicate check asks
Impilo for the patient by MRN (in the path) and email, and the usual "no such patient" 404 or
a retried lookup is logged with the request's path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop import logs
from impilo_desktop.api.log_paths import loggable_path
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import Outcome
from tests.store.samples import new_patient_draft
from tests.sync.test_patient_check import make_sender


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    root = logging.getLogger()
    level = root.level
    logs.configure_logging(logging.DEBUG, directory=folder)
    yield folder
    logs.reset_logging()
    root.setLevel(level)


def read_logs(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.log*")))


@pytest.mark.anyio
async def test_placing_a_new_patients_order_logs_neither_mrn_nor_email(
    store: Store, sandbox: SandboxServer, log_folder: Path
) -> None:
    mrn, email = "ZQ-58213", "thandeka.zwane.58213@example.org"
    draft = new_patient_draft(
        "Thandeka", "Zwane", email=email, external_identifier=mrn, item_id=1001
    )
    entry = store.enqueue(draft, server=sandbox.base_url)
    sandbox.faults.force("error")  # the MRN lookup's first try fails: a retry is logged

    report = await make_sender(store, sandbox).drain()

    assert report.results[0].outcome == Outcome.SENT
    assert store.get_entry(entry.entry_id).state == EntryState.SENT
    text = read_logs(log_folder)
    assert "/patient/identifier/[redacted]" in text  # the lookups were logged, redacted
    assert mrn not in text
    assert email not in text
    assert email.replace("@", "%40") not in text


@pytest.mark.parametrize(
    ("path", "loggable"),
    [
        ("/api/v3/patient/identifier/AB%2012", "/api/v3/patient/identifier/[redacted]"),
        ("/patient/identifier/AB-12/orders", "/patient/identifier/[redacted]/orders"),
        ("/patient?page=2&email=a%40b.org", "/patient?page=2&email=[redacted]"),
        (
            "/patient?externalIdentifier=AB-1&name=Zwane",
            "/patient?externalIdentifier=[redacted]&name=[redacted]",
        ),
        ("/api/v3/patient/42", "/api/v3/patient/42"),
        ("/api/v3/order?page=1", "/api/v3/order?page=1"),
    ],
)
def test_identifier_paths_and_query_values_are_redacted(path: str, loggable: str) -> None:
    assert loggable_path(path) == loggable
