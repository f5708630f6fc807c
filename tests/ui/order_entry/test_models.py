"""The picker filter, the picker and lines models, and the picker widgets over injected data
(no server needed: the records are built the way the reference cache builds them)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import MAX_COUNT, OrderDraft
from impilo_desktop.ui.order_entry import picker_model
from impilo_desktop.ui.order_entry.lines_model import (
    LINE_ROLE,
    ItemColumn,
    ItemLinesModel,
    KitLinesModel,
    ReturnDevicesModel,
    ReturnItemsModel,
    ReturnPackedKitsModel,
)
from impilo_desktop.ui.order_entry.picker_model import RECORD_ROLE, PickerModel
from impilo_desktop.ui.order_entry.picker_widgets import (
    ItemSearch,
    PatientPicker,
    patient_columns,
)
from impilo_desktop.ui.order_entry.records import (
    ItemRecord,
    KitContent,
    KitRecord,
    PatientRecord,
)
from impilo_desktop.ui.order_entry.search_index import SearchIndex, parse_typed_date


def patient(pid: int, first: str, last: str, dob: str, mrn: str, site: int = 1) -> PatientRecord:
    return PatientRecord(
        id=pid,
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        external_identifier=mrn,
        email=f"{first}.{last}@example.org".lower(),
        site_id=site,
        site_name=f"Clinic {site}",
        city="Springfield",
    )


PATIENTS = [
    patient(1, "Anna", "Smith", "1980-01-31", "MRN-111"),
    patient(2, "Anna", "Smith", "1975-06-02", "MRN-222", site=2),
    patient(3, "Ben", "Smythe", "1990-12-01", "MRN-333"),
    patient(4, "Carla", "Jones", "1980-01-13", "MRN-444", site=2),
    patient(5, "David", "Brown", "2001-03-04", "XQ-9"),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1980-01-31", "1980-01-31"),
        ("01/31/1980", "1980-01-31"),
        ("31/01/1980", "1980-01-31"),  # first number cannot be a month: day first
        ("31.01.1980", "1980-01-31"),
        ("1/2/1980", "1980-01-02"),
        ("31-01-1980", "1980-01-31"),
        ("02/30/1980", None),
        ("smith", None),
    ],
)
def test_typed_dates(typed: str, expected: str | None) -> None:
    parsed = parse_typed_date(typed)
    assert (parsed.isoformat() if parsed else None) == expected


@pytest.mark.parametrize("query", ["1980-01-31", "01/31/1980", "31.01.1980", "31/01/1980"])
def test_date_of_birth_in_any_form_finds_the_patient(query: str) -> None:
    index = SearchIndex([p.search_key() for p in PATIENTS])
    assert index.search(query) == [0]


def test_search_by_name_identifier_email_and_id() -> None:
    index = SearchIndex([p.search_key() for p in PATIENTS])
    assert index.search("smith") == [0, 1]
    assert index.search("anna smith 1975") == [1]
    assert index.search("MRN-333") == [2]
    assert index.search("david.brown@") == [4]
    assert index.search("#5") == [4]
    assert index.search("nobody") == []
    assert index.search("") == [0, 1, 2, 3, 4]


def test_typing_on_narrows_the_previous_result() -> None:
    keys = [p.search_key() for p in PATIENTS] * 200  # 1,000 rows
    index = SearchIndex(keys)
    index.search("s")
    assert index.scanned == len(keys)
    first = index.search("sm")
    assert index.scanned < len(keys)  # only the rows that matched "s"
    narrowed = index.search("smi")
    assert index.scanned == len(first)
    assert narrowed == [i for i, k in enumerate(keys) if "smi" in k]
    index.search("jones")  # not an extension: a fresh scan
    assert index.scanned == len(keys)


def test_scope_restricts_to_one_site() -> None:
    index = SearchIndex([p.search_key() for p in PATIENTS])
    in_site_2 = index.search("smith", scope=2, scope_filter=lambda row: PATIENTS[row].site_id == 2)
    assert in_site_2 == [1]
    assert index.search("smith") == [0, 1]


def test_picker_model(qtmodeltester: ModelTester) -> None:
    model: PickerModel[PatientRecord] = PickerModel(patient_columns())
    model.set_records(PATIENTS)
    qtmodeltester.check(model)
    # Natural order: last name, first name, date of birth.
    names = [model.record(r).display_name for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert names == ["Brown, David", "Jones, Carla", "Smith, Anna", "Smith, Anna", "Smythe, Ben"]
    assert model.set_query("smith") == 2
    first = model.index(0, 1)
    assert model.data(first) == "1975-06-02"
    assert model.data(model.index(0, 0), RECORD_ROLE).id == 2
    model.sort(1, Qt.SortOrder.DescendingOrder)  # by date of birth
    assert [model.data(model.index(r, 1)) for r in range(2)] == ["1980-01-31", "1975-06-02"]
    model.set_query("")
    qtmodeltester.check(model)
    assert model.add_records([patient(9, "New", "Person", "", "MRN-999")])
    assert model.set_query("mrn-999") == 1


def test_lines_models(qtmodeltester: ModelTester) -> None:
    draft = OrderDraft()
    items = ItemLinesModel()
    items.set_draft(draft)
    items.add_item(1001, name="Scale", sku="SKU-1", manufacturer="Acme")
    items.add_item(1002, name="Cuff", sku="SKU-2", manufacturer="Acme")
    assert items.add_item(1001, name="Scale", sku="SKU-1", manufacturer="Acme") == 0
    assert [(ln.item_id, ln.count) for ln in draft.item_lines] == [(1001, 2), (1002, 1)]
    qtmodeltester.check(items)

    count = items.index(0, int(ItemColumn.COUNT))
    name = items.index(0, int(ItemColumn.NAME))
    assert items.flags(count) & Qt.ItemFlag.ItemIsEditable
    assert not items.flags(name) & Qt.ItemFlag.ItemIsEditable
    for bad in ("many", 2.5, True, None):
        assert not items.setData(count, bad), bad
    assert not items.setData(name, "Other name")
    assert draft.item_lines[0].count == 2
    # Out of range is kept as typed (validation reports it on the line), never clamped.
    for typed in (0, MAX_COUNT + 1):
        assert items.setData(count, typed)
        assert draft.item_lines[0].count == typed
        assert items.data(count) == str(typed)
    assert items.setData(count, 7)
    assert items.setData(count, "8")
    assert draft.item_lines[0].count == 8
    assert items.data(count, LINE_ROLE) is draft.item_lines[0]

    items.set_problems({1: ["Count is too large"]})
    assert items.data(items.index(1, 0), Qt.ItemDataRole.ToolTipRole) == "Count is too large"
    assert items.remove_rows([0]) == 1
    assert [ln.item_id for ln in draft.item_lines] == [1002]
    qtmodeltester.check(items)

    kits = KitLinesModel()
    kits.set_draft(draft)
    kits.set_kit_catalog([KitRecord(501, "BP kit", False, (KitContent("Cuff", "SKU-2", 1),))])
    kits.add_kit(501, name="BP kit")
    assert kits.data(kits.index(0, 1)) == "1 \N{MULTIPLICATION SIGN} Cuff (SKU-2)"
    qtmodeltester.check(kits)

    for model in (ReturnItemsModel(), ReturnDevicesModel(), ReturnPackedKitsModel()):
        model.set_draft(draft)
    returns = ReturnItemsModel()
    returns.set_draft(draft)
    returns.add_item(1003, name="Old scale")
    devices = ReturnDevicesModel()
    devices.set_draft(draft)
    devices.add_device(77)
    devices.add_device(77)  # a device can only come back once
    packed = ReturnPackedKitsModel()
    packed.set_draft(draft)
    packed.add_packed_kit(12, 2)
    packed.add_packed_kit(12, 1)
    assert [(r.item_id, r.count) for r in draft.return_items] == [(1003, 1)]
    assert [d.device_id for d in draft.return_devices] == [77]
    assert [(k.packed_kit_id, k.quantity) for k in draft.return_packed_kits] == [(12, 3)]
    assert not devices.flags(devices.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    for model in (returns, devices, packed):
        qtmodeltester.check(model)
    assert returns.rowCount(returns.index(0, 0)) == 0
    assert not returns.removeRows(5, 1, QModelIndex())


def test_patient_picker_keyboard(qtbot: QtBot) -> None:
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records(PATIENTS)
    with qtbot.waitSignal(picker.chosen) as chosen:
        qtbot.keyClicks(picker, "anna smith")
        assert picker.results.isVisible()
        assert picker.model.rowCount() == 2
        # Two Anna Smiths: the rows tell them apart by date of birth and external id.
        rows = {picker.model.data(picker.model.index(r, 2)) for r in range(2)}
        assert rows == {"MRN-111", "MRN-222"}
        qtbot.keyClick(picker.search_field, Qt.Key.Key_Down)
        qtbot.keyClick(picker.search_field, Qt.Key.Key_Return)
    record = chosen.args[0]
    assert isinstance(record, PatientRecord)
    assert record.external_identifier == picker.choice.external_identifier  # type: ignore[union-attr]
    assert picker.card.isVisible()
    assert not picker.search_field.isVisible()
    assert record.display_name in picker.card_label.text()


def test_patient_picker_asks_the_server_when_nothing_matches(qtbot: QtBot) -> None:
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records(PATIENTS)
    with qtbot.waitSignal(picker.remote_lookup_requested) as asked:
        qtbot.keyClicks(picker, "MRN-9")
        assert "will ask Impilo" in picker.status.text()
    assert asked.args == ["MRN-9"]
    assert "Asking Impilo" in picker.status.text()
    picker.remote_results("MRN-9", [patient(42, "Zed", "Zulu", "1960-01-01", "MRN-9")])
    assert "Found 1 patient on Impilo" in picker.status.text()
    with qtbot.waitSignal(picker.chosen) as chosen:
        qtbot.keyClick(picker.search_field, Qt.Key.Key_Return)
    assert chosen.args[0].id == 42


def test_item_search_scanned_sku_and_non_orderable(qtbot: QtBot) -> None:
    search = ItemSearch()
    qtbot.addWidget(search)
    search.show()
    search.model.set_records(
        [
            ItemRecord(1, "Scale", "IMP-1", "S1", "Acme", True),
            ItemRecord(2, "Old scale", "IMP-2", "S0", "Acme", False),
            ItemRecord(3, "Mystery", "IMP-3", "M", "Acme", None),
        ]
    )
    added: list[object] = []
    search.chosen.connect(added.append)
    qtbot.keyClicks(search, "imp-1")
    qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    assert [r.id for r in added] == [1]  # type: ignore[attr-defined]
    assert search.search_field.text() == ""  # ready for the next scan

    qtbot.keyClicks(search, "IMP-2")
    qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    assert len(added) == 1
    assert "cannot be ordered" in search.status.text()
    row = search.model.row_of(2)
    assert search.model.flags(search.model.index(row, 0)) == Qt.ItemFlag.NoItemFlags
    tooltip = search.model.data(search.model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Not orderable" in tooltip
    unknown = search.model.find(lambda r: r.id == 3)
    assert unknown is not None
    assert not unknown.can_order


def test_budgeted_search_resumes_and_narrows_from_a_partial_result() -> None:
    keys = [p.search_key() for p in PATIENTS] * 20_000  # 100,000 rows
    expected_s = [i for i, k in enumerate(keys) if "s" in k]
    index = SearchIndex(keys)
    first = index.search("s", budget=0.0)  # one chunk, then stop
    assert not index.complete
    assert first == expected_s[: len(first)]
    # Typing on narrows what was matched plus what was not yet looked at.
    partial = index.search("smi", budget=0.0)
    rest: list[int] = []
    while not index.complete:
        rest.extend(index.resume(0.0))
    assert partial + rest == [i for i, k in enumerate(keys) if "smi" in k]
    assert index.scanned < len(keys)


def test_picker_model_appends_the_rest_of_a_broad_query(
    qtbot: QtBot, qtmodeltester: ModelTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(picker_model, "SEARCH_BUDGET_S", 0.0)  # one chunk per turn
    many = [
        patient(i, f"First{i}", f"Last{i % 97}", "1970-01-01", f"MRN-{i}") for i in range(1, 30_001)
    ]
    model: PickerModel[PatientRecord] = PickerModel(patient_columns())
    model.set_records(many)
    progress: list[tuple[int, bool]] = []
    model.search_progress.connect(lambda n, done: progress.append((n, done)))
    model.set_query("mrn-1")
    assert not model.search_complete  # the first rows are shown at once
    first_rows = model.rowCount()
    qtbot.waitUntil(lambda: model.search_complete)
    expected = sum(1 for r in many if "mrn-1" in r.search_key())
    assert first_rows < expected
    assert model.rowCount() == expected
    assert progress[-1] == (expected, 1)
    qtmodeltester.check(model)


def test_patient_picker_narrows_to_a_site(qtbot: QtBot) -> None:
    from impilo_desktop.ui.order_entry.records import SiteRecord

    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records(PATIENTS)
    picker.set_sites(
        [SiteRecord(1, "Clinic 1", "A", "B", True), SiteRecord(2, "Clinic 2", "", "", True)]
    )
    qtbot.keyClicks(picker, "anna")
    assert picker.model.rowCount() == 2
    picker.site_scope.setCurrentIndex(picker.site_scope.findData(2))
    assert picker.model.rowCount() == 1
    record = picker.model.record(0)
    assert record is not None
    assert record.site_id == 2
    picker.site_scope.setCurrentIndex(0)  # all sites again
    assert picker.model.rowCount() == 2


def test_query_typed_before_the_cache_loaded_shows_matches_when_it_arrives(
    qtbot: QtBot,
) -> None:
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker, "smythe")
    assert picker.remote_pending  # nothing cached yet: Impilo would be asked
    picker.model.set_records(PATIENTS)
    assert not picker.remote_pending
    assert picker.results.isVisible()
    assert picker.model.rowCount() == 1
    assert picker.status.text().startswith("1 match")


def test_the_joined_keys_find_accented_names_and_keep_rows_apart() -> None:
    # One UTF-8 text for every key: a match is never part of a character or of two rows.
    keys = ["ávila maría 1980-01-31", "line\nbreak smith", "émile zola", "ávila josé"] * 3000
    index = SearchIndex(keys)
    assert index.search("ávila")[:2] == [0, 3]
    assert index.search("ÁVILA JOS") == [i for i, k in enumerate(keys) if "ávila jos" in k]
    assert index.search("break") == [i for i in range(len(keys)) if i % 4 == 1]
    assert index.search("zola") == [i for i in range(len(keys)) if i % 4 == 2]
    assert index.search("h\xe9") == []  # "smith" then "émile": across two keys, no match
    assert index.key(1) == "line break smith"
    # A broad token (cut keys) and a rare one (looked up in the text) agree with a plain scan.
    for query in ("a", "1980-01-31", "zo", "ola"):
        assert index.search(query) == [i for i, k in enumerate(keys) if query in k]
