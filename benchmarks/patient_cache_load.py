"""How long loading the cached patients for the order-entry picker takes.

Fills a real SQLite store (in a temporary directory) with N synthetic patients shaped like
Impilo's (address, site with address, phone, sex, external identifier; written through
`Store.store_reference_page`, as the reference refresh does) and times, per run:

- `store.cached_patients()`: every record parsed into a pydantic `Patient`,
- that plus `PatientRecord.from_patient` for each (the picker's old path),
- `store.patient_search_rows()`: the display fields straight from SQLite (json_extract),
- that plus a `PatientRecord` for each (the picker's new path),
- `prepare_records` (sort + search index) of those records,
- `load_patients(store)`: the compact `PatientTable` and its index, read row by row from
  SQLite in display order (what the patient picker holds since issue 16),
- `load_reference(store)`: everything the order form loads in the background.

Run (from the project root):
    .venv/bin/python -m benchmarks.patient_cache_load [--patients 100000] [--repeat 3]
Prints a Markdown table (best and median of the runs, in seconds).
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from impilo_desktop.api.models import Patient, Site
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.ui.order_entry.picker_model import prepare_records
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.reference import load_patients, load_reference

FIRST = ["Thandi", "Sipho", "Lerato", "Ayanda", "Zanele", "Bongani", "Naledi", "Kagiso"]
LAST = ["Nkosi", "Dlamini", "Mokoena", "Smith", "Smythe", "Smithers", "Naidoo", "Botha"]
CITIES = ["Durban", "Pretoria", "Cape Town", "Polokwane", "Bloemfontein"]
PAGE = 1000


def patient(i: int, rng: random.Random) -> Patient:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    site = rng.randint(1, 25)
    city = rng.choice(CITIES)
    return Patient.model_validate(
        {
            "id": i,
            "externalIdentifier": f"MRN-{100000 + i * 7}",
            "firstName": first,
            "lastName": last,
            "dateOfBirth": f"{rng.randint(1930, 2015)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}",
            "email": f"{first}.{last}{i}@example.org".lower(),
            "phoneNumber": f"+27 82 {i:07d}",
            "archived": i % 97 == 0,
            "enrolled": True,
            "sex": rng.choice(["female", "male"]),
            "address": {"lineOne": f"{i} Long Street", "city": city, "zipCode": "4001"},
            "site": {
                "id": site,
                "name": f"Clinic {site}",
                "active": True,
                "address": {"lineOne": "1 Main Road", "city": city, "country": "ZA"},
            },
        }
    )


def fill(store: Store, n: int) -> None:
    rng = random.Random(7)
    for start in range(1, n + 1, PAGE):
        page = [patient(i, rng) for i in range(start, min(start + PAGE, n + 1))]
        store.store_reference_page(ReferenceKind.PATIENT, page)
    store.store_reference_page(
        ReferenceKind.SITE, [Site(id=s, name=f"Clinic {s}") for s in range(1, 26)]
    )


def old_path(store: Store) -> list[PatientRecord]:
    return [PatientRecord.from_patient(p) for p in store.cached_patients() if p.id]


def new_path(store: Store) -> list[PatientRecord]:
    return [PatientRecord(*row[:9], archived=row.archived) for row in store.patient_search_rows()]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "impilo.sqlite3")
        fill(store, args.patients)
        assert old_path(store) == new_path(store), "both paths must give the same records"
        records = new_path(store)
        steps: dict[str, Callable[[], object]] = {
            "store.cached_patients() (pydantic per row)": store.cached_patients,
            "cached_patients + PatientRecord.from_patient (old picker path)": lambda: old_path(
                store
            ),
            "store.patient_search_rows() (json_extract in SQLite)": store.patient_search_rows,
            "patient_search_rows + PatientRecord (new picker path)": lambda: new_path(store),
            "prepare_records (sort + search index)": lambda: prepare_records(records),
            "load_patients(store) (compact table + index, in display order)": lambda: load_patients(
                store
            ),
            "load_reference(store) (all the order form loads)": lambda: load_reference(store),
        }
        print(
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{args.patients:,} cached patients, {args.repeat} runs\n"
        )
        print("| step | best s | median s |")
        print("|---|---:|---:|")
        for name, fn in steps.items():
            best, median = timed(fn, args.repeat)
            print(f"| {name} | {best:.2f} | {median:.2f} |")
        store.close()


if __name__ == "__main__":
    main()
