"""The patient picker's compact table (issue 16, memory): read from a real SQLite cache, it
gives the same patients, in the same order, with the same search results, as one
`PatientRecord` per patient did; the picker still finds, scopes, sorts and chooses them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Patient
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.ui.order_entry.patient_table import PatientTable
from impilo_desktop.ui.order_entry.picker_model import PickerModel, prepare_records
from impilo_desktop.ui.order_entry.picker_widgets import PatientPicker
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.reference import load_patients, load_reference
from impilo_desktop.ui.order_entry.search_index import CHUNK_ROWS, normalize_query
from tests.test_memory import GLIBC

PEOPLE = [
    # id, first, last, birth, MRN, email, site, city, archived
    (7, "Émile", "Zola", "1940-04-02", "MRN-7", "emile@example.org", 2, "Durban", False),
    (3, "anna", "smith", "1980-01-31", "MRN-3", "", 1, "Pretoria", False),
    (4, "Anna", "Smith", "1975-06-01", "mrn-4", "anna.s@example.org", 1, "", True),
    (9, "Ben", "Smith", "", "", "", None, "", False),
    (5, "Zoë", "Ångström", "2001-12-12", "MRN-5", "", 2, "Cape Town", False),
    (6, "", "Mononym", "1999-09-09", "MRN-6", "", 1, "Pretoria", False),
    (8, "Émile", "zola", "1940-04-02", "MRN-8", "", 2, "Durban", False),
]


def patient(pid: int, first: str, last: str, birth: str, mrn: str, email: str,
            site: int | None, city: str, archived: bool) -> Patient:  # fmt: skip
    body: dict[str, object] = {"id": pid, "lastName": last, "archived": archived}
    if first:
        body["firstName"] = first
    if birth:
        body["dateOfBirth"] = birth
    if mrn:
        body["externalIdentifier"] = mrn
    if email:
        body["email"] = email
    if city:
        body["address"] = {"lineOne": "1 Road", "city": city}
    if site is not None:
        body["site"] = {"id": site, "name": f"Clinic {site}"}
    return Patient.model_validate(body)


def cached(tmp_path: Path) -> Store:
    store = Store(tmp_path / "impilo.sqlite3")
    store.store_reference_page(ReferenceKind.PATIENT, [patient(*p) for p in PEOPLE])
    return store


def one_object_each(store: Store) -> list[PatientRecord]:
    """What the picker held before: a record per patient, sorted by the record's key."""
    records = [
        PatientRecord(*row[:9], archived=row.archived) for row in store.patient_search_rows()
    ]
    return list(prepare_records(records).records)


def test_the_table_holds_the_same_patients_in_the_same_order(tmp_path: Path) -> None:
    store = cached(tmp_path)
    prepared = load_patients(store)
    table = prepared.records
    assert isinstance(table, PatientTable)
    assert list(table) == one_object_each(store)
    assert [table[i] for i in range(len(table))] == list(table)  # painted rows: the same
    assert [r.last_name for r in table][:4] == ["Mononym", "Smith", "smith", "Smith"]
    assert table[0].site_name == "Clinic 1"
    assert table[0].city == "Pretoria"
    assert table.site_id_at(table.position_of(9)) is None
    assert table.position_of(12345) == -1
    store.close()


def test_searching_the_table_finds_what_one_object_each_found(tmp_path: Path) -> None:
    store = cached(tmp_path)
    prepared = load_patients(store)
    before = prepare_records(one_object_each(store))
    for query in ["smith", "anna smith", "émile", "01/31/1980", "1940-04-02", "mrn-", "#6", "zz"]:
        ids = [prepared.records.id_at(i) for i in prepared.index.search(query)]
        assert ids == [before.records[i].id for i in before.index.search(query)], query
    store.close()


def test_the_picker_scopes_sorts_adds_and_chooses_from_the_table(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = cached(tmp_path)
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records(load_patients(store))
    picker.set_sites([])
    picker.site_scope.addItem("Clinic 2", 2)
    picker.site_scope.setCurrentIndex(picker.site_scope.findData(2))
    qtbot.keyClicks(picker.search_field, "mile")
    shown = [picker.model.record(r) for r in range(picker.model.rowCount())]
    assert [r.id for r in shown if r] == [7, 8]  # same lowercase name and birth: "Zola" first

    # A patient Impilo found is added once, and keeps where it came from.
    server = PatientRecord(
        11, "Émile", "Zolani", "", "", "", 2, "Clinic 2", "Durban", from_server=True
    )
    assert picker.model.add_records([server, server]) == [server]
    assert picker.model.add_records([server]) == []
    table = picker.model.records
    assert table[table.position_of(11)] == server

    # Sorting by a column keeps a compact table; the site scope reads the sorted one.
    model: PickerModel[PatientRecord] = picker.model
    model.sort(1, Qt.SortOrder.DescendingOrder)  # date of birth: 11's "—" first
    assert isinstance(model.records, PatientTable)
    assert [model.record(r).id for r in range(model.rowCount())] == [11, 7, 8]  # type: ignore[union-attr]
    store.close()


def test_a_field_holding_the_tables_separator_keeps_its_row(tmp_path: Path) -> None:
    """A name typed by another client may hold any character, the unit separator the table
    joins a row's fields with included: the row still reads back, the character a space."""
    store = Store(tmp_path / "impilo.sqlite3")
    odd = ("Ann\x1fMarie", "Smith\x1f", "", "MRN\x1f1", "a\x1fb@example.org")
    store.store_reference_page(
        ReferenceKind.PATIENT, [patient(21, *odd[:2], "1980-01-01", odd[3], odd[4], 1, "", False)]
    )
    table = load_patients(store).records
    [record] = list(table)
    assert (record.id, record.first_name, record.last_name) == (21, "Ann Marie", "Smith ")
    assert (record.external_identifier, record.email) == ("MRN 1", "a b@example.org")
    assert table.known_ids([21, 22]) == {21}
    store.close()


@pytest.mark.skipif(not GLIBC, reason="memory is returned through glibc's malloc_trim only")
def test_loading_the_pickers_returns_freed_memory_once_loaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = cached(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="impilo_desktop.memory"):
        data = load_reference(store)
    assert len(data.patients.records) == len(PEOPLE)
    said = [r.getMessage() for r in caplog.records if r.name == "impilo_desktop.memory"]
    assert len(said) == 1
    assert "after loading the pickers" in said[0]
    store.close()


def many_patients(count: int) -> list[PatientRecord]:
    """Synthetic patients: chunks of ASCII rows and chunks with accented names (and a capital
    I with a dot, which lowercases to two characters), so both ways the table's text is
    searched are used."""
    firsts = ["Anna", "Ben", "Émile", "Zoë", "İlker", "Carla", "José", "ÅSA"]
    lasts = ["Smith", "Ångström", "Zola", "Nkosi", "Dlamini", "Ávila", "Brown"]
    people = []
    for i in range(count):
        accented = (i // CHUNK_ROWS) % 2 == 1  # a chunk of ASCII rows, then a mixed one
        first = firsts[i % len(firsts)] if accented else firsts[(i % 2) * 5]
        last = lasts[i % len(lasts)] if accented else ("Smith", "Nkosi", "Brown")[i % 3]
        birth = "" if i % 11 == 0 else f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        people.append(
            PatientRecord(
                id=10_000 + i,
                first_name=first,
                last_name=last,
                date_of_birth=birth,
                external_identifier=f"MRN-{i}" if i % 5 else "",
                email=f"{first.lower()}.{i}@example.org" if i % 7 == 0 else "",
                site_id=i % 4 or None,
                site_name=f"Clinic {i % 4}",
                city="Durban",
            )
        )
    return people


def test_the_tables_own_text_finds_exactly_what_the_joined_keys_found() -> None:
    """The keys are the table's text lowercased as a search reaches it (no copy of the names
    and emails): every query, typed keystroke by keystroke or at once, finds the same rows as
    one key of every field joined by spaces, with every date spelling and the id."""
    records = many_patients(12_000)
    table = PatientTable()
    table.extend(records)
    ours = table.search_index()
    keys = [r.search_key() for r in records]
    queries = [
        "smith", "SMITH ann", "émile", "ÉMILE ZOLA", "i̇lker", "ilker", "åsa", "ávila jos",
        "1975", "1975-03-14", "03/14/1975", "14.03.1975", "3/14/1975", "/19", ".0", "#",
        "#10007", "10007", "mrn-45", "mrn-4500", "@example", "anna.70@", "durban", "clinic",
        "zz", "ångström 19", "a", "1",
    ]  # fmt: skip
    for query in queries:
        tokens = normalize_query(query)
        expected = [i for i, k in enumerate(keys) if all(t in k for t in tokens)]
        assert ours.search(query) == expected, query
    # Typed one keystroke at a time: each narrows the one before (kept keys, then cut ones).
    for query in ("anna smith 03/1", "zoë ångström", "mrn-1234", "#1001"):
        for end in range(1, len(query) + 1):
            typed = query[:end]
            tokens = normalize_query(typed)
            expected = [i for i, k in enumerate(keys) if all(t in k for t in tokens)]
            assert ours.search(typed) == expected, typed
    first = records[1]
    assert ours.key(1).split("\x1f")[:2] == [first.first_name.lower(), first.last_name.lower()]


def test_sorting_and_adding_patients_keep_the_tables_search_right() -> None:
    records = many_patients(5_000)
    table = PatientTable()
    table.extend(records)
    index = table.search_index()
    order = sorted(range(len(table)), key=lambda i: -table.id_at(i))  # newest id first
    assert table.reordered(order) is table  # in place: the index reads this same text
    index.permute(order)
    found = Patient.model_validate({"id": 99, "firstName": "Émile", "lastName": "Zolani"})
    table.extend([PatientRecord.from_patient(found, from_server=True)])
    index.extend([])
    ids = [table.id_at(i) for i in index.search("zolani")]
    assert ids == [99]
    ids = [table.id_at(i) for i in index.search("mrn-499")]
    mrns = [10_000 + i for i in range(5000) if i % 5 and "mrn-499" in f"mrn-{i}"]
    assert ids == sorted(mrns, reverse=True)
    assert table[len(table) - 1].from_server
