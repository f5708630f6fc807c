"""The API's vocabulary shared by responses and requests: its enumerations and the base of
request bodies. `models` re-exports everything here; import from there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# --- enumerations (documented values; fields accept `Enum | str` for future values) ---------


class OrderStatus(StrEnum):
    ORDER_PLACED = "orderPlaced"
    AWAITING_SHIPMENT = "awaitingShipment"
    PENDING_INVENTORY = "pendingInventory"
    ON_HOLD = "onHold"
    PENDING_ADDITIONAL_INFORMATION = "pendingAdditionalInformation"
    RECONFIRM_ADDRESS = "reconfirmAddress"
    SHIPPED = "shipped"
    AVAILABLE_FOR_PICKUP = "availableForPickup"
    UNSUCCESSFUL_DELIVERY = "unsuccessfulDelivery"
    DELIVERED = "delivered"
    RETURN_ISSUED = "returnIssued"
    UNABLE_TO_FULFILL = "unableToFulfill"
    VOIDED = "voided"


class ShippingOption(StrEnum):
    STANDARD = "standard"
    OVERNIGHT = "overnight"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class PatientSort(StrEnum):
    FIRST_NAME = "firstName"
    LAST_NAME = "lastName"
    PATIENT_ID = "patientId"


class ItemSort(StrEnum):
    ITEM_ID = "itemId"
    ITEM_NAME = "itemName"
    ITEM_MODEL = "itemModel"
    ITEM_SKU = "itemSku"


class DeviceStatus(StrEnum):
    INITIATED = "initiated"
    AWAITING_SHIPMENT = "awaitingShipment"
    AVAILABLE = "available"
    AVAILABLE_AT_SITE = "availableAtSite"
    AVAILABLE_REPACKED = "availableRepacked"
    PACKED = "packed"
    PACKED_AT_SITE = "packedAtSite"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    WITH_PATIENT = "withPatient"
    USED = "used"
    REFURBISHING = "refurbishing"
    RECEIVED_IN_ERROR = "receivedInError"
    DECOMMISSIONED = "decommissioned"
    RETURNED_MANUFACTURER = "returnedManufacturer"


class DeviceIdentifierType(StrEnum):
    SERIAL = "serial"
    IMEI = "imei"
    ICCID = "iccid"
    MAC_ADDRESS = "macAddress"
    SIM_CARD_NUMBER = "simCardNumber"


# --- request bodies -------------------------------------------------------------------------


class RequestModel(BaseModel):
    """Base for request bodies: strict shapes, so an incomplete body fails before it is sent."""

    # Built on first use, as `models.ApiModel` (not at import).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True
    )

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Count = Annotated[int, Field(ge=1, le=2**31 - 1)]
