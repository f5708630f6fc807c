"""CatalogSnapshot: catalog answers from item and kit records, None when unknown."""

from __future__ import annotations

from impilo_desktop.api.models import Item, Kit
from impilo_desktop.domain import (
    CatalogSnapshot,
    KitLine,
    OrderDraft,
    PatientChoice,
    validate_draft,
)
from impilo_desktop.domain.catalog import looks_like_loaner_kit


def snapshot() -> CatalogSnapshot:
    return CatalogSnapshot(
        items=[
            Item(id=1, name="Cuff", orderable=True),
            Item(id=2, name="Old cuff", orderable=False),
            Item(id=3, name="No flag"),
            Item(name="No id", orderable=False),
        ],
        kits=[
            Kit(id=10, name="Diabetes Starter Kit", archived=False),
            Kit(id=11, name="Hypertension Kit (2023)", archived=True),
            Kit(id=12, name="Loaner BP Monitor Kit", archived=False),
            Kit(id=13, name="  loaner scale"),
        ],
    )


def test_item_answers() -> None:
    catalog = snapshot()
    assert catalog.is_orderable(1) is True
    assert catalog.is_orderable(2) is False
    assert catalog.is_orderable(3) is None
    assert catalog.is_orderable(99) is None


def test_kit_answers() -> None:
    catalog = snapshot()
    assert catalog.is_archived_kit(10) is False
    assert catalog.is_archived_kit(11) is True
    assert catalog.is_archived_kit(13) is None
    assert catalog.is_archived_kit(99) is None
    assert catalog.is_loaner_kit(12) is True
    assert catalog.is_loaner_kit(13) is True
    assert catalog.is_loaner_kit(10) is None
    assert catalog.is_loaner_kit(99) is None


def test_loaner_names() -> None:
    assert looks_like_loaner_kit("Loaner BP Monitor Kit") is True
    assert looks_like_loaner_kit("Return Kit") is None
    assert looks_like_loaner_kit(None) is None


def test_the_snapshot_drives_validation() -> None:
    draft = OrderDraft(
        patient=PatientChoice(id=1),
        kit_lines=[KitLine(kit_id=12, count=2), KitLine(kit_id=11, name="Hypertension Kit (2023)")],
    )
    assert [(p.field, p.message) for p in validate_draft(draft, snapshot())] == [
        ("kit_lines[1].kit", "Hypertension Kit (2023) is archived and can no longer be ordered"),
        ("kit_lines[0].count", "A loaner kit can only be ordered once (count 1)"),
    ]


def test_a_serialised_device_has_a_usual_count_and_a_supply_none() -> None:
    from impilo_desktop.api.models import ItemDetailed
    from impilo_desktop.domain import DEVICE_USUAL_COUNT, ItemLine, large_counts

    monitor = ItemDetailed.model_validate(
        {"id": 5, "name": "Cellular BP Monitor", "orderable": True, "deviceIdentifierType": "imei"}
    )
    cuff = ItemDetailed.model_validate({"id": 6, "name": "BP Cuff", "orderable": True})
    catalog = CatalogSnapshot(items=[monitor, cuff, Item(id=7, name="Compact", orderable=True)])
    assert catalog.usual_count(5) == DEVICE_USUAL_COUNT == 10
    assert catalog.usual_count(6) is None  # a supply: nothing to ask
    assert catalog.usual_count(7) is None  # the compact form says nothing about devices
    assert catalog.usual_count(99) is None

    draft = OrderDraft(
        item_lines=[
            ItemLine(item_id=6, count=50, name="BP Cuff"),
            ItemLine(item_id=5, count=10, name="Cellular BP Monitor"),
        ]
    )
    draft.set_patient(PatientChoice(id=1, first_name="Ann", last_name="Smith"))
    assert large_counts(draft, catalog) == []  # 10 is usual; 50 cuffs are a supply
    draft.item_lines[1].count = 12
    (large,) = large_counts(draft, catalog)
    assert (large.row, large.count, large.usual) == (1, 12, 10)
    assert large.question == "12 \N{MULTIPLICATION SIGN} Cellular BP Monitor for one patient?"
    draft.set_recipient_kind("site")  # a site stocking up is ordinary work
    assert large_counts(draft, catalog) == []
