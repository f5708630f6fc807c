"""Pydantic schemas for the Impilo API v3 resources the app uses.

camelCase on the wire, snake_case in Python. Responses are modelled leniently (Impilo does not
promise which fields it fills): every field may be absent or null, null lists read as empty,
unknown fields are ignored and unknown enum values are kept as plain strings. Timestamps stay
the strings the server sent (so a response round-trips exactly); the `*_at`/`timestamp`
properties parse them leniently and give None for malformed values.
Request bodies (`OrderCreate`; patients in `patient_requests`) are strict: ids are required,
counts >= 1, no extra fields. Enumerations and the request base live in `wire`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import core_schema

# Re-exported: the request models of patients, and the API's vocabulary (see `wire`).
from impilo_desktop.api.patient_requests import AddressCreate as AddressCreate
from impilo_desktop.api.patient_requests import NewPatientCreate as NewPatientCreate
from impilo_desktop.api.patient_requests import PatientPatch as PatientPatch
from impilo_desktop.api.wire import Count, Id, RequestModel
from impilo_desktop.api.wire import DeviceIdentifierType as DeviceIdentifierType
from impilo_desktop.api.wire import DeviceStatus as DeviceStatus
from impilo_desktop.api.wire import ItemSort as ItemSort
from impilo_desktop.api.wire import OrderStatus as OrderStatus
from impilo_desktop.api.wire import PatientSort as PatientSort
from impilo_desktop.api.wire import Sex as Sex
from impilo_desktop.api.wire import ShippingOption as ShippingOption

T = TypeVar("T")


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


class _NullAsEmpty:
    """Marker: the list also accepts null, which reads as [].

    Built as `nullable(list)` followed by an *after* function, not a before-validator: a
    before-validator makes pydantic build the raw Python objects of the whole sub-tree before
    validating it, so `model_validate_json` could no longer parse the list straight from the
    JSON (twice as slow for a page of orders, see docs/performance.md). The after function
    only ever sees the validated list or None.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _none_to_list, core_schema.nullable_schema(handler(source))
        )


# A response list: absent or null both read as [].
ApiList = Annotated[list[T], _NullAsEmpty(), Field(default_factory=list)]


def parse_timestamp(text: str | None) -> datetime | None:
    """Lenient ISO-8601: 'Z' or offset, optional fraction; naive values are taken as UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(text: str | None) -> date | None:
    """`YYYY-MM-DD`, or the date part of a full timestamp (older payloads send those)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


class ApiModel(BaseModel):
    """Base for response resources: lenient, camelCase aliases, unknown fields ignored."""

    # defer_build: each model's validator is built on its first use (on the bridge thread,
    # mostly), not at import, which the window's start pays for every model (~60-100 ms).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=False,
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the API spells it, holding only the fields that were set."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


E = TypeVar("E", bound=StrEnum)
# A documented enumeration that still accepts a future value as a plain string.
Tolerant = Annotated[E | str, Field(union_mode="left_to_right")]


# --- shared resources ---------------------------------------------------------------------


class Address(ApiModel):
    line_one: str | None = None
    line_two: str | None = None
    line_three: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    note: str | None = None

    def lines(self) -> list[str]:
        """Human-readable lines, empty parts left out."""
        city = f"{self.city}," if self.city else None
        city_line = " ".join(p for p in (city, self.state, self.zip_code) if p)
        parts = [self.line_one, self.line_two, self.line_three, city_line, self.country]
        return [p for p in parts if p]


class Site(ApiModel):
    id: int | None = None
    name: str | None = None
    active: bool | None = None
    phone_number: str | None = None
    address: Address | None = None


class Patient(ApiModel):
    id: int | None = None
    external_identifier: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None
    email: str | None = None
    phone_number: str | None = None
    archived: bool | None = None
    address: Address | None = None
    site: Site | None = None
    enrolled: bool | None = None
    sex: Tolerant[Sex] | None = None

    @property
    def birth_date(self) -> date | None:
        return parse_date(self.date_of_birth)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class Manufacturer(ApiModel):
    id: int | None = None
    name: str | None = None


class Item(ApiModel):
    """The compact item embedded in orders, kits and devices."""

    id: int | None = None
    manufacturer: Manufacturer | None = None
    name: str | None = None
    model: str | None = None
    sku: str | None = None
    # Missing means "unknown", not "orderable" (impilo-api.md 5.1).
    orderable: bool | None = None


class ItemDimensions(ApiModel):
    length: float | None = None
    width: float | None = None
    height: float | None = None
    unit: str | None = None


class ItemDetailed(Item):
    """The item as the item list and fetch endpoints return it."""

    device_identifier_type: Tolerant[DeviceIdentifierType] | None = None
    item_class: str | None = None
    item_class_type: str | None = None
    size: str | None = None
    dimensions: ItemDimensions | None = None
    reading_type: str | None = None
    certifications: ApiList[Any]
    item_certifications: ApiList[Any]

    @property
    def is_device(self) -> bool:
        """A serialised device (it has a device identifier), not a supply."""
        return self.device_identifier_type is not None


class KitItem(ApiModel):
    item: Item | None = None
    count: int | None = None
    drives_external_identifier: bool | None = None


class Kit(ApiModel):
    id: int | None = None
    name: str | None = None
    archived: bool | None = None
    kit_items: ApiList[KitItem]


class DeviceIdentifier(ApiModel):
    type: Tolerant[DeviceIdentifierType] | None = None
    value: str | None = None


class DeviceEvent(ApiModel):
    type: str | None = None
    event_timestamp: str | None = None

    @property
    def timestamp(self) -> datetime | None:
        return parse_timestamp(self.event_timestamp)


class Device(ApiModel):
    id: int | None = None
    item: Item | None = None
    current_status: Tolerant[DeviceStatus] | None = None
    used: bool | None = None
    current_patient: Patient | None = None
    site: Site | None = None
    last_health_check: str | None = None
    device_identifiers: ApiList[DeviceIdentifier]
    device_events: ApiList[DeviceEvent]
    external_identifier: str | None = None
    disabled_readings: bool | None = None


# --- orders ---------------------------------------------------------------------------------


class OrderItem(ApiModel):
    item: Item | None = None
    count: int | None = None


class OrderKit(ApiModel):
    kit: Kit | None = None
    count: int | None = None


class OrderEvent(ApiModel):
    name: str | None = None
    event_timestamp: str | None = None

    @property
    def timestamp(self) -> datetime | None:
        return parse_timestamp(self.event_timestamp)


class EndUser(ApiModel):
    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


class OrderNote(ApiModel):
    note: str | None = None
    created_at: str | None = None
    created_by: EndUser | None = None

    @property
    def created(self) -> datetime | None:
        return parse_timestamp(self.created_at)


class TrackingNumber(ApiModel):
    carrier: str | None = None
    value: str | None = None


class PackedKit(ApiModel):
    id: int | None = None
    external_identifier: str | None = None
    kit: Kit | None = None
    devices: ApiList[Device]


class ReturnItemLine(ApiModel):
    """A return line for untracked items: item id and count."""

    id: int | None = None
    count: int | None = None


class ReturnDeviceLine(ApiModel):
    id: int | None = None


class ReturnPackedKitLine(ApiModel):
    id: int | None = None
    quantity: int | None = None


class Order(ApiModel):
    id: int | None = None
    external_order_ids: ApiList[str]
    patient: Patient | None = None
    site: Site | None = None
    current_status: Tolerant[OrderStatus] | None = None
    order_items: ApiList[OrderItem]
    order_kits: ApiList[OrderKit]
    order_events: ApiList[OrderEvent]
    order_notes: ApiList[OrderNote]
    tracking_numbers: ApiList[TrackingNumber]
    devices: ApiList[Device]
    packed_kits: ApiList[PackedKit]
    shipping_option: Tolerant[ShippingOption] | None = None
    email_label: bool | None = None
    return_items: ApiList[ReturnItemLine]
    return_devices: ApiList[ReturnDeviceLine]
    return_packed_kits: ApiList[ReturnPackedKitLine]

    @property
    def latest_event(self) -> OrderEvent | None:
        """The newest event by timestamp (events with unparsable times count as oldest)."""
        if not self.order_events:
            return None
        floor = datetime.min.replace(tzinfo=UTC)
        return max(self.order_events, key=lambda e: e.timestamp or floor)


# --- inventory ------------------------------------------------------------------------------


class InventorySummaryRecord(ApiModel):
    """One item across all locations (`GET /inventory`)."""

    item: Item | None = None
    new_count: int | None = None
    used_count: int | None = None


class InventoryRecord(InventorySummaryRecord):
    """One item at one location (`/inventory/impilo`, `/inventory/site`)."""

    site: Site | None = None


# --- page envelope --------------------------------------------------------------------------


class Page(ApiModel, Generic[T]):
    """One page of a list endpoint. Pages are 1-based; `total` counts objects, not pages.

    Every number may be missing or null (None: the server did not say). Whether a list has
    ended is decided in one place, `api/paging.py`.
    """

    content: ApiList[T]
    page: int | None = None
    size: int | None = None
    total: int | None = None
    first: bool | None = None
    last: bool | None = None


# --- create-order request -------------------------------------------------------------------


class PatientRef(RequestModel):
    """The recipient patient. Only the id matters to the server; the names are sent as well
    because Impilo's schema marks them required on every Patient object. Other Patient fields
    that the guide's bodies carry (`sex`) are read and not sent."""

    id: Id
    first_name: str | None = None
    last_name: str | None = None
    sex: Sex | str | None = Field(default=None, exclude=True)


class SiteRef(RequestModel):
    """A site recipient; a `name` alongside the id is read and not sent."""

    id: Id
    name: str | None = Field(default=None, exclude=True)


class ItemRef(RequestModel):
    """An item by id; a `name` alongside it is read and not sent."""

    id: Id
    name: str | None = Field(default=None, exclude=True)


class KitRef(RequestModel):
    """A kit by id; its `name` and `kitItems` (the guide's bodies carry an empty list) are
    read and not sent: Impilo knows what a kit holds."""

    id: Id
    name: str | None = Field(default=None, exclude=True)
    kit_items: list[Any] | None = Field(default=None, exclude=True)


class OrderItemCreate(RequestModel):
    item: ItemRef
    count: Count


class OrderKitCreate(RequestModel):
    kit: KitRef
    count: Count


class OrderNoteCreate(RequestModel):
    note: Annotated[str, Field(min_length=1)]


class ReturnItemCreate(RequestModel):
    id: Id
    count: Count


class ReturnDeviceCreate(RequestModel):
    id: Id


class ReturnPackedKitCreate(RequestModel):
    id: Id
    quantity: Count = 1


class OrderCreate(RequestModel):
    """The body of `POST /order`. Structure only; the business rules live in `domain`."""

    # A patient in Impilo (by id), or a new one created with the order.
    patient: PatientRef | NewPatientCreate | None = None
    site: SiteRef | None = None
    order_items: list[OrderItemCreate] = Field(default_factory=list)
    order_kits: list[OrderKitCreate] = Field(default_factory=list)
    external_order_ids: list[str] = Field(default_factory=list)
    order_notes: list[OrderNoteCreate] = Field(default_factory=list)
    shipping_option: ShippingOption | None = None
    email_label: bool | None = None
    return_items: list[ReturnItemCreate] = Field(default_factory=list)
    return_devices: list[ReturnDeviceCreate] = Field(default_factory=list)
    return_packed_kits: list[ReturnPackedKitCreate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_recipient(self) -> OrderCreate:
        # Impilo would pick one silently; an order for a patient *and* a site is a mistake.
        if self.patient is not None and self.site is not None:
            raise ValueError("an order goes to a patient or to a site, not both")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The JSON body; empty lists are left out (an empty array says nothing)."""
        body = super().to_wire()
        return {k: v for k, v in body.items() if v != []}
