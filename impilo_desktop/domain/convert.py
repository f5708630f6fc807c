"""Drafts to and from the API's shapes: the create-order request, an existing order (reorder)."""

from __future__ import annotations

from impilo_desktop.api.models import (
    AddressCreate,
    ItemRef,
    KitRef,
    NewPatientCreate,
    Order,
    OrderCreate,
    OrderItemCreate,
    OrderKitCreate,
    OrderNoteCreate,
    PatientRef,
    ReturnDeviceCreate,
    ReturnItemCreate,
    ReturnPackedKitCreate,
    Sex,
    ShippingOption,
    SiteRef,
)
from impilo_desktop.api.patient_requests import PatientSiteRef
from impilo_desktop.domain.draft import (
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    SiteChoice,
)
from impilo_desktop.domain.new_patient import DEFAULT_COUNTRY, NewPatient, UsAddress
from impilo_desktop.domain.new_patient_rules import normal_state, normal_zip
from impilo_desktop.domain.validation import (
    MAX_EXTERNAL_ID_LENGTH,
    Catalog,
    DraftInvalid,
    validate_draft,
)


def to_order_create(
    draft: OrderDraft, client_reference: str, catalog: Catalog | None = None
) -> OrderCreate:
    """The `POST /order` body for a valid draft.

    The client reference (the app's idempotency key, see docs/architecture.md "Exactly once")
    goes into `externalOrderIds` after the user's own ids, once. Texts are sent trimmed; empty
    lists and unset options are left out. Raises `DraftInvalid` with every problem when the
    draft is not valid, and ValueError for an unusable client reference (a programming error).
    """
    reference = client_reference.strip() if isinstance(client_reference, str) else ""
    if not reference or len(reference) > MAX_EXTERNAL_ID_LENGTH:
        raise ValueError("client reference must be 1 to 100 characters of text")
    problems = validate_draft(draft, catalog)
    if problems:
        raise DraftInvalid(problems)

    external_ids = [value.strip() for value in draft.external_order_ids]
    if reference not in external_ids:
        external_ids.append(reference)

    patient: PatientRef | NewPatientCreate | None = None
    site: SiteRef | None = None
    if draft.is_new_patient_order:
        assert draft.new_patient is not None
        patient = to_new_patient_create(draft.new_patient)
    elif draft.recipient_kind == "patient" and draft.patient is not None:
        assert draft.patient.id is not None  # guaranteed by validation
        patient = PatientRef(
            id=draft.patient.id,
            first_name=draft.patient.first_name.strip() or None,
            last_name=draft.patient.last_name.strip() or None,
        )
    elif draft.site is not None:
        assert draft.site.id is not None
        site = SiteRef(id=draft.site.id)

    has_returns = draft.has_returns
    return OrderCreate(
        patient=patient,
        site=site,
        order_items=[
            OrderItemCreate(item=ItemRef(id=_id(line.item_id)), count=line.count)
            for line in draft.item_lines
        ],
        order_kits=[
            OrderKitCreate(kit=KitRef(id=_id(line.kit_id)), count=line.count)
            for line in draft.kit_lines
        ],
        external_order_ids=external_ids,
        order_notes=[OrderNoteCreate(note=note.strip()) for note in draft.notes],
        shipping_option=(
            ShippingOption(draft.shipping_option) if draft.shipping_option is not None else None
        ),
        # Only meaningful for two-way orders; left out otherwise so a plain order stays minimal.
        email_label=draft.email_label if has_returns else None,
        return_items=[
            ReturnItemCreate(id=_id(line.item_id), count=line.count) for line in draft.return_items
        ],
        return_devices=[
            ReturnDeviceCreate(id=_id(line.device_id)) for line in draft.return_devices
        ],
        return_packed_kits=[
            ReturnPackedKitCreate(id=_id(line.packed_kit_id), quantity=line.quantity)
            for line in draft.return_packed_kits
        ],
    )


def to_new_patient_create(new: NewPatient) -> NewPatientCreate:
    """The inline patient of a create-order body, from a new patient that passed validation:
    texts trimmed, empty fields left out, sex in Impilo's lower-case."""
    sex = new.sex.strip().lower()
    return NewPatientCreate(
        first_name=new.first_name.strip(),
        last_name=new.last_name.strip(),
        date_of_birth=new.date_of_birth.strip() or None,
        sex=Sex(sex) if sex else None,
        email=new.email.strip() or None,
        phone_number=new.phone_number.strip() or None,
        external_identifier=new.external_identifier.strip() or None,
        site=PatientSiteRef(id=new.site_id) if new.site_id is not None else None,
        address=to_address_create(new.address),
    )


def to_address_create(address: UsAddress) -> AddressCreate:
    """A valid US address as sent: trimmed, the state upper-case, the ZIP as 12345 or
    12345-6789, the country USA."""
    zip_code = normal_zip(address.zip_code)
    assert zip_code is not None  # guaranteed by validation
    return AddressCreate(
        line_one=address.line_one.strip(),
        line_two=address.line_two.strip() or None,
        city=address.city.strip(),
        state=normal_state(address.state),
        zip_code=zip_code,
        country=address.country.strip().upper() or DEFAULT_COUNTRY,
    )


def _id(value: int | None) -> int:
    # Validation has rejected missing ids before any conversion runs.
    assert value is not None
    return value


def order_to_draft(order: Order) -> OrderDraft:
    """A new draft that orders the same things for the same recipient ("reorder").

    Kept: the recipient, the item and kit lines (with their counts and names) and the shipping
    option. Left out on purpose: the external order ids (they name the old order; the app's
    client reference must never be reused), the notes (they usually speak about that one
    shipment), and the return lines and email-label choice (what was returned once is not
    returned again). Lines repeated in the order are merged. Nothing is validated here: an
    item that became non-orderable shows up as a problem when the draft is checked.
    """
    draft = OrderDraft()
    if order.patient is not None:
        draft.set_patient(PatientChoice.from_patient(order.patient))
    elif order.site is not None:
        draft.set_site(SiteChoice.from_site(order.site))
    for order_item in order.order_items:
        item = order_item.item
        count = order_item.count if order_item.count is not None else 1
        name = (item.name if item else None) or ""
        sku = item.sku if item else None
        maker = item.manufacturer.name if item and item.manufacturer else None
        if item is not None and item.id is not None:
            draft.add_item(item.id, count, name=name, sku=sku, manufacturer=maker)
        else:
            draft.item_lines.append(ItemLine(count=count, name=name, sku=sku, manufacturer=maker))
    for order_kit in order.order_kits:
        kit = order_kit.kit
        count = order_kit.count if order_kit.count is not None else 1
        name = (kit.name if kit else None) or ""
        if kit is not None and kit.id is not None:
            draft.add_kit(kit.id, count, name=name)
        else:
            draft.kit_lines.append(KitLine(count=count, name=name))
    if order.shipping_option in tuple(ShippingOption):
        draft.shipping_option = ShippingOption(order.shipping_option)
    draft.touch()
    return draft
