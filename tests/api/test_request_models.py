"""The create-order request model reads every body Impilo's guide and spec show, and sends
only what the API needs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from impilo_desktop.api.models import OrderCreate
from impilo_desktop.domain import import_create_json

# The shapes the guide's bodies carry around the ids: a patient with `sex`, item and site
# references with a `name`, kit references with an empty `kitItems`.
GUIDE_SHAPED = {
    "patient": {"id": 4821, "firstName": "Amara", "lastName": "Okafor", "sex": "female"},
    "orderItems": [{"item": {"id": 31, "name": "Cellular scale"}, "count": 1}],
    "orderKits": [{"kit": {"id": 7, "name": "BP starter", "kitItems": []}, "count": 2}],
    "shippingOption": "standard",
}


def test_guide_shaped_references_are_read_and_only_ids_sent() -> None:
    order = OrderCreate.model_validate(GUIDE_SHAPED)
    assert order.to_wire() == {
        "patient": {"id": 4821, "firstName": "Amara", "lastName": "Okafor"},
        "orderItems": [{"item": {"id": 31}, "count": 1}],
        "orderKits": [{"kit": {"id": 7}, "count": 2}],
        "shippingOption": "standard",
    }


def test_a_site_reference_with_a_name_is_read() -> None:
    order = OrderCreate.model_validate(
        {"site": {"id": 12, "name": "Alder Creek"}, "orderItems": [{"item": {"id": 3}, "count": 1}]}
    )
    assert order.to_wire()["site"] == {"id": 12}


def test_the_model_itself_refuses_a_patient_and_a_site_together() -> None:
    with pytest.raises(ValidationError, match="a patient or to a site, not both"):
        OrderCreate.model_validate({**GUIDE_SHAPED, "site": {"id": 12}})


def test_guide_shaped_files_import_without_complaint() -> None:
    result = import_create_json(GUIDE_SHAPED)
    assert result.ok, result.problems
    assert result.ignored == []
    assert result.draft is not None
    assert [line.kit_id for line in result.draft.kit_lines] == [7]
