"""Hypothesis strategies for drafts: anything at all, and drafts that are mostly well formed."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain import (
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
)
from impilo_desktop.domain.new_patient import NewPatient, UsAddress

# Numbers a damaged or hostile draft may hold: zero, negatives, past int32 and int64.
any_int = st.one_of(st.integers(), st.integers(min_value=2**31 - 5, max_value=2**64 + 5))
any_text = st.text(max_size=30)
shipping = st.one_of(st.none(), st.sampled_from(list(ShippingOption)), any_text)


def _draft(
    ids: st.SearchStrategy[int | None],
    counts: st.SearchStrategy[int],
    texts: st.SearchStrategy[str],
    max_lines: int,
) -> st.SearchStrategy[OrderDraft]:
    def lines(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
        return st.lists(strategy, max_size=max_lines)

    return st.builds(
        OrderDraft,
        recipient_kind=st.sampled_from(["patient", "site"]),
        patient=st.none() | st.builds(PatientChoice, id=ids, first_name=texts, last_name=texts),
        new_patient=st.none()
        | st.builds(
            NewPatient,
            first_name=texts,
            last_name=texts,
            sex=st.sampled_from(["", "male", "Female"]) | texts,
            site_id=st.none() | ids,
            address=st.builds(
                UsAddress,
                line_one=texts,
                city=texts,
                state=st.sampled_from(["PA", "ny ", "XX"]) | texts,
                zip_code=st.sampled_from(["18512", "185120042", "1851"]) | texts,
            ),
        ),
        site=st.none() | st.builds(SiteChoice, id=ids, name=texts),
        item_lines=lines(st.builds(ItemLine, item_id=ids, count=counts, name=texts)),
        kit_lines=lines(st.builds(KitLine, kit_id=ids, count=counts, name=texts)),
        external_order_ids=lines(texts),
        notes=lines(texts),
        shipping_option=shipping,
        email_label=st.booleans(),
        return_items=lines(st.builds(ReturnItem, item_id=ids, count=counts)),
        return_devices=lines(st.builds(ReturnDevice, device_id=ids)),
        return_packed_kits=lines(st.builds(ReturnPackedKit, packed_kit_id=ids, quantity=counts)),
    )


# Any draft the model accepts.
arbitrary_drafts = _draft(st.none() | any_int, any_int, any_text, max_lines=6)

# Drafts close to valid, so a good share passes validation: small ids, counts around the
# limits, short texts (sometimes blank).
plausible_drafts = _draft(
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=5) | st.sampled_from([0, 999, 1000]),
    st.text(alphabet="abc XYZ-1", min_size=1, max_size=8),
    max_lines=3,
)

# JSON-like garbage for fields of a damaged draft and for imported files.
json_values = st.recursive(
    st.none() | st.booleans() | any_int | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)


ANY_ID = st.integers(1, 10**6)


def _unique_lines(ids: st.SearchStrategy[int], max_size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(ids, max_size=max_size, unique=True)


@st.composite
def valid_drafts(
    draw: st.DrawFn,
    *,
    patient_ids: st.SearchStrategy[int] = ANY_ID,
    site_ids: st.SearchStrategy[int] = ANY_ID,
    item_ids: st.SearchStrategy[int] = ANY_ID,
    kit_ids: st.SearchStrategy[int] = ANY_ID,
    return_item_ids: st.SearchStrategy[int] | None = None,
    device_ids: st.SearchStrategy[int] | None = None,
    packed_kit_ids: st.SearchStrategy[int] | None = None,
    max_count: int = 999,
    new_patients: st.SearchStrategy[NewPatient] | None = None,
) -> OrderDraft:
    """Drafts that pass `validate_draft` without a catalog, by construction: the recipient
    matches the kind, ids are unique per list, counts within limits, texts non-blank. Return
    lines are drawn only when their id strategies are given; a new patient (instead of a
    chosen one) only when `new_patients` is (see `valid_new_patients`)."""
    counts = st.integers(1, max_count)
    texts = st.text(alphabet="abcdefghij XYZ-_/0123456789", min_size=1, max_size=20).filter(
        lambda s: s.strip() != ""
    )
    draft = OrderDraft()
    kinds = ["patient", "site", *(["new patient"] if new_patients is not None else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == "patient":
        draft.set_patient(
            PatientChoice(id=draw(patient_ids), first_name=draw(texts), last_name=draw(texts))
        )
    elif kind == "new patient":
        assert new_patients is not None
        draft.set_new_patient(draw(new_patients))
    else:
        draft.set_site(SiteChoice(id=draw(site_ids), name=draw(texts)))
    draft.item_lines = [
        ItemLine(item_id=i, count=draw(counts)) for i in draw(_unique_lines(item_ids, 3))
    ]
    draft.kit_lines = [
        KitLine(kit_id=k, count=draw(counts)) for k in draw(_unique_lines(kit_ids, 2))
    ]
    if return_item_ids is not None:
        draft.return_items = [
            ReturnItem(item_id=i, count=draw(counts))
            for i in draw(_unique_lines(return_item_ids, 2))
        ]
    if device_ids is not None:
        draft.return_devices = [
            ReturnDevice(device_id=d) for d in draw(_unique_lines(device_ids, 2))
        ]
    if packed_kit_ids is not None:
        draft.return_packed_kits = [
            ReturnPackedKit(packed_kit_id=p, quantity=1)
            for p in draw(_unique_lines(packed_kit_ids, 1))
        ]
    if not (draft.item_lines or draft.kit_lines or draft.has_returns):
        draft.item_lines = [ItemLine(item_id=draw(item_ids), count=draw(counts))]
    ids = draw(st.lists(texts.map(str.strip), max_size=3, unique=True))
    draft.external_order_ids = ids
    draft.notes = draw(st.lists(texts, max_size=2))
    draft.email_label = draw(st.booleans())
    draft.shipping_option = draw(st.sampled_from(list(ShippingOption)))
    return draft


_names = st.text(alphabet="abcdefghij XYZ-'", min_size=1, max_size=20).filter(str.strip)


def valid_new_patients(
    site_ids: st.SearchStrategy[int] = ANY_ID, *, contacts: bool = True
) -> st.SearchStrategy[NewPatient]:
    """New patients that pass `new_patient_problems`, typed with the variety the rules allow
    (lower-case states, 9-digit ZIPs, optional fields left empty). Without `contacts` they have
    no email or external id, which a server holds unique across patients."""

    def optional(values: list[str]) -> st.SearchStrategy[str]:
        return st.just("") | st.sampled_from(values)

    return st.builds(
        NewPatient,
        first_name=_names,
        last_name=_names,
        date_of_birth=optional(["1961-02-28", "2001-12-31", "1930-01-01"]),
        sex=optional(["female", "male", "Other", "unknown"]),
        email=optional(["ada@clinic.example.org", "bo.lind@mail.example.net"])
        if contacts
        else st.just(""),
        phone_number=optional(["570-555-0142", "+1 (570) 555 0143", "5705550144"]),
        external_identifier=optional(["MRN-1", "EHR 22"]) if contacts else st.just(""),
        site_id=st.none() | site_ids,
        address=st.builds(
            UsAddress,
            line_one=_names,
            line_two=st.just("") | _names,
            city=_names,
            state=st.sampled_from(["PA", "ny", " ca ", "DC", "pr", "AE"]),
            zip_code=st.sampled_from(["18512", "02134", "185120042", "18512-0042"]),
            country=st.sampled_from(["USA", "usa", ""]),
        ),
    )
