"""Order templates: the shape of an order a coordinator sends again and again
("Hypertension starter: BP kit + large cuff"), kept by name and turned into a new draft.

A template holds a draft's lines (items and kits with their counts), its shipping option and
its notes. Never a recipient, never external order ids: those belong to one order. Names are
unique per profile without regard to case ("BP starter" and "bp starter" are one name).

Templates travel between coordinators as a JSON file (`templates_json` /
`read_templates_json`), documented in docs/order-templates.md:

    {"format": "impilo-desktop-order-templates", "version": 1,
     "templates": [{"name": "BP starter", "shipping_option": "standard", "notes": [],
                    "item_lines": [{"item_id": 7, "count": 1, "name": "Cuff, large",
                                    "sku": "CUF-L", "manufacturer": null}],
                    "kit_lines": [{"kit_id": 3, "count": 1, "name": "BP kit"}]}]}

A file of a newer version is refused with a plain message rather than half read.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import Field, ValidationError, field_validator

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain.draft import (
    DraftModel,
    DraftShippingOption,
    ItemLine,
    KitLine,
    OrderDraft,
)
from impilo_desktop.domain.problems import Problem
from impilo_desktop.domain.validation import Catalog, validate_draft

TEMPLATE_FILE_FORMAT = "impilo-desktop-order-templates"
TEMPLATE_FILE_VERSION = 1
MAX_TEMPLATE_NAME_LENGTH = 80


class TemplateFileError(ValueError):
    """A templates file that cannot be read; `message` is plain language for the coordinator."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class OrderTemplate(DraftModel):
    """A named set of order lines, shipping option and notes (no recipient, no external ids).

    `template_id` identifies a stored template across renames; it is not part of the file.
    """

    template_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    name: str = ""
    item_lines: list[ItemLine] = Field(default_factory=list)
    kit_lines: list[KitLine] = Field(default_factory=list)
    shipping_option: DraftShippingOption = ShippingOption.STANDARD
    notes: list[str] = Field(default_factory=list)

    @field_validator("item_lines", "kit_lines", "notes", mode="before")
    @classmethod
    def _null_list_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    def summary(self) -> str:
        """ "2 items, 1 kit" (units, as `OrderDraft.summary` counts them)."""
        items = sum(max(line.count, 0) for line in self.item_lines)
        kits = sum(max(line.count, 0) for line in self.kit_lines)
        parts = []
        if self.item_lines:
            parts.append(f"{items} item" + ("" if items == 1 else "s"))
        if self.kit_lines:
            parts.append(f"{kits} kit" + ("" if kits == 1 else "s"))
        return ", ".join(parts) or "no lines"


def clean_name(name: str) -> str:
    """The name as kept: surrounding space removed, inner runs of space made one."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """What two names must share to clash ("BP Starter" and " bp  starter" do)."""
    return unicodedata.normalize("NFKC", clean_name(name)).casefold()


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a template, in the coordinator's words, or None."""
    cleaned = clean_name(name)
    if not cleaned:
        return "Give the template a name"
    if len(cleaned) > MAX_TEMPLATE_NAME_LENGTH:
        return f"The name is too long (at most {MAX_TEMPLATE_NAME_LENGTH} characters)"
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        return "The name can't contain line breaks or tabs"
    return None


def template_from_draft(draft: OrderDraft, name: str) -> OrderTemplate:
    """A template of the draft's lines, shipping option and notes (blank notes left out).
    The recipient, external order ids and returns are not part of a template."""
    return OrderTemplate(
        name=clean_name(name),
        item_lines=[line.model_copy(deep=True) for line in draft.item_lines],
        kit_lines=[line.model_copy(deep=True) for line in draft.kit_lines],
        shipping_option=draft.shipping_option,
        notes=[note for note in draft.notes if note.strip()],
    )


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or "name (2)", "name (3)"… when it clashes with one of `taken`."""
    keys = {name_key(t) for t in taken}
    base = clean_name(name)
    if name_key(base) not in keys:
        return base
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = base[: MAX_TEMPLATE_NAME_LENGTH - len(suffix)] + suffix
        if name_key(candidate) not in keys:
            return candidate
        n += 1


# --- a new order from a template ----------------------------------------------------------


class TemplateCatalog(Catalog, Protocol):
    """Validation's catalog, plus whether an item or kit still exists at all (None: the
    catalog cannot say, e.g. it was never fetched)."""

    def knows_item(self, item_id: int) -> bool | None: ...

    def knows_kit(self, kit_id: int) -> bool | None: ...

    def item_name_and_sku(self, item_id: int) -> tuple[str | None, str | None]: ...

    def kit_name(self, kit_id: int) -> str | None: ...


@dataclass
class TemplateOrder:
    """The draft a template starts, and the lines left out of it, each with why."""

    draft: OrderDraft
    left_out: list[str] = field(default_factory=list)


def draft_from_template(
    template: OrderTemplate, catalog: TemplateCatalog | None = None
) -> TemplateOrder:
    """A new draft with the template's lines, shipping option and notes and no recipient.

    With a `catalog`, a line whose item or kit is no longer in it, or that validation's
    catalog rules refuse (an item not orderable, an archived kit), is left out and said in
    `left_out`: the coordinator is told, rather than meeting the refusal at sending time.
    Ids are small numbers in every Impilo account, so an id the catalog knows is not enough:
    a line whose SKU (an item's) or name (a kit's) is not the catalog's is another account's
    item or kit, left out and said; a line kept shows the catalog's name and SKU, which is
    what will be sent.
    """
    draft = OrderDraft(
        item_lines=[line.model_copy(deep=True) for line in template.item_lines],
        kit_lines=[line.model_copy(deep=True) for line in template.kit_lines],
        shipping_option=template.shipping_option,
        notes=list(template.notes),
    )
    if catalog is None:
        return TemplateOrder(draft)
    reasons: dict[tuple[str, int], str] = {}
    for i, item in enumerate(draft.item_lines):
        if item.item_id is None:
            continue
        known = catalog.knows_item(item.item_id)
        if known is False:
            reasons[("item_lines", i)] = f"{item.label} is no longer in the catalog"
        elif known:
            other = _other_item(item, *catalog.item_name_and_sku(item.item_id))
            if other:
                reasons[("item_lines", i)] = other
    for i, kit in enumerate(draft.kit_lines):
        if kit.kit_id is None:
            continue
        known = catalog.knows_kit(kit.kit_id)
        if known is False:
            reasons[("kit_lines", i)] = f"{kit.label} is no longer in the catalog"
        elif known:
            other = _other_kit(kit, catalog.kit_name(kit.kit_id))
            if other:
                reasons[("kit_lines", i)] = other
    for problem in _catalog_problems(draft, catalog):
        if problem.index is not None and problem.part in ("item", "kit"):
            reasons.setdefault((problem.section, problem.index), problem.message)
    draft.item_lines = [
        line for i, line in enumerate(draft.item_lines) if ("item_lines", i) not in reasons
    ]
    draft.kit_lines = [
        line for i, line in enumerate(draft.kit_lines) if ("kit_lines", i) not in reasons
    ]
    _as_the_catalog_has_it(draft, catalog)
    left_out = [f"{reason}; it was left out" for _, reason in sorted(reasons.items())]
    return TemplateOrder(draft, left_out)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _other_item(line: ItemLine, name: str | None, sku: str | None) -> str:
    """Why `line` is not the catalog's item of its id ("" when it is: then the line takes
    the catalog's name and SKU)."""
    if line.sku and sku and not _same(line.sku, sku):
        here = " ".join(part for part in (name, f"(SKU {sku})") if part)
        return (
            f"{line.label} is another item here (item {line.item_id} is {here}; the template"
            " may come from another Impilo account)"
        )
    return ""  # without a SKU on both sides the id is all there is


def _other_kit(line: KitLine, name: str | None) -> str:
    """Why `line` is not the catalog's kit of its id ("" when it is)."""
    if line.name and name and not _same(line.name, name):
        return (
            f"{line.label} is another kit here (kit {line.kit_id} is {name}; the template may"
            " come from another Impilo account)"
        )
    return ""


def _as_the_catalog_has_it(draft: OrderDraft, catalog: TemplateCatalog) -> None:
    """The lines kept show the catalog's name and SKU: what the order sends is its id."""
    for item in draft.item_lines:
        if item.item_id is not None:
            name, sku = catalog.item_name_and_sku(item.item_id)
            item.name, item.sku = name or item.name, sku or item.sku
    for kit in draft.kit_lines:
        if kit.kit_id is not None:
            kit.name = catalog.kit_name(kit.kit_id) or kit.name


def _catalog_problems(draft: OrderDraft, catalog: Catalog) -> list[Problem]:
    """The problems only the catalog finds: validation with it, less validation without."""
    plain = set(validate_draft(draft))
    return [p for p in validate_draft(draft, catalog) if p not in plain]


# --- the file ---------------------------------------------------------------------------


def templates_json(templates: Iterable[OrderTemplate]) -> str:
    """The templates as a file another coordinator can import (the format above)."""
    body = {
        "format": TEMPLATE_FILE_FORMAT,
        "version": TEMPLATE_FILE_VERSION,
        "templates": [t.model_dump(mode="json", exclude={"template_id"}) for t in templates],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def read_templates_json(text: str) -> list[OrderTemplate]:
    """The templates of a file written by `templates_json`, each with a new id. Raises
    `TemplateFileError` (a message to show as is) when it is not such a file."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise TemplateFileError(
            "This file is not a templates file (it is not readable JSON); nothing was imported."
        ) from exc
    if not isinstance(body, dict) or body.get("format") != TEMPLATE_FILE_FORMAT:
        raise TemplateFileError(
            "This file is not an Impilo Desktop templates file; nothing was imported."
        )
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateFileError("This templates file has no version; nothing was imported.")
    if version > TEMPLATE_FILE_VERSION:
        raise TemplateFileError(
            "This templates file was written by a newer version of Impilo Desktop; update"
            " the app to import it. Nothing was imported."
        )
    raw = body.get("templates")
    if not isinstance(raw, list):
        raise TemplateFileError("This templates file lists no templates; nothing was imported.")
    templates: list[OrderTemplate] = []
    for n, entry in enumerate(raw, start=1):
        try:
            template = OrderTemplate.model_validate(
                {k: v for k, v in entry.items() if k != "template_id"}
                if isinstance(entry, dict)
                else entry
            )
        except ValidationError as exc:
            raise TemplateFileError(
                f"Template {n} in this file is damaged; nothing was imported."
            ) from exc
        problem = name_problem(template.name)
        if problem:
            raise TemplateFileError(f"Template {n} in this file: {problem}. Nothing was imported.")
        template.name = clean_name(template.name)
        templates.append(template)
    return templates
