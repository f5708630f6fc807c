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
