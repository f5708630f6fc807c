"""Order templates: made from a draft's lines, names that clash without regard to case, the
JSON file and a new draft from a template (lines the catalog refuses are said, not lost)."""

from __future__ import annotations

import json

import pytest

from impilo_desktop.api.models import Item, Kit, ShippingOption
from impilo_desktop.domain import CatalogSnapshot, OrderDraft, PatientChoice
from impilo_desktop.domain.templates import (
    MAX_TEMPLATE_NAME_LENGTH,
    TEMPLATE_FILE_FORMAT,
    OrderTemplate,
    TemplateFileError,
    draft_from_template,
    name_key,
    name_problem,
    read_templates_json,
    template_from_draft,
    templates_json,
    unique_name,
)


def bp_draft() -> OrderDraft:
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=1001, first_name="Thandi", last_name="Nkosi"))
    draft.add_item(7, 2, name="Cuff, large", sku="CUF-L")
    draft.add_kit(3, 1, name="BP kit")
    draft.external_order_ids = ["EHR-1"]
    draft.notes = ["Leave with reception", "  "]
    draft.shipping_option = ShippingOption.OVERNIGHT
    return draft


def test_template_keeps_lines_shipping_and_notes_but_no_recipient_or_ids() -> None:
    template = template_from_draft(bp_draft(), "  BP   starter ")

    assert template.name == "BP starter"
    assert [(ln.item_id, ln.count, ln.sku) for ln in template.item_lines] == [(7, 2, "CUF-L")]
    assert [(ln.kit_id, ln.count, ln.name) for ln in template.kit_lines] == [(3, 1, "BP kit")]
    assert template.shipping_option == ShippingOption.OVERNIGHT
    assert template.notes == ["Leave with reception"]
    fields = set(template.model_dump())
    assert not fields & {"patient", "site", "new_patient", "external_order_ids"}
    assert template.summary() == "2 items, 1 kit"


def test_template_lines_are_copies() -> None:
    draft = bp_draft()
    template = template_from_draft(draft, "BP")
    draft.item_lines[0].count = 9
    assert template.item_lines[0].count == 2


def test_names_clash_without_regard_to_case_or_spacing() -> None:
    assert name_key("BP Starter") == name_key(" bp  STARTER ")
    assert unique_name("BP starter", ["bp starter", "BP Starter (2)"]) == "BP starter (3)"
    assert unique_name("Scale", ["BP starter"]) == "Scale"
    long = "x" * MAX_TEMPLATE_NAME_LENGTH
    renamed = unique_name(long, [long])
    assert renamed.endswith(" (2)")
    assert len(renamed) == MAX_TEMPLATE_NAME_LENGTH


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Give the template a name"),
        ("x" * (MAX_TEMPLATE_NAME_LENGTH + 1), "The name is too long (at most 80 characters)"),
        ("a\x00b", "The name can't contain line breaks or tabs"),
    ],
)
def test_bad_names_are_said_plainly(name: str, message: str) -> None:
    assert name_problem(name) == message


def test_draft_from_template_has_the_lines_and_no_recipient() -> None:
    template = template_from_draft(bp_draft(), "BP starter")

    made = draft_from_template(template)

    assert made.left_out == []
    draft = made.draft
    assert draft.recipient is None
    assert draft.external_order_ids == []
    assert [ln.item_id for ln in draft.item_lines] == [7]
    assert [ln.kit_id for ln in draft.kit_lines] == [3]
    assert draft.shipping_option == ShippingOption.OVERNIGHT
    assert draft.notes == ["Leave with reception"]
    draft.item_lines[0].count = 5  # the draft's lines are its own
    assert template.item_lines[0].count == 2
    assert draft_from_template(template).draft.draft_id != draft.draft_id


def test_lines_the_catalog_refuses_are_left_out_and_said() -> None:
    draft = OrderDraft()
    draft.add_item(1, name="Cuff")
    draft.add_item(2, name="Old cuff")
    draft.add_item(99, name="Gone strips")
    draft.add_kit(10, name="Diabetes kit")
    draft.add_kit(11, name="Hypertension kit (2023)")
    draft.add_kit(98, name="Retired kit")
    template = template_from_draft(draft, "Mixed")
    catalog = CatalogSnapshot(
        items=[Item(id=1, orderable=True), Item(id=2, orderable=False)],
        kits=[
            Kit(id=10, name="Diabetes kit"),
            Kit(id=11, name="Hypertension kit (2023)", archived=True),
        ],
    )

    made = draft_from_template(template, catalog)

    assert [ln.item_id for ln in made.draft.item_lines] == [1]
    assert [ln.kit_id for ln in made.draft.kit_lines] == [10]
    assert made.left_out == [
        "Old cuff can't be ordered; it was left out",
        "Gone strips is no longer in the catalog; it was left out",
        "Hypertension kit (2023) is archived and can no longer be ordered; it was left out",
        "Retired kit is no longer in the catalog; it was left out",
    ]


def test_an_empty_catalog_leaves_every_line_in() -> None:
    template = template_from_draft(bp_draft(), "BP")
    made = draft_from_template(template, CatalogSnapshot())
    assert (len(made.draft.item_lines), len(made.draft.kit_lines), made.left_out) == (1, 1, [])


def test_file_round_trip_gives_new_ids() -> None:
    first = template_from_draft(bp_draft(), "BP starter")
    second = OrderTemplate(name="Empty one", shipping_option=None)

    text = templates_json([first, second])
    body = json.loads(text)
    assert (body["format"], body["version"]) == (TEMPLATE_FILE_FORMAT, 1)
    assert "template_id" not in body["templates"][0]

    back = read_templates_json(text)
    assert [t.name for t in back] == ["BP starter", "Empty one"]
    assert back[0].item_lines == first.item_lines
    assert back[0].kit_lines == first.kit_lines
    assert back[0].template_id != first.template_id
    assert back[1].shipping_option is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{not json",
            "This file is not a templates file (it is not readable JSON); nothing was imported.",
        ),
        ('{"format": "x"}', "This file is not an Impilo Desktop templates file"),
        (f'{{"format": "{TEMPLATE_FILE_FORMAT}"}}', "This templates file has no version"),
        (
            f'{{"format": "{TEMPLATE_FILE_FORMAT}", "version": 2, "templates": []}}',
            "written by a newer version of Impilo Desktop",
        ),
        (
            f'{{"format": "{TEMPLATE_FILE_FORMAT}", "version": 1, "templates": [{{"name": ""}}]}}',
            "Template 1 in this file: Give the template a name.",
        ),
        (
            f'{{"format": "{TEMPLATE_FILE_FORMAT}", "version": 1,'
            ' "templates": [{"name": "A", "item_lines": "lots"}]}',
            "Template 1 in this file is damaged",
        ),
    ],
)
def test_a_bad_file_is_refused_whole(text: str, message: str) -> None:
    with pytest.raises(TemplateFileError) as raised:
        read_templates_json(text)
    assert message in raised.value.message


def test_lines_of_another_account_are_left_out_by_sku_and_kit_name() -> None:
    """Kit and item ids are small numbers in every account: kit 3 "BP kit" there is
    "Scale kit" here, item 5 with SKU IMP-CUF-5 there is a scale here."""
    draft = OrderDraft()
    draft.add_item(5, name="Large cuff", sku="IMP-CUF-5")
    draft.add_item(6, name="Strips", sku="imp-str-6 ")  # the same SKU, written differently
    draft.add_item(7, name="Lancets")  # no SKU to compare by: the id is all there is
    draft.add_kit(3, name="BP kit")
    draft.add_kit(4, name="diabetes  kit")
    template = template_from_draft(draft, "From the other clinic")
    catalog = CatalogSnapshot(
        items=[
            Item(id=5, name="Scale", sku="IMP-SCL-5", orderable=True),
            Item(id=6, name="Test strips (50)", sku="IMP-STR-6", orderable=True),
            Item(id=7, name="Glucometer", sku="IMP-GLU-7", orderable=True),
        ],
        kits=[Kit(id=3, name="Scale kit"), Kit(id=4, name="Diabetes kit")],
    )

    made = draft_from_template(template, catalog)

    assert [(ln.item_id, ln.name, ln.sku) for ln in made.draft.item_lines] == [
        (6, "Test strips (50)", "IMP-STR-6"),  # kept: shown as this catalog has it
        (7, "Glucometer", "IMP-GLU-7"),
    ]
    assert [(ln.kit_id, ln.name) for ln in made.draft.kit_lines] == [(4, "Diabetes kit")]
    assert made.left_out == [
        "Large cuff is another item here (item 5 is Scale (SKU IMP-SCL-5); the template may"
        " come from another Impilo account); it was left out",
        "BP kit is another kit here (kit 3 is Scale kit; the template may come from another"
        " Impilo account); it was left out",
    ]
