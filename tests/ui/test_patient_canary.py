"""No patient data in any log or error text (issue 13), as the API-key test does for the key:
a sandbox with a canary patient, whose name, birth date, street, phone and email appear
nowhere else, driven through the real client and sync over loopback (reference refresh, an
order placed and cached, malformed answers, a refused order, the order rules), and an uncaught
error reaching the crash handler. Then every log file and every error text is read."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from impilo_desktop import logs
from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.models import Patient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain import OrderDraft, PatientChoice, validate_draft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.seed import PatientRecord, SeedSize
from impilo_desktop.store import EntryState, ReferenceKind, Store
from impilo_desktop.sync import OutboxSender, ReferenceRefresher
from impilo_desktop.ui.dialogs.crash import CrashReport, install_excepthook

NOT_ORDERABLE_ITEM = 1012
CANARY_EMAIL = "zq.canary@mailinator.test"
CANARY = PatientRecord(
    id=77_001,
    external_identifier="MRN-CANARY-77",
    first_name="Zebulonia",
    last_name="Quillfeather",
    date_of_birth="1931-07-13",
    email=CANARY_EMAIL,
    phone_number="555-867-5309",
    archived=False,
    enrolled=True,
    sex="female",
    line_one="4471 Wisteria Hollow",
    line_two="Flat 9Q",
    city="Springfield",
    state="OR",
    zip_code="97477",
    country="USA",
    site_id=101,
    search_name="zebulonia quillfeather",
)
# What must never reach a log or an error text. (The record number is the order's reference
# for the patient and may be logged; it is not among the values the issue names.)
SECRET_VALUES = {
    "first name": CANARY.first_name,
    "last name": CANARY.last_name,
    "date of birth": CANARY.date_of_birth,
    "street": CANARY.line_one,
    "phone": CANARY.phone_number,
    "email": CANARY_EMAIL,
}
KEPT_VALUES = ("phone", "street")  # nor in the patient cache


@pytest.fixture
def canary_sandbox() -> Iterator[SandboxServer]:
    small = SeedSize(patients=40, orders=20, sites=5, history_days=30)
    key = f"canary-{secrets.token_hex(12)}"
    with SandboxServer(api_key=key, seed_size=small, extra_patients=[CANARY]) as server:
        yield server


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    """The app's logging into a folder of the test's, at DEBUG; every level it changes (the
    root's, the chatty libraries') is put back for the tests after."""
    touched = [logging.getLogger(n) for n in ("", "httpx", "httpcore", "aiohttp.access", "asyncio")]
    levels = [logger.level for logger in touched]
    folder = tmp_path / "logs"
    logs.configure_logging(logging.DEBUG, directory=folder)
    yield folder
    logs.reset_logging()
    for logger, level in zip(touched, levels, strict=True):
        logger.setLevel(level)


def canary_draft(item_id: int) -> OrderDraft:
    draft = OrderDraft()
    draft.set_patient(
        PatientChoice(
            id=CANARY.id,
            first_name=CANARY.first_name,
            last_name=CANARY.last_name,
            date_of_birth=CANARY.date_of_birth,
            email=CANARY.email,
        )
    )
    draft.add_item(item_id, 1)
    return draft


async def drive_sync(sandbox: SandboxServer, store: Store) -> list[str]:
    """Everything the core does with a patient, over real HTTP; returns the error texts."""
    texts: list[str] = []

    def client() -> ImpiloClient:
        return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(base_delay=0))

    def keep(error: ImpiloError) -> None:
        texts.extend([str(error), repr(error), error.message, error.detail])

    await ReferenceRefresher(store, client).refresh()  # the canary is cached
    assert [p.id for p in store.search_patients(CANARY.last_name)] == [CANARY.id]

    # Placed through the outbox, cached for the history; a refused one comes back.
    sender = OutboxSender(store, client)
    placed = store.enqueue(canary_draft(1001), server=sandbox.base_url)
    refused = store.enqueue(canary_draft(NOT_ORDERABLE_ITEM), server=sandbox.base_url)
    report = await sender.drain()
    texts += [r.message for r in report.results]
    sent, rejected = store.get_entry(placed.entry_id), store.get_entry(refused.entry_id)
    assert (sent.state, rejected.state) == (EntryState.SENT, EntryState.REJECTED)
    texts += [rejected.last_error or "", rejected.server_message or ""]
    assert sent.order_id is not None
    assert store.cached_order(sent.order_id) is not None

    # Answers the app cannot read, each holding the canary: every read the app makes of her.
    async with client() as impilo:
        for call in (
            lambda: impilo.get_patient(CANARY.id),
            lambda: impilo.list_patients(ids=[CANARY.id]),
            lambda: impilo.list_orders(patient_id=CANARY.id),
            lambda: impilo.get_order(sent.order_id or 0),
            lambda: impilo.find_patient_by_email(CANARY_EMAIL),
        ):
            sandbox.faults.force("malformed", "malformed", "malformed", "malformed")
            with pytest.raises(ImpiloError) as caught:
                await call()
            keep(caught.value)
            sandbox.faults.clear()
    sandbox.faults.force("malformed", "malformed", "malformed", "malformed", "malformed")
    with pytest.raises(ImpiloError) as failed_refresh:
        await ReferenceRefresher(store, client).refresh([ReferenceKind.PATIENT])
    keep(failed_refresh.value)
    sandbox.faults.clear()
    return texts


def corrupt_canary() -> None:
    """An uncaught error whose text quotes a patient's values (pydantic's does)."""
    wire = {"id": CANARY.id, "firstName": CANARY.first_name, "archived": CANARY.email}
    Patient.model_validate(wire)


@pytest.mark.qt_no_exception_capture
def test_no_canary_value_in_any_log_or_error_text(
    qtbot: QtBot, canary_sandbox: SandboxServer, log_folder: Path, tmp_path: Path
) -> None:
    sandbox = canary_sandbox
    store_path = tmp_path / "profile" / "impilo.sqlite3"
    with Store(store_path) as store:
        texts = asyncio.run(drive_sync(sandbox, store))
        # The order rules, on a draft for her that breaks them.
        broken = canary_draft(1001)
        broken.item_lines[0].count = 0
        problems = validate_draft(broken)
        assert problems
        texts += [str(p) for p in problems]

    # An uncaught error in the window, through the crash handler into the log.
    shown: list[CrashReport] = []
    handler = install_excepthook(shown.append, native_crash_log=False)
    try:
        QTimer.singleShot(0, corrupt_canary)
        qtbot.waitUntil(lambda: len(shown) == 1)
    finally:
        handler.uninstall()
    texts += [shown[0].summary, shown[0].details]
    assert ValidationError.__name__ in shown[0].summary

    logged = "\n".join(p.read_text(encoding="utf-8") for p in sorted(log_folder.iterdir()))
    assert "-> HTTP 200; " in logged  # the malformed answers were logged, by their shape
    assert "Uncaught error" in logged
    leaks = {
        (what, where)
        for what, value in SECRET_VALUES.items()
        for where, text in [("log", logged)] + [(f"text {n}", t) for n, t in enumerate(texts)]
        if value.lower() in text.lower()
    }
    assert leaks == set()

    # At rest: the canary's phone and street were never cached.
    with sqlite3.connect(store_path) as conn:
        [(body,)] = conn.execute(
            "SELECT body FROM reference_cache WHERE kind = 'patient' AND id = ?", (CANARY.id,)
        ).fetchall()
    cached = json.dumps(json.loads(body))
    assert [w for w in KEPT_VALUES if SECRET_VALUES[w] in cached] == []
    assert CANARY.last_name in cached  # the picker still finds her
