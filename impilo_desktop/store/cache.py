"""Copies of Impilo data for offline work: reference data (patients, sites, items, kits) for
the pickers, and orders for the history."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, NamedTuple, TypeVar

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.api.models import ApiModel, ItemDetailed, Kit, Order, Patient, Site
from impilo_desktop.store.base import StoreBase
from impilo_desktop.store.many_rows import insert_rows

M = TypeVar("M", bound=ApiModel)
T = TypeVar("T")


class ReferenceKind(StrEnum):
    """The kinds of reference data kept in the cache."""

    PATIENT = "patient"
    SITE = "site"
    ITEM = "item"
    KIT = "kit"


def _search_key(record: ApiModel) -> str:
    parts = [
        getattr(record, name, None)
        for name in ("first_name", "last_name", "external_identifier", "name", "sku", "model")
    ]
    return " ".join(str(p) for p in parts if p).lower()


def _display_name(record: ApiModel) -> str:
    if isinstance(record, Patient):
        return record.full_name
    return str(getattr(record, "name", None) or "")


# What is kept of a patient: what the pickers show and an order needs (name, date of birth,
# external identifier, email, site, whether archived, and the city the picker lists), never
# phone numbers, street addresses or the rest (docs/decisions.md "Patient data at rest").
PATIENT_FIELDS: Final = (
    "id", "externalIdentifier", "firstName", "lastName", "dateOfBirth", "email", "archived"
)  # fmt: skip
DAY_SECONDS: Final = 86_400


def patient_body(patient: Patient) -> dict[str, Any]:
    """The cached form of `patient`: `PATIENT_FIELDS`, the site's id and name, the city."""
    wire = patient.to_wire()
    body: dict[str, Any] = {name: wire[name] for name in PATIENT_FIELDS if name in wire}
    site = patient.site
    if site is not None:
        body["site"] = {"id": site.id, "name": site.name}
    if patient.address is not None and patient.address.city:
        body["address"] = {"city": patient.address.city}
    return body


def _body(record: ApiModel) -> str:
    wire = patient_body(record) if isinstance(record, Patient) else record.to_wire()
    return json.dumps(wire, separators=(",", ":"))


def _site_id(record: ApiModel) -> int | None:
    if isinstance(record, Patient) and record.site is not None:
        return record.site.id
    return None


class PatientSearchRow(NamedTuple):
    """The few fields a patient picker shows and searches, read straight from the cache.

    Empty strings stand for absent values; `date_of_birth` is the ISO date (first ten
    characters of what Impilo sent).
    """

    id: int
    first_name: str
    last_name: str
    date_of_birth: str
    external_identifier: str
    email: str
    site_id: int | None
    site_name: str
    city: str
    archived: bool


# json_extract in SQLite (C) instead of a pydantic Patient per row: for 100,000 cached patients
# this is several times faster (docs/performance.md, "Picker filtering"). Bodies were written
# by `Patient.to_wire()`, so each path holds the type the model gives it.
_PATIENT_ROW_SQL = """
SELECT id,
       coalesce(json_extract(body, '$.firstName'), ''),
       coalesce(json_extract(body, '$.lastName'), ''),
       coalesce(substr(json_extract(body, '$.dateOfBirth'), 1, 10), ''),
       coalesce(json_extract(body, '$.externalIdentifier'), ''),
       coalesce(json_extract(body, '$.email'), ''),
       site_id,
       coalesce(json_extract(body, '$.site.name'), ''),
       coalesce(json_extract(body, '$.address.city'), ''),
       json_extract(body, '$.archived') IS 1
FROM reference_cache
WHERE kind = 'patient' AND id != 0
"""


def _py_lower(value: object) -> str:
    return value.lower() if isinstance(value, str) else ""


# What a cached order leaves out of its patient: the phone number and the street (its lines,
# zip code and delivery note). The history's detail shows them when the order is fetched
# live; offline it shows the rest (docs/decisions.md "Patient data at rest"). Field names
# (the wire's are their camelCase aliases: phoneNumber, lineOne, ...).
ORDER_PATIENT_DROPPED: Final = ("phone_number",)
ORDER_ADDRESS_DROPPED: Final = ("line_one", "line_two", "line_three", "zip_code", "note")
_ORDER_CACHE_EXCLUDE: Final[dict[str, Any]] = {
    "patient": {
        **dict.fromkeys(ORDER_PATIENT_DROPPED, True),
        "address": dict.fromkeys(ORDER_ADDRESS_DROPPED, True),
    }
}


def order_body(order: Order) -> str:
    """The cached form of `order` (JSON): as Impilo sent it, less the patient's phone and
    street. Written by pydantic's serializer in one call, with no dict in between: the drain
    caches every order it creates (docs/performance.md, "Draining the outbox")."""
    return order.model_dump_json(by_alias=True, exclude_none=True, exclude=_ORDER_CACHE_EXCLUDE)


def insert_orders(conn: sqlite3.Connection, orders: Sequence[Order], now: float) -> None:
    """Write orders into the order cache (inside the caller's transaction)."""
    rows = [(o.id, order_body(o), now) for o in orders if o.id is not None]
    insert_rows(
        conn, "INSERT OR REPLACE INTO order_cache (order_id, body, cached_at)", "(?, ?, ?)", rows
    )


class CacheMixin(StoreBase):
    """Reading and writing the reference-data and order caches."""

    # -- reference data ---------------------------------------------------------------------

    def store_reference_page(self, kind: ReferenceKind, records: Sequence[ApiModel]) -> int:
        """Insert or update one page of records (those without an id are skipped)."""
        rows = [
            (
                kind.value,
                record_id,
                _display_name(r),
                _body(r),
                _site_id(r),
                _search_key(r),
            )
            for r in records
            if (record_id := getattr(r, "id", None)) is not None
        ]

        def put(conn: sqlite3.Connection) -> int:
            conn.executemany(
                "INSERT OR REPLACE INTO reference_cache (kind, id, name, body, site_id,"
                " search_key) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            return len(rows)

        return self._db.write(put, durable=False)  # refetched if a power cut undoes it

    def finish_reference_refresh(self, kind: ReferenceKind, seen_ids: Collection[int]) -> int:
        """A complete pass of `kind` ended: drop records Impilo no longer lists and stamp the
        fetch time. Returns how many were dropped."""
        ids = json.dumps(sorted(seen_ids))
        now = self.now()

        def finish(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM reference_cache WHERE kind = ?"
                " AND id NOT IN (SELECT value FROM json_each(?))",
                (kind.value, ids),
            )
            conn.execute(
                "INSERT OR REPLACE INTO reference_fetched (kind, fetched_at) VALUES (?, ?)",
                (kind.value, now),
            )
            return cursor.rowcount

        return self._db.write(finish, durable=False)

    def reference_fetched_at(self, kind: ReferenceKind) -> datetime | None:
        """When `kind` was last fetched completely, or None if never."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT fetched_at FROM reference_fetched WHERE kind = ?", (kind.value,)
            ).fetchone()
        )
        return None if row is None else datetime.fromtimestamp(row[0], UTC)

    def reference_count(self, kind: ReferenceKind) -> int:
        """How many records of `kind` are cached."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT count(*) FROM reference_cache WHERE kind = ?", (kind.value,)
            ).fetchone()
        )
        return int(row[0])

    def _load(self, model: type[M], sql: str, params: Sequence[object]) -> list[M]:
        rows = self._db.read(lambda conn: conn.execute(sql, params).fetchall())
        return [model.model_validate(json.loads(row["body"])) for row in rows]

    def cached_patients(self, site_id: int | None = None) -> list[Patient]:
        """Cached patients (of one site, if given), by name."""
        if site_id is None:
            return self._load(
                Patient, "SELECT body FROM reference_cache WHERE kind = 'patient' ORDER BY name", ()
            )
        return self._load(
            Patient,
            "SELECT body FROM reference_cache WHERE kind = 'patient' AND site_id = ? ORDER BY name",
            (site_id,),
        )

    def patient_search_rows(self, site_id: int | None = None) -> list[PatientSearchRow]:
        """Cached patients (of one site, if given) as picker rows, by name; no pydantic
        parsing, so it suits loading a large cache into a picker."""
        sql = _PATIENT_ROW_SQL
        params: tuple[object, ...] = ()
        if site_id is not None:
            sql += " AND site_id = ?"
            params = (site_id,)
        sql += " ORDER BY name"

        def rows(conn: sqlite3.Connection) -> list[PatientSearchRow]:
            cursor = conn.execute(sql, params)
            cursor.row_factory = None  # plain tuples: no sqlite3.Row per record
            return [
                PatientSearchRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] == 1)
                for r in cursor
            ]

        return self._db.read(rows)

    def read_patient_rows(self, build: Callable[[Iterator[PatientSearchRow]], T]) -> T:
        """Hand every cached patient to `build`, row by row as SQLite reads them, in the
        pickers' order (last name, first name, case-insensitive, then date of birth), and
        return what it made. Nothing holds all the rows at once, so a picker can keep 100,000
        patients compactly without a second copy on the way (docs/performance.md "Memory")."""
        sql = _PATIENT_ROW_SQL + (
            " ORDER BY py_lower(json_extract(body, '$.lastName')),"
            " py_lower(json_extract(body, '$.firstName')), 4, name"
        )

        def rows(conn: sqlite3.Connection) -> T:
            # Python's lower(), as the pickers sort, not SQLite's ASCII-only one.
            conn.create_function("py_lower", 1, _py_lower, deterministic=True)
            cursor = conn.execute(sql)
            cursor.row_factory = None
            return build(
                PatientSearchRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] == 1)
                for r in cursor
            )

        return self._db.read(rows)

    def search_patients(
        self, text: str, *, site_id: int | None = None, limit: int = 50
    ) -> list[Patient]:
        """Patients whose name or external identifier contains every word of `text`."""
        sql = "SELECT body FROM reference_cache WHERE kind = 'patient'"
        params: list[object] = []
        for word in text.lower().split():
            sql += " AND instr(search_key, ?) > 0"
            params.append(word)
        if site_id is not None:
            sql += " AND site_id = ?"
            params.append(site_id)
        sql += " ORDER BY name LIMIT ?"
        params.append(limit)
        return self._load(Patient, sql, params)

    def cached_sites(self) -> list[Site]:
        """Cached sites, by name."""
        return self._load(
            Site, "SELECT body FROM reference_cache WHERE kind = 'site' ORDER BY name", ()
        )

    def cached_items(self) -> list[ItemDetailed]:
        """Cached catalog items, by name (orderable or not: the UI decides)."""
        return self._load(
            ItemDetailed, "SELECT body FROM reference_cache WHERE kind = 'item' ORDER BY name", ()
        )

    def cached_kits(self, *, include_archived: bool = False) -> list[Kit]:
        """Cached kits, by name; archived kits only when asked."""
        kits = self._load(
            Kit, "SELECT body FROM reference_cache WHERE kind = 'kit' ORDER BY name", ()
        )
        return kits if include_archived else [k for k in kits if not k.archived]

    # -- orders -----------------------------------------------------------------------------

    def cache_orders(self, orders: Sequence[Order]) -> None:
        """Keep these orders for offline history (replacing older copies)."""
        now = self.now()
        self._db.write(lambda conn: insert_orders(conn, orders, now), durable=False)

    def cached_order(self, order_id: int) -> Order | None:
        """The cached copy of one order, or None."""
        found = self._load(Order, "SELECT body FROM order_cache WHERE order_id = ?", (order_id,))
        return found[0] if found else None

    def cached_orders(self) -> list[Order]:
        """Every cached order, newest id first."""
        return self._load(Order, "SELECT body FROM order_cache ORDER BY order_id DESC", ())

    def cached_order_ids(
        self, *, patient_id: int | None = None, external_order_ids: Collection[str] = ()
    ) -> list[int]:
        """The ids of the cached orders (of one patient, or carrying one of these external
        ids), newest id first: the offline history keeps these and parses a page at a time."""
        sql = "SELECT order_id FROM order_cache WHERE 1"
        params: list[object] = []
        if patient_id is not None:
            sql += " AND json_extract(body, '$.patient.id') = ?"
            params.append(patient_id)
        if external_order_ids:
            marks = ", ".join("?" * len(external_order_ids))
            sql += (
                " AND EXISTS (SELECT 1 FROM json_each(body, '$.externalOrderIds')"
                f" WHERE value IN ({marks}))"
            )
            params.extend(external_order_ids)
        sql += " ORDER BY order_id DESC"
        return self._db.read(lambda conn: [r[0] for r in conn.execute(sql, params)])

    def cached_orders_by_id(self, order_ids: Sequence[int]) -> list[Order]:
        """These cached orders, in the order asked (those no longer cached left out)."""
        if not order_ids:
            return []
        marks = ", ".join("?" * len(order_ids))
        found = {
            o.id: o
            for o in self._load(
                Order, f"SELECT body FROM order_cache WHERE order_id IN ({marks})", order_ids
            )
        }
        return [found[i] for i in order_ids if i in found]

    def cached_orders_in(self, statuses: Collection[str]) -> Iterator[Order]:
        """The cached orders whose current status is one of `statuses` (compared as the app
        reads statuses: case, "_" and "-" aside), newest id first. SQLite picks them, so only
        those are parsed: parsing every cached order (10,000 after a long scroll in the
        history) after each page held hundreds of MiB at once (docs/performance.md). Parsed
        one at a time as the caller asks: the needs-action count keeps rows, not orders, and
        a list of a few hundred parsed orders (about 40 KiB each) was 7 MiB at once."""
        folded = tuple(s.replace("_", "").replace("-", "").lower() for s in statuses)
        marks = ", ".join("?" * len(folded))
        status = "trim(json_extract(body, '$.currentStatus'))"
        sql = (
            f"SELECT body FROM order_cache WHERE lower(replace(replace({status}, '_', ''),"
            f" '-', '')) IN ({marks}) ORDER BY order_id DESC"
        )
        rows = self._db.read(lambda conn: conn.execute(sql, folded).fetchall())
        return (Order.model_validate(json.loads(row["body"])) for row in rows)

    def prune_cached_orders(self, keep_days: int) -> int:
        """Forget orders cached more than `keep_days` days ago (the Settings retention),
        except an outbox entry's order, which stays as long as its entry. Returns how many."""
        cutoff = self.now() - keep_days * DAY_SECONDS

        def prune(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "DELETE FROM order_cache WHERE cached_at < ? AND order_id NOT IN"
                " (SELECT order_id FROM outbox WHERE order_id IS NOT NULL)",
                (cutoff,),
            ).rowcount

        return self._db.write(prune)

    def order_cached_at(self, order_id: int) -> datetime | None:
        """When the cached copy of an order was stored."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT cached_at FROM order_cache WHERE order_id = ?", (order_id,)
            ).fetchone()
        )
        return None if row is None else datetime.fromtimestamp(row[0], UTC)
