"""Property tests: validation never raises, valid drafts make well-formed requests, JSON
round-trips, imports never raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from impilo_desktop.api.models import OrderCreate
from impilo_desktop.domain import (
    MAX_COUNT,
    DraftInvalid,
    OrderDraft,
    import_create_json,
    to_order_create,
    validate_draft,
)
from impilo_desktop.domain.importing import REQUEST_FIELDS
from tests.domain.strategies import (
    arbitrary_drafts,
    json_values,
    plausible_drafts,
    valid_drafts,
    valid_new_patients,
)

REF = "desk-0123456789abcdef"
DRAFT_FIELDS = list(OrderDraft.model_fields)


@dataclass
class AnswerTable:
    """A catalog with arbitrary (possibly contradictory) answers."""

    orderable: dict[int, bool | None]
    archived: dict[int, bool | None]
    loaner: dict[int, bool | None]

    def is_orderable(self, item_id: int) -> bool | None:
        return self.orderable.get(item_id)

    def is_archived_kit(self, kit_id: int) -> bool | None:
        return self.archived.get(kit_id)

    def is_loaner_kit(self, kit_id: int) -> bool | None:
        return self.loaner.get(kit_id)


answers = st.dictionaries(st.integers(1, 12), st.none() | st.booleans(), max_size=12)
catalogs = st.none() | st.builds(AnswerTable, answers, answers, answers)


@given(arbitrary_drafts | plausible_drafts, catalogs)
def test_validate_never_raises(draft: OrderDraft, catalog: AnswerTable | None) -> None:
    problems = validate_draft(draft, catalog)
    assert all(p.field and p.message for p in problems)


@given(st.fixed_dictionaries({}, optional={name: json_values for name in DRAFT_FIELDS}))
def test_validate_never_raises_on_a_damaged_draft(fields: dict[str, Any]) -> None:
    draft = OrderDraft.model_construct(**fields)
    problems = validate_draft(draft)
    assert isinstance(problems, list)


two_way = valid_drafts(
    return_item_ids=st.integers(1, 12),
    device_ids=st.integers(1, 10**9),
    packed_kit_ids=st.integers(1, 10**9),
)
new_patient_orders = valid_drafts(new_patients=valid_new_patients())


@given(
    valid_drafts() | two_way | new_patient_orders | plausible_drafts | arbitrary_drafts, catalogs
)
def test_a_valid_draft_makes_a_well_formed_request(
    draft: OrderDraft, catalog: AnswerTable | None
) -> None:
    problems = validate_draft(draft, catalog)
    event("valid" if not problems else "invalid")
    if problems:
        with pytest.raises(DraftInvalid) as invalid:
            to_order_create(draft, REF, catalog)
        assert invalid.value.problems == problems
        return
    body = to_order_create(draft, REF, catalog).to_wire()
    assert ("patient" in body) != ("site" in body)
    counts = [
        line["count"]
        for key in ("orderItems", "orderKits", "returnItems")
        for line in body.get(key, [])
    ]
    counts += [line["quantity"] for line in body.get("returnPackedKits", [])]
    assert all(1 <= c <= MAX_COUNT for c in counts)
    assert any(
        body.get(key)
        for key in ("orderItems", "orderKits", "returnItems", "returnDevices", "returnPackedKits")
    )
    assert body["externalOrderIds"].count(REF) == 1
    assert body["externalOrderIds"][-1] == REF or REF in draft.external_order_ids
    assert all(value != [] for value in body.values())
    assert OrderCreate.model_validate(body).to_wire() == body


@given(valid_drafts() | two_way | new_patient_orders)
def test_import_of_a_request_gives_back_the_same_request(draft: OrderDraft) -> None:
    assert validate_draft(draft) == []
    body = to_order_create(draft, REF).to_wire()
    result = import_create_json(body)
    assert result.problems == []
    again = to_order_create(result.draft, REF).to_wire()
    if "shippingOption" not in body:  # a file without one reads as standard
        again.pop("shippingOption", None)
    assert again == body


@given(arbitrary_drafts)
def test_json_round_trip(draft: OrderDraft) -> None:
    text = draft.model_dump_json()
    again = OrderDraft.model_validate_json(text)
    assert again == draft
    assert validate_draft(again) == validate_draft(draft)


@settings(max_examples=200)
@given(json_values | st.fixed_dictionaries({}, optional={k: json_values for k in REQUEST_FIELDS}))
def test_import_never_raises(data: Any) -> None:
    result = import_create_json(data)
    assert isinstance(result.draft, OrderDraft)
    assert all(p.field and p.message for p in result.problems)
    # The imported draft is always storable.
    assert OrderDraft.model_validate_json(result.draft.model_dump_json()) == result.draft
