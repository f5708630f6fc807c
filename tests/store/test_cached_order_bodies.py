"""Cached orders leave out the patient's phone number and street, as cached patients do
(also the orders an earlier version cached); the history's offline detail shows the rest."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store, cipher
from impilo_desktop.store.schema import MIGRATIONS
from impilo_desktop.ui.history.detail_html import order_html
from tests.store.samples import valid_draft
from tests.store.test_patient_data_at_rest import FULL_PATIENT

# The street, its zip code, the delivery note and the phone: none of them is kept.
PRIVATE = ("031-555-0199", "12 Jacaranda Lane", "Flat 3", "4001", "gate code 4711")
KEPT_ADDRESS = {"city": "Durban", "state": "KZN", "country": "ZA"}


def order(order_id: int) -> Order:
    return Order.model_validate({"id": order_id, "patient": FULL_PATIENT})


def order_bodies(path: Path) -> dict[int, dict[str, object]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT order_id, body FROM order_cache").fetchall()
    return {order_id: json.loads(body) for order_id, body in rows}


def _patient_of(body: dict[str, object]) -> dict[str, object]:
    patient = body["patient"]
    assert isinstance(patient, dict)
    return patient


def test_a_cached_order_keeps_no_phone_or_street(store: Store, db_path: Path) -> None:
    store.cache_orders([order(1)])
    # Sent from here: the order Impilo answered with is cached beside the outbox entry.
    entry = store.enqueue(valid_draft(), server="https://impilo.example.org")
    store.mark_sending(entry.entry_id)
    store.mark_sent(entry.entry_id, 2, order=order(2))

    bodies = order_bodies(db_path)
    assert sorted(bodies) == [1, 2]
    for body in bodies.values():
        patient = _patient_of(body)
        assert "phoneNumber" not in patient
        assert patient["address"] == KEPT_ADDRESS
        assert patient["firstName"] == "Thandi"
        assert not any(text in json.dumps(body) for text in PRIVATE)
    assert db_path.read_bytes().find(b"Jacaranda") == -1


def test_orders_an_earlier_version_cached_lose_the_phone_and_street(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = cipher.sqlite3.connect(db_path, isolation_level=None)
    for step in range(5):  # a file as version 5 left it
        MIGRATIONS[step](conn)
    conn.execute(
        "INSERT INTO order_cache (order_id, body, cached_at) VALUES (7, ?, 0)",
        (json.dumps({"id": 7, "patient": FULL_PATIENT}),),
    )
    conn.execute("PRAGMA user_version = 5")
    conn.close()

    with Store(db_path) as store:
        cached = store.cached_order(7)
    assert cached is not None
    assert cached.patient is not None
    assert cached.patient.phone_number is None
    patient = _patient_of(order_bodies(db_path)[7])
    assert patient["address"] == KEPT_ADDRESS
    assert "phoneNumber" not in patient


def test_the_offline_detail_shows_what_is_kept(store: Store) -> None:
    store.cache_orders([order(1)])
    cached = store.cached_order(1)
    assert cached is not None
    html = order_html(cached)
    assert "Thandi Nkosi" in html
    assert "Durban" in html
    assert "Phone" not in html.split("Site")[0]  # the patient's rows: no empty phone row
    assert not any(text in html for text in PRIVATE)
