"""Reference data and order caches."""

from __future__ import annotations

import threading

from impilo_desktop.api.models import Kit, Order, Patient, Site
from impilo_desktop.store import PatientSearchRow, ReferenceKind, Store
from impilo_desktop.store.database import PAGE_CACHE_KIB


def _patient(pid: int, first: str, last: str, site: int) -> Patient:
    return Patient.model_validate(
        {"id": pid, "firstName": first, "lastName": last, "site": {"id": site, "name": "S"}}
    )


def test_reference_refresh_replaces_stale_records(store: Store) -> None:
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is None
    store.store_reference_page(
        ReferenceKind.PATIENT,
        [_patient(1, "Thandi", "Nkosi", 10), _patient(2, "Sipho", "Dlamini", 11)],
    )
    store.store_reference_page(ReferenceKind.PATIENT, [_patient(3, "Lerato", "Nkosi", 10)])
    dropped = store.finish_reference_refresh(ReferenceKind.PATIENT, {1, 3})
    assert dropped == 1
    assert [p.id for p in store.cached_patients()] == [3, 1]  # by name: Lerato, Thandi
    assert [p.id for p in store.search_patients("nkosi", site_id=10)] == [3, 1]
    assert [p.id for p in store.search_patients("thandi nko")] == [1]
    assert store.search_patients("sipho") == []
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is not None


def test_sites_and_kits(store: Store) -> None:
    store.store_reference_page(
        ReferenceKind.SITE, [Site(id=1, name="Zeta clinic"), Site(id=2, name="Alpha clinic")]
    )
    store.store_reference_page(
        ReferenceKind.KIT, [Kit(id=5, name="Starter", archived=False), Kit(id=6, archived=True)]
    )
    assert [s.name for s in store.cached_sites()] == ["Alpha clinic", "Zeta clinic"]
    assert [k.id for k in store.cached_kits()] == [5]
    assert {k.id for k in store.cached_kits(include_archived=True)} == {5, 6}


def test_order_cache_round_trip(store: Store) -> None:
    order = Order.model_validate(
        {"id": 900, "externalOrderIds": ["x"], "currentStatus": "orderPlaced"}
    )
    store.cache_orders([order])
    assert store.cached_order(900) == order
    assert store.cached_order(1) is None
    assert [o.id for o in store.cached_orders()] == [900]
    assert store.order_cached_at(900) is not None


def test_patient_search_rows_hold_the_display_fields(store: Store) -> None:
    full = Patient.model_validate(
        {
            "id": 7,
            "firstName": "Thandi",
            "lastName": "Nkosi",
            "dateOfBirth": "1978-02-02T00:00:00Z",  # older payloads send a timestamp
            "externalIdentifier": "MRN-7",
            "email": "thandi@example.org",
            "archived": True,
            "address": {"city": "Durban"},
            "site": {"id": 10, "name": "Umlazi clinic"},
            "unknownField": {"ignored": True},
        }
    )
    bare = Patient.model_validate({"id": 8, "lastName": "Botha", "archived": None})
    active = _patient(9, "Lerato", "Mokoena", 11).model_copy(update={"archived": False})
    store.store_reference_page(ReferenceKind.PATIENT, [full, bare, active])

    rows = store.patient_search_rows()
    assert [r.id for r in rows] == [8, 9, 7]  # by name: Botha, Lerato Mokoena, Thandi Nkosi
    assert rows[2] == PatientSearchRow(
        id=7,
        first_name="Thandi",
        last_name="Nkosi",
        date_of_birth="1978-02-02",
        external_identifier="MRN-7",
        email="thandi@example.org",
        site_id=10,
        site_name="Umlazi clinic",
        city="Durban",
        archived=True,
    )
    assert rows[0] == PatientSearchRow(8, "", "Botha", "", "", "", None, "", "", False)
    assert rows[1].archived is False
    assert rows[1].site_id == 11
    assert [r.id for r in store.patient_search_rows(site_id=10)] == [7]
    assert store.patient_search_rows(site_id=99) == []


def test_patient_search_rows_agree_with_the_parsed_patients(store: Store) -> None:
    patients = [_patient(n, f"First{n}", f"Last{n % 3}", 10 + n % 2) for n in range(1, 30)]
    store.store_reference_page(ReferenceKind.PATIENT, patients)
    store.store_reference_page(ReferenceKind.SITE, [Site(id=10, name="Not a patient")])
    parsed = store.cached_patients()
    rows = store.patient_search_rows()
    assert [r.id for r in rows] == [p.id for p in parsed]
    assert [(r.first_name, r.last_name, r.site_id) for r in rows] == [
        (p.first_name, p.last_name, p.site.id if p.site else None) for p in parsed
    ]


def test_every_threads_connection_keeps_a_small_page_cache(store: Store) -> None:
    # SQLCipher's default is 8 MiB per connection and each thread has one (issue 16,
    # docs/performance.md "Memory"): the store asks for SQLite's own default, 2 MiB.
    def cache_size() -> int:
        return int(store._db.read(lambda c: c.execute("PRAGMA cache_size").fetchone()[0]))

    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(cache_size()))
    worker.start()
    worker.join()
    assert seen == [cache_size()] == [-PAGE_CACHE_KIB]


def test_shrinking_the_page_cache_keeps_the_connection_and_its_settings(store: Store) -> None:
    store.store_reference_page(
        ReferenceKind.PATIENT, [_patient(i, f"P{i}", "Nkosi", 10) for i in range(1, 301)]
    )
    before = [r.id for r in store.patient_search_rows()]
    connections = len(store._db._connections)

    # A thread that never used the store gets no connection just to empty its cache.
    worker = threading.Thread(target=store.shrink_memory)
    worker.start()
    worker.join()
    assert len(store._db._connections) == connections

    store.shrink_memory()
    assert [r.id for r in store.patient_search_rows()] == before  # the same connection, refilled
    assert len(store._db._connections) == connections
    size = store._db.read(lambda c: c.execute("PRAGMA cache_size").fetchone()[0])
    assert size == -PAGE_CACHE_KIB  # emptied, not made smaller for later
    store.close()
    store.shrink_memory()  # after close: nothing to do, nothing raised
