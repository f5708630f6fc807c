"""validate_draft: every rule, every message, all problems at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain import (
    MAX_COUNT,
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    Problem,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
    problems_by_row,
    validate_draft,
)
from impilo_desktop.domain.validation import (
    MAX_EXTERNAL_ID_LENGTH,
    MAX_EXTERNAL_IDS,
    MAX_LINES,
    MAX_NOTE_LENGTH,
    MAX_NOTES,
)

JANE = PatientChoice(id=5, first_name="Jane", last_name="Doe")
NORTH = SiteChoice(id=2, name="North Clinic")


def patient_order(**fields: object) -> OrderDraft:
    """A valid patient order with one item, overridden by `fields`."""
    draft = OrderDraft(patient=JANE, item_lines=[ItemLine(item_id=10, count=1, name="Cuff")])
    return draft.model_copy(update=fields)


def by_field(problems: list[Problem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


@dataclass
class TableCatalog:
    """A catalog answering from dictionaries; ids it does not know answer None."""

    orderable: dict[int, bool] = field(default_factory=dict)
    archived: dict[int, bool] = field(default_factory=dict)
    loaner: dict[int, bool] = field(default_factory=dict)

    def is_orderable(self, item_id: int) -> bool | None:
        return self.orderable.get(item_id)

    def is_archived_kit(self, kit_id: int) -> bool | None:
        return self.archived.get(kit_id)

    def is_loaner_kit(self, kit_id: int) -> bool | None:
        return self.loaner.get(kit_id)


def test_a_complete_patient_order_is_valid() -> None:
    assert validate_draft(patient_order()) == []


def test_a_complete_site_order_is_valid() -> None:
    draft = OrderDraft(recipient_kind="site", site=NORTH, kit_lines=[KitLine(kit_id=3)])
    assert validate_draft(draft) == []


def test_an_empty_draft_reports_recipient_and_lines_together() -> None:
    assert validate_draft(OrderDraft()) == [
        Problem("recipient", "Choose a patient or enter a new one"),
        Problem("lines", "Add at least one item or kit"),
    ]


def test_the_recipient_must_match_the_kind() -> None:
    # A site chosen while the draft says "patient order" does not count.
    draft = patient_order(patient=None, site=NORTH)
    assert by_field(validate_draft(draft)) == {"recipient": "Choose a patient or enter a new one"}
    site_order = patient_order(recipient_kind="site", patient=JANE, site=None)
    assert by_field(validate_draft(site_order)) == {"recipient": "Choose a patient or a site"}


@pytest.mark.parametrize(
    ("choice", "kind", "message"),
    [
        (
            PatientChoice(first_name="John", last_name="Doe"),
            "patient",
            "John Doe has no Impilo patient id; choose the patient from the list",
        ),
        (
            PatientChoice(id=0),
            "patient",
            "The patient has no Impilo patient id; choose the patient from the list",
        ),
        (SiteChoice(), "site", "The site has no Impilo site id; choose the site from the list"),
        (
            SiteChoice(id=2**63, name="Big"),
            "site",
            "Big has no Impilo site id; choose the site from the list",
        ),
    ],
)
def test_a_recipient_without_a_usable_id(
    choice: PatientChoice | SiteChoice, kind: str, message: str
) -> None:
    draft = patient_order(recipient_kind=kind, **{kind: choice})
    assert by_field(validate_draft(draft)) == {"recipient": message}


def test_return_lines_alone_make_an_order() -> None:
    draft = patient_order(item_lines=[], return_devices=[ReturnDevice(device_id=7)])
    assert validate_draft(draft) == []


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "Count must be at least 1"),
        (-3, "Count must be at least 1"),
        (MAX_COUNT + 1, f"Count is too large (at most {MAX_COUNT})"),
        (2**31, "Count is too large"),
        (10**30, "Count is too large"),
    ],
)
def test_count_rules_on_every_kind_of_line(count: int, message: str) -> None:
    draft = patient_order(
        item_lines=[ItemLine(item_id=10, count=1), ItemLine(item_id=11, count=count)],
        kit_lines=[KitLine(kit_id=3, count=count)],
        return_items=[ReturnItem(item_id=12, count=count)],
        return_packed_kits=[ReturnPackedKit(packed_kit_id=4, quantity=count)],
    )
    assert by_field(validate_draft(draft)) == {
        "item_lines[1].count": message,
        "kit_lines[0].count": message,
        "return_items[0].count": message,
        "return_packed_kits[0].quantity": message.replace("Count", "Quantity"),
    }


def test_the_largest_allowed_count_passes() -> None:
    assert validate_draft(patient_order(item_lines=[ItemLine(item_id=1, count=MAX_COUNT)])) == []


def test_lines_without_ids_are_named() -> None:
    draft = patient_order(
        item_lines=[ItemLine(item_id=10), ItemLine(name="Glucose strips")],
        kit_lines=[KitLine(kit_id=3), KitLine(kit_id=4), KitLine()],
        return_items=[ReturnItem()],
        return_devices=[ReturnDevice(label="Scale SN 991")],
        return_packed_kits=[ReturnPackedKit(packed_kit_id=-1)],
    )
    assert by_field(validate_draft(draft)) == {
        "item_lines[1].item": "Line 2 (“Glucose strips”) has no item id; choose the item",
        "kit_lines[2].kit": "Line 3 has no kit id; choose the kit",
        "return_items[0].item": "Line 1 has no item id; choose the item",
        "return_devices[0].device": "Line 1 (“Scale SN 991”) has no device id; choose the device",
        "return_packed_kits[0].packed_kit": "Line 1 has an invalid packed kit id",
    }


def test_the_same_item_twice_points_at_the_first_line() -> None:
    draft = patient_order(
        item_lines=[ItemLine(item_id=10), ItemLine(item_id=11), ItemLine(item_id=10)],
        kit_lines=[KitLine(kit_id=3), KitLine(kit_id=3)],
        return_devices=[ReturnDevice(device_id=8), ReturnDevice(device_id=8)],
    )
    assert by_field(validate_draft(draft)) == {
        "item_lines[2].item": "This item is already on line 1; change that line's count instead",
        "kit_lines[1].kit": "This kit is already on line 1; change that line's count instead",
        "return_devices[1].device": "This device is already on line 1",
    }


def test_too_many_lines() -> None:
    lines = [ItemLine(item_id=i + 1) for i in range(MAX_LINES + 1)]
    assert by_field(validate_draft(patient_order(item_lines=lines))) == {
        "item_lines": f"Too many lines (at most {MAX_LINES})"
    }


def test_external_order_id_rules() -> None:
    draft = patient_order(
        external_order_ids=[
            "PO-1",
            " ",
            "x" * (MAX_EXTERNAL_ID_LENGTH + 1),
            " PO-1 ",
            "PO-2",
            "PO\n3",
            "PO 4 (Ünïcode ok)",
        ]
    )
    assert by_field(validate_draft(draft)) == {
        "external_order_ids[1]": "External order id can't be empty",
        "external_order_ids[2]": (
            f"External order id is too long (at most {MAX_EXTERNAL_ID_LENGTH} characters)"
        ),
        "external_order_ids[3]": "External order id “PO-1” is listed twice",
        "external_order_ids[5]": "External order id can't contain line breaks or tabs",
    }


def test_too_many_external_order_ids() -> None:
    ids = [f"PO-{i}" for i in range(MAX_EXTERNAL_IDS + 1)]
    assert by_field(validate_draft(patient_order(external_order_ids=ids))) == {
        "external_order_ids": f"Too many external order ids (at most {MAX_EXTERNAL_IDS})"
    }


def test_note_rules() -> None:
    draft = patient_order(notes=["fine", "   ", "n" * (MAX_NOTE_LENGTH + 1)])
    assert by_field(validate_draft(draft)) == {
        "notes[1]": "Note can't be empty; write something or remove it",
        "notes[2]": f"Note is too long (at most {MAX_NOTE_LENGTH:,} characters)",
    }
    many = patient_order(notes=["n"] * (MAX_NOTES + 1))
    assert by_field(validate_draft(many)) == {"notes": f"Too many notes (at most {MAX_NOTES})"}


def test_shipping_option_is_required_for_a_plain_order() -> None:
    assert by_field(validate_draft(patient_order(shipping_option=None))) == {
        "shipping_option": "Choose a shipping option"
    }


def test_shipping_option_for_returns_unless_the_label_is_emailed() -> None:
    returns = [ReturnItem(item_id=12, count=1)]
    draft = patient_order(item_lines=[], return_items=returns, shipping_option=None)
    assert by_field(validate_draft(draft)) == {
        "shipping_option": (
            "Choose a shipping option for orders with returns, or email the return label"
        )
    }
    assert validate_draft(draft.model_copy(update={"email_label": True})) == []
    # With outbound lines as well, the outbound part still needs a service level.
    both = draft.model_copy(update={"email_label": True, "item_lines": [ItemLine(item_id=1)]})
    assert by_field(validate_draft(both)) == {"shipping_option": "Choose a shipping option"}


def test_an_unknown_shipping_option_from_an_old_file() -> None:
    assert by_field(validate_draft(patient_order(shipping_option="drone"))) == {
        "shipping_option": "Unknown shipping option “drone”; choose another"
    }
    assert validate_draft(patient_order(shipping_option=ShippingOption.OVERNIGHT)) == []


def test_catalog_non_orderable_items_and_archived_kits() -> None:
    catalog = TableCatalog(orderable={10: False, 11: True}, archived={3: True, 4: False})
    draft = patient_order(
        item_lines=[
            ItemLine(item_id=10, name="Old cuff"),
            ItemLine(item_id=11),
            ItemLine(item_id=99),
        ],
        kit_lines=[KitLine(kit_id=3, name="Winter kit"), KitLine(kit_id=4), KitLine(kit_id=98)],
    )
    assert by_field(validate_draft(draft, catalog)) == {
        "item_lines[0].item": "Old cuff can't be ordered",
        "kit_lines[0].kit": "Winter kit is archived and can no longer be ordered",
    }
    # Without a catalog nothing is known, so nothing is reported.
    assert validate_draft(draft) == []


def test_loaner_kit_rules() -> None:
    catalog = TableCatalog(loaner={3: True, 4: True, 5: False})
    one = patient_order(kit_lines=[KitLine(kit_id=3), KitLine(kit_id=5, count=4)])
    assert validate_draft(one, catalog) == []

    two = patient_order(kit_lines=[KitLine(kit_id=3), KitLine(kit_id=4, count=2)])
    assert by_field(validate_draft(two, catalog)) == {
        "kit_lines[1].kit": "Only one loaner kit can be sent per order",
        "kit_lines[1].count": "A loaner kit can only be ordered once (count 1)",
    }

    to_site = OrderDraft(recipient_kind="site", site=NORTH, kit_lines=[KitLine(kit_id=3)])
    assert by_field(validate_draft(to_site, catalog)) == {
        "kit_lines[0].kit": "Loaner kits can only be sent to a patient, not to a site"
    }

    with_returns = patient_order(
        kit_lines=[KitLine(kit_id=3)], return_devices=[ReturnDevice(device_id=1)]
    )
    assert by_field(validate_draft(with_returns, catalog)) == {
        "kit_lines[0].kit": "A loaner kit can't be combined with returns in the same order"
    }


def test_a_failing_catalog_means_unknown() -> None:
    class BrokenCatalog:
        def is_orderable(self, item_id: int) -> bool | None:
            raise RuntimeError("cache closed")

        def is_archived_kit(self, kit_id: int) -> bool | None:
            raise RuntimeError("cache closed")

        def is_loaner_kit(self, kit_id: int) -> bool | None:
            raise RuntimeError("cache closed")

    draft = patient_order(kit_lines=[KitLine(kit_id=3)])
    assert validate_draft(draft, BrokenCatalog()) == []


def test_all_problems_are_reported_at_once() -> None:
    draft = OrderDraft(
        recipient_kind="site",
        item_lines=[ItemLine(item_id=1, count=0)],
        kit_lines=[KitLine(count=2)],
        external_order_ids=[""],
        notes=[""],
        shipping_option=None,
    )
    assert [p.field for p in validate_draft(draft)] == [
        "recipient",
        "item_lines[0].count",
        "kit_lines[0].kit",
        "external_order_ids[0]",
        "notes[0]",
        "shipping_option",
    ]


def test_a_damaged_draft_is_reported_not_raised() -> None:
    # model_construct skips validation, as a corrupted store row might.
    bad_kit_line: dict[str, Any] = {"kit_id": "3", "count": "two"}
    garbage: dict[str, Any] = {
        "recipient_kind": "elsewhere",
        "item_lines": "not a list",
        "kit_lines": [KitLine.model_construct(**bad_kit_line), None],
        "external_order_ids": [5, None],
        "notes": [{"note": "x"}],
        "shipping_option": 3.5,
        "return_items": None,
    }
    draft = OrderDraft.model_construct(**garbage)
    problems = by_field(validate_draft(draft))
    assert problems["recipient"] == "Choose whether the order goes to a patient or a site"
    assert problems["kit_lines[0].kit"] == "Line 1 has an invalid kit id"
    assert problems["kit_lines[0].count"] == "Count must be a whole number"
    assert problems["kit_lines[1].kit"] == "Line 2 has no kit id; choose the kit"
    assert problems["external_order_ids[0]"] == "External order id must be text"
    assert problems["notes[0]"] == "Note must be text"
    assert problems["shipping_option"] == "Unknown shipping option “3.5”; choose another"


def test_problem_reads_as_text() -> None:
    assert str(Problem("lines", "Add at least one item or kit")) == (
        "lines: Add at least one item or kit"
    )


def test_an_archived_patient_or_inactive_site_cannot_receive_orders() -> None:
    archived = PatientChoice(id=5, first_name="Jane", last_name="Doe", archived=True)
    assert by_field(validate_draft(patient_order(patient=archived))) == {
        "recipient": "Jane Doe is archived in Impilo and can't receive orders"
    }
    closed = SiteChoice(id=2, name="North Clinic", active=False)
    draft = patient_order(recipient_kind="site", patient=None, site=closed)
    assert by_field(validate_draft(draft)) == {
        "recipient": "North Clinic is inactive in Impilo and can't receive orders"
    }
    # Unknown (None) is not a problem: the snapshot may predate these fields.
    assert validate_draft(patient_order(patient=JANE.model_copy(update={"archived": None}))) == []


def test_problem_locations() -> None:
    problem = Problem("item_lines[2].count", "Count must be at least 1")
    assert (problem.section, problem.index, problem.part) == ("item_lines", 2, "count")
    whole = Problem("external_order_ids", "Too many")
    assert (whole.section, whole.index, whole.part) == ("external_order_ids", None, None)
    one = Problem("notes[0]", "Note can't be empty")
    assert (one.section, one.index, one.part) == ("notes", 0, None)


def test_problems_by_row() -> None:
    draft = patient_order(
        item_lines=[ItemLine(item_id=1, count=0), ItemLine(), ItemLine(item_id=1, count=0)],
        kit_lines=[KitLine(count=0)],
    )
    assert problems_by_row(validate_draft(draft), "item_lines") == {
        0: ["Count must be at least 1"],
        1: ["Line 2 has no item id; choose the item"],
        2: [
            "This item is already on line 1; change that line's count instead",
            "Count must be at least 1",
        ],
    }
    assert list(problems_by_row(validate_draft(draft), "kit_lines")) == [0]
