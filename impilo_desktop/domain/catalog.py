"""A `Catalog` built from the item and kit records the app already holds (reference cache).

It answers only what the records say: an item whose `orderable` is missing, or an id it has
never seen, is "don't know" (None), never a problem. Impilo publishes no loaner-kit flag
(impilo-api.md 5.3); by the naming convention the sandbox follows, a kit whose name starts with
"Loaner" is taken to be one, and any other kit is "don't know".

How many of an item one patient usually gets (`usual_count`): Impilo publishes no per-item
limit (impilo-api.md 5.1; the OpenAPI `Item` has none), so the catalog says what it can: a
serialised device (an item with a device identifier type) is `DEVICE_USUAL_COUNT`, anything
else has no limit to ask about. This is the one place to read a catalog limit once Impilo
publishes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

LOANER_PREFIX = "loaner"
DEVICE_USUAL_COUNT = 10
"""Above this many of one device for one patient, the coordinator is asked once to confirm."""


class ItemFacts(Protocol):
    """What the catalog needs of an item: an API `Item`, or the order form's record."""

    @property
    def id(self) -> int | None: ...
    @property
    def orderable(self) -> bool | None: ...


class KitFacts(Protocol):
    """What the catalog needs of a kit: an API `Kit`, or the order form's record."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def archived(self) -> bool | None: ...


def looks_like_loaner_kit(name: str | None) -> bool | None:
    """True for a kit named "Loaner ..."; None (unknown) otherwise."""
    if name and name.strip().lower().startswith(LOANER_PREFIX):
        return True
    return None


class CatalogSnapshot:
    """Catalog answers from lists of items and kits (satisfies `validation.Catalog`): the one
    catalog the order form, the command line and the tests all use."""

    def __init__(self, items: Iterable[ItemFacts] = (), kits: Iterable[KitFacts] = ()) -> None:
        items = list(items)
        self._orderable: dict[int, bool | None] = {
            item.id: item.orderable for item in items if item.id is not None
        }
        # `is_device` is known for detailed catalog items and the form's records only.
        self._devices = {
            item.id for item in items if item.id is not None and getattr(item, "is_device", None)
        }
        self._kits: dict[int, KitFacts] = {kit.id: kit for kit in kits if kit.id is not None}
        # What the coordinator knows an item by (name, SKU), where the records say it.
        self._item_names: dict[int, tuple[str | None, str | None]] = {
            item.id: (getattr(item, "name", None), getattr(item, "sku", None))
            for item in items
            if item.id is not None
        }

    def is_orderable(self, item_id: int) -> bool | None:
        """The item's `orderable` flag, None when unknown."""
        return self._orderable.get(item_id)

    def is_archived_kit(self, kit_id: int) -> bool | None:
        """The kit's `archived` flag, None when unknown."""
        kit = self._kits.get(kit_id)
        return kit.archived if kit is not None else None

    def is_loaner_kit(self, kit_id: int) -> bool | None:
        """True for a kit named as a loaner kit, None otherwise (no flag exists)."""
        kit = self._kits.get(kit_id)
        return looks_like_loaner_kit(kit.name) if kit is not None else None

    def knows_item(self, item_id: int) -> bool | None:
        """Whether the item is in the catalog; None when this snapshot holds no items at all
        (never fetched), so an empty cache does not make every item look gone."""
        return item_id in self._orderable if self._orderable else None

    def knows_kit(self, kit_id: int) -> bool | None:
        """Whether the kit is in the catalog; None when this snapshot holds no kits at all."""
        return kit_id in self._kits if self._kits else None

    def item_name_and_sku(self, item_id: int) -> tuple[str | None, str | None]:
        """The item's name and SKU in this catalog, None for what it does not know."""
        return self._item_names.get(item_id, (None, None))

    def kit_name(self, kit_id: int) -> str | None:
        """The kit's name in this catalog, None when unknown."""
        kit = self._kits.get(kit_id)
        return kit.name if kit is not None else None

    def usual_count(self, item_id: int) -> int | None:
        """How many of this item one patient usually gets; None when there is no such limit
        (supplies) or the item is unknown."""
        return DEVICE_USUAL_COUNT if item_id in self._devices else None
