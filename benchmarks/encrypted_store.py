"""What encrypting the store costs: importing SQLCipher's module, opening a store, writing
and reading the patient cache, plain against encrypted; the passphrase's key derivation; and
encrypting a plain store from before in place.

Run (from the project root):
    .venv/bin/python -m benchmarks.encrypted_store [--repeat 7]
Prints a Markdown table (medians, in milliseconds).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from impilo_desktop.api.models import Patient
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox.seed import SeedData, SeedSize
from impilo_desktop.store import DatabaseKey, ReferenceKind, Store, cipher
from impilo_desktop.store.drafts import upsert_draft


def _import_ms(module: str, repeat: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return statistics.median(runs) * 1000


def _store_ms(key: DatabaseKey | None, patients: list[Patient], repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "impilo.sqlite3"
        with Store(path, key=key) as store:
            began = time.perf_counter()
            store.store_reference_page(ReferenceKind.PATIENT, patients)
            write = time.perf_counter() - began
        opens, reads = [], []
        for _ in range(repeat):
            began = time.perf_counter()
            store = Store(path, key=key)
            opens.append(time.perf_counter() - began)
            began = time.perf_counter()
            store.patient_search_rows()
            reads.append(time.perf_counter() - began)
            store.close()
        return [write * 1000, statistics.median(opens) * 1000, statistics.median(reads) * 1000]


def _migration_ms(drafts: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "impilo.sqlite3"
        Store(path).close()
        conn = cipher.connect(path, None, isolation_level=None)
        conn.execute("BEGIN")
        for n in range(drafts):
            draft = OrderDraft()
            draft.set_patient(PatientChoice(id=n, first_name="Thandi", last_name="Nkosi"))
            draft.add_item(2001, 1, name="BP monitor")
            upsert_draft(conn, draft, time.time())
        conn.execute("COMMIT")
        conn.close()
        size = path.stat().st_size
        began = time.perf_counter()
        Store(path, key=DatabaseKey.random()).close()
        return (time.perf_counter() - began) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    seed = SeedData(SeedSize.named("standard"), 1, datetime.now(UTC))
    patients = [Patient.model_validate(seed.patient_wire(p)) for p in seed.patients.values()]
    print("| step | plain | encrypted |\n|---|---|---|")
    print(
        f"| import (fresh interpreter) | {_import_ms('sqlite3', repeat):.1f} "
        f"| {_import_ms('sqlcipher3.dbapi2', repeat):.1f} |"
    )
    plain = _store_ms(None, patients, repeat)
    encrypted = _store_ms(DatabaseKey.random(), patients, repeat)
    names = [f"write {len(patients)} patients", "open the store", "read the picker's rows"]
    for name, a, b in zip(names, plain, encrypted, strict=True):
        print(f"| {name} | {a:.1f} | {b:.1f} |")
    derivations = []
    for _ in range(repeat):
        began = time.perf_counter()
        DatabaseKey(passphrase="kettle on the hob").literal_for(None)
        derivations.append(time.perf_counter() - began)
    print(
        f"| passphrase key (scrypt, once per start) | - | "
        f"{statistics.median(derivations) * 1000:.0f} |"
    )
    took, size = _migration_ms(20_000)
    print(
        f"| encrypt a plain store in place (20,000 drafts, {size / 1e6:.1f} MB) | - | {took:.0f} |"
    )


if __name__ == "__main__":
    main()
