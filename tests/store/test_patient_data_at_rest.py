"""Keeping only what is needed: patients cached without phone numbers or street addresses
(also those an earlier version cached), and cached orders forgotten after the retention."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from impilo_desktop.api.models import Order, Patient
from impilo_desktop.store import SCHEMA_VERSION, EntryState, ReferenceKind, Store, cipher
from impilo_desktop.store.cache import DAY_SECONDS
from impilo_desktop.store.schema import MIGRATIONS
from tests.store.samples import valid_draft

# As Impilo sends a patient: everything it knows.
FULL_PATIENT = {
    "id": 7,
    "externalIdentifier": "MRN-7",
    "firstName": "Thandi",
    "lastName": "Nkosi",
    "dateOfBirth": "1978-02-02",
    "email": "thandi@example.org",
    "phoneNumber": "031-555-0199",
    "archived": False,
    "enrolled": True,
    "sex": "female",
    "address": {
        "lineOne": "12 Jacaranda Lane",
        "lineTwo": "Flat 3",
        "city": "Durban",
        "state": "KZN",
        "zipCode": "4001",
        "country": "ZA",
        "note": "gate code 4711",
    },
    "site": {
        "id": 10,
        "name": "Umlazi clinic",
        "phoneNumber": "031-555-0100",
        "address": {"lineOne": "1 Clinic Road", "city": "Durban"},
    },
}
# What the pickers show and an order needs: nothing else.
KEPT = {
    "id": 7,
    "externalIdentifier": "MRN-7",
    "firstName": "Thandi",
    "lastName": "Nkosi",
    "dateOfBirth": "1978-02-02",
    "email": "thandi@example.org",
    "archived": False,
    "site": {"id": 10, "name": "Umlazi clinic"},
    "address": {"city": "Durban"},
}


def cached_bodies(path: Path) -> list[dict[str, object]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT body FROM reference_cache WHERE kind = 'patient'").fetchall()
    return [json.loads(body) for (body,) in rows]


def test_a_patient_is_cached_with_what_the_pickers_show_and_nothing_more(
    store: Store, db_path: Path
) -> None:
    store.store_reference_page(ReferenceKind.PATIENT, [Patient.model_validate(FULL_PATIENT)])
    assert cached_bodies(db_path) == [KEPT]
    [row] = store.patient_search_rows()
    assert (row.first_name, row.date_of_birth, row.email, row.site_name, row.city) == (
        "Thandi", "1978-02-02", "thandi@example.org", "Umlazi clinic", "Durban"
    )  # fmt: skip
    [search] = store.search_patients("nkosi")
    assert (search.full_name, search.site and search.site.id) == ("Thandi Nkosi", 10)


def test_patients_an_earlier_version_cached_lose_their_phone_and_street(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = cipher.sqlite3.connect(db_path, isolation_level=None)
    for step in range(3):  # a file as version 3 left it
        MIGRATIONS[step](conn)
    conn.execute(
        "INSERT INTO reference_cache (kind, id, name, body, site_id, search_key)"
        " VALUES ('patient', 7, 'Thandi Nkosi', ?, 10, 'thandi nkosi mrn-7')",
        (json.dumps(FULL_PATIENT),),
    )
    site = {"id": 10, "name": "Umlazi clinic", "phoneNumber": "031-555-0100"}
    conn.execute(
        "INSERT INTO reference_cache (kind, id, name, body) VALUES ('site', 10, 'Umlazi', ?)",
        (json.dumps(site),),
    )
    conn.execute("PRAGMA user_version = 3")
    conn.close()

    with Store(db_path) as store:
        [row] = store.patient_search_rows()
        assert (row.first_name, row.city, row.site_id) == ("Thandi", "Durban", 10)
        assert [s.phone_number for s in store.cached_sites()] == ["031-555-0100"]  # a clinic's
    assert SCHEMA_VERSION >= 4  # the upgrade went through the slimming step (V4)
    assert cached_bodies(db_path) == [KEPT]


def order(order_id: int) -> Order:
    return Order.model_validate({"id": order_id, "patient": FULL_PATIENT})


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_cached_orders_older_than_the_retention_are_forgotten(db_path: Path) -> None:
    clock = Clock()
    with Store(db_path, clock=clock) as store:
        store.cache_orders([order(1)])  # 100 days ago
        clock.now += 10 * DAY_SECONDS
        store.cache_orders([order(2)])  # 90 days ago
        # An order sent from this computer 95 days ago: its entry is still in the outbox.
        entry = store.enqueue(valid_draft(), server="https://impilo.example.org")
        store.mark_sending(entry.entry_id)
        clock.now += 5 * DAY_SECONDS
        store.mark_sent(entry.entry_id, 3, order=order(3))
        draft = valid_draft()
        store.save_draft(draft)
        clock.now += 45 * DAY_SECONDS
        store.cache_orders([order(4)])  # 40 days ago
        clock.now += 39 * DAY_SECONDS
        store.cache_orders([order(5), order(2)])  # yesterday, and 2 seen again
        clock.now += 1 * DAY_SECONDS

        assert store.prune_cached_orders(90) == 1
        assert [o.id for o in store.cached_orders()] == [5, 4, 3, 2]
        assert store.prune_cached_orders(30) == 1  # 4 goes; 3 stays with its entry
        assert [o.id for o in store.cached_orders()] == [5, 3, 2]
        assert store.get_entry(entry.entry_id).state == EntryState.SENT
        assert store.get_draft(draft.draft_id) is not None  # drafts are never pruned
        assert store.prune_cached_orders(30) == 0
