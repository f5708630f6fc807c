"""Reference data and order caches."""

from __future__ import annotations

from impilo_desktop.api.models import Kit, Order, Patient, Site
from impilo_desktop.store import ReferenceKind, Store


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
