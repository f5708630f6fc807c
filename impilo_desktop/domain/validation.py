"""Order rules a draft must meet before it is sent (impilo-api.md 2.3 and the 400 table in 1.5).

`validate_draft` reports every problem at once, in the coordinator's words, each tied to a
stable field key the form uses to put the message next to the right widget:

    recipient                      who receives the order
    new_patient.<field>            a patient typed in the form: first_name, last_name,
                                   date_of_birth, sex, email, phone_number,
                                   external_identifier, site_id (new_patient_rules)
    new_patient.address.<field>    their address: line_one, line_two, city, state, zip_code,
                                   country
    lines                          the order as a whole has no lines / too many lines
    item_lines[i].item / .count    an item line
    kit_lines[i].kit / .count      a kit line
    external_order_ids / [i]       the user's own order references
    notes / notes[i]               notes
    shipping_option                shipping
    return_items[i].item / .count, return_devices[i].device,
    return_packed_kits[i].packed_kit / .quantity
    draft                          the draft itself is damaged (should never happen)

It never raises, whatever the draft holds (a damaged file loaded with `model_construct`,
negative or astronomically large numbers, wrong types): a rule that cannot judge a value
reports it as a problem.

Limits that the API does not publish are ours, chosen generously so they only stop mistakes:
a line count of at most `MAX_COUNT` (999; the API's own ceiling is the int32 maximum), at most
`MAX_LINES` lines per list, external order ids of at most `MAX_EXTERNAL_ID_LENGTH` characters
and `MAX_EXTERNAL_IDS` of the user's own (the app adds its client reference), notes of
at most `MAX_NOTE_LENGTH` characters and `MAX_NOTES` of them.

Not checkable here: stock (`insufficient_inventory`), whether a returned device is also in a
returned packed kit (the packed kits' contents are not known to the client), and whether the
ids exist at all; the server's message covers those.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.new_patient_rules import new_patient_problems
from impilo_desktop.domain.problems import Problem as Problem
from impilo_desktop.domain.problems import problems_by_row as problems_by_row

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_COUNT = 999
MAX_LINES = 200
MAX_EXTERNAL_IDS = 20
MAX_EXTERNAL_ID_LENGTH = 100
MAX_NOTES = 20
MAX_NOTE_LENGTH = 2000


class DraftInvalid(ValueError):  # noqa: N818 - the name the team codes against
    """Raised when an invalid draft is converted into a request; carries every problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(
            "The order is not ready: " + "; ".join(p.message for p in self.problems[:5])
        )


class Catalog(Protocol):
    """What validation may ask about the catalog. Every answer may be None ("don't know"),
    which never produces a problem: the server stays the judge of what we cannot know."""

    def is_orderable(self, item_id: int) -> bool | None: ...

    def is_archived_kit(self, kit_id: int) -> bool | None: ...

    def is_loaner_kit(self, kit_id: int) -> bool | None: ...


# --- small, defensive readers (a damaged draft may hold anything) -----------------------


def _seq(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return []


def _attr(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:  # a damaged object whose attribute access itself fails
        return None


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= INT64_MAX


def _count_problem(value: Any, noun: str = "Count") -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{noun} must be a whole number"
    if value < 1:
        return f"{noun} must be at least 1"
    if value > INT32_MAX:
        return f"{noun} is too large"
    if value > MAX_COUNT:
        return f"{noun} is too large (at most {MAX_COUNT})"
    return None


def _ask(question: Callable[[int], bool | None], ident: int) -> bool | None:
    # A catalog that fails must not stop validation; treat it as "don't know".
    try:
        answer = question(ident)
    except Exception:
        return None
    return answer if isinstance(answer, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- the rules ----------------------------------------------------------------------------


def _recipient(draft: OrderDraft) -> Iterator[Problem]:
    kind = _attr(draft, "recipient_kind")
    if kind not in ("patient", "site"):
        yield Problem("recipient", "Choose whether the order goes to a patient or a site")
        return
    choice = _attr(draft, kind)
    if choice is None and kind == "patient":
        new_patient = _attr(draft, "new_patient")
        if new_patient is None:
            yield Problem("recipient", "Choose a patient or enter a new one")
        else:
            yield from new_patient_problems(new_patient)
        return
    if choice is None:
        yield Problem("recipient", "Choose a patient or a site")
        return
    if not _valid_id(_attr(choice, "id")):
        what = "patient" if kind == "patient" else "site"
        first = _text(_attr(choice, "first_name")) or ""
        last = _text(_attr(choice, "last_name")) or ""
        name = (" ".join(p for p in (first.strip(), last.strip()) if p)) or (
            _text(_attr(choice, "name")) or ""
        ).strip()
        subject = name or f"The {what}"
        yield Problem(
            "recipient", f"{subject} has no Impilo {what} id; choose the {what} from the list"
        )
        return
    if kind == "patient" and _attr(choice, "archived") is True:
        yield Problem(
            "recipient", f"{_display(choice)} is archived in Impilo and can't receive orders"
        )
    if kind == "site" and _attr(choice, "active") is False:
        yield Problem(
            "recipient", f"{_display(choice)} is inactive in Impilo and can't receive orders"
        )


def _display(choice: Any) -> str:
    try:
        return str(choice.display_name)
    except Exception:
        return "The recipient"


def _lines(
    draft: OrderDraft,
    list_name: str,
    id_attr: str,
    key: str,
    count_attr: str,
    noun: str,
    check_count: bool = True,
) -> Iterator[Problem]:
    """Id, count and duplicate rules shared by every kind of line."""
    lines = _seq(_attr(draft, list_name))
    if len(lines) > MAX_LINES:
        yield Problem(list_name, f"Too many lines (at most {MAX_LINES})")
    first_seen: dict[int, int] = {}
    for i, line in enumerate(lines):
        ident = _attr(line, id_attr)
        if ident is None:
            # Only the stored snapshot field: the `label` property invents "Unknown item".
            label = _text(_attr(line, "label" if id_attr == "device_id" else "name"))
            named = f" (“{label.strip()}”)" if label and label.strip() else ""
            yield Problem(
                f"{list_name}[{i}].{key}",
                f"Line {i + 1}{named} has no {noun} id; choose the {noun}",
            )
        elif not _valid_id(ident):
            yield Problem(f"{list_name}[{i}].{key}", f"Line {i + 1} has an invalid {noun} id")
        elif ident in first_seen:
            advice = "; change that line's count instead" if check_count else ""
            yield Problem(
                f"{list_name}[{i}].{key}",
                f"This {noun} is already on line {first_seen[ident] + 1}{advice}",
            )
        else:
            first_seen[ident] = i
        if check_count:
            message = _count_problem(
                _attr(line, count_attr), "Quantity" if count_attr == "quantity" else "Count"
            )
            if message:
                yield Problem(f"{list_name}[{i}].{count_attr}", message)


def _outbound_and_returns(draft: OrderDraft) -> Iterator[Problem]:
    has_items = bool(_seq(_attr(draft, "item_lines")))
    has_kits = bool(_seq(_attr(draft, "kit_lines")))
    has_returns = _has_returns(draft)
    # Two-way orders may consist of return lines only (impilo-api.md 2.3, newer docs).
    if not (has_items or has_kits or has_returns):
        yield Problem("lines", "Add at least one item or kit")
    yield from _lines(draft, "item_lines", "item_id", "item", "count", "item")
    yield from _lines(draft, "kit_lines", "kit_id", "kit", "count", "kit")
    yield from _lines(draft, "return_items", "item_id", "item", "count", "item")
    yield from _lines(
        draft, "return_devices", "device_id", "device", "count", "device", check_count=False
    )
    yield from _lines(
        draft, "return_packed_kits", "packed_kit_id", "packed_kit", "quantity", "packed kit"
    )


def _has_returns(draft: OrderDraft) -> bool:
    return any(
        _seq(_attr(draft, name))
        for name in ("return_items", "return_devices", "return_packed_kits")
    )


def _external_ids(draft: OrderDraft) -> Iterator[Problem]:
    ids = _seq(_attr(draft, "external_order_ids"))
    if len(ids) > MAX_EXTERNAL_IDS:
        yield Problem(
            "external_order_ids", f"Too many external order ids (at most {MAX_EXTERNAL_IDS})"
        )
    seen: dict[str, int] = {}
    for i, raw in enumerate(ids):
        key = f"external_order_ids[{i}]"
        if not isinstance(raw, str):
            yield Problem(key, "External order id must be text")
            continue
        value = raw.strip()
        if not value:
            yield Problem(key, "External order id can't be empty")
        elif len(value) > MAX_EXTERNAL_ID_LENGTH:
            yield Problem(
                key, f"External order id is too long (at most {MAX_EXTERNAL_ID_LENGTH} characters)"
            )
        elif any(unicodedata.category(ch) == "Cc" for ch in value):
            yield Problem(key, "External order id can't contain line breaks or tabs")
        elif value in seen:
            yield Problem(key, f"External order id “{value}” is listed twice")
        else:
            seen[value] = i


def _notes(draft: OrderDraft) -> Iterator[Problem]:
    notes = _seq(_attr(draft, "notes"))
    if len(notes) > MAX_NOTES:
        yield Problem("notes", f"Too many notes (at most {MAX_NOTES})")
    for i, raw in enumerate(notes):
        key = f"notes[{i}]"
        if not isinstance(raw, str):
            yield Problem(key, "Note must be text")
        elif not raw.strip():
            yield Problem(key, "Note can't be empty; write something or remove it")
        elif len(raw.strip()) > MAX_NOTE_LENGTH:
            yield Problem(key, f"Note is too long (at most {MAX_NOTE_LENGTH:,} characters)")


def _shipping(draft: OrderDraft) -> Iterator[Problem]:
    option = _attr(draft, "shipping_option")
    if option is None:
        has_outbound = bool(_seq(_attr(draft, "item_lines")) or _seq(_attr(draft, "kit_lines")))
        if _has_returns(draft) and _attr(draft, "email_label") is not True:
            yield Problem(
                "shipping_option",
                "Choose a shipping option for orders with returns, or email the return label",
            )
        elif has_outbound or not _has_returns(draft):
            yield Problem("shipping_option", "Choose a shipping option")
        return
    if option not in tuple(ShippingOption):
        yield Problem("shipping_option", f"Unknown shipping option “{option}”; choose another")


def _catalog_rules(draft: OrderDraft, catalog: Catalog) -> Iterator[Problem]:
    for i, line in enumerate(_seq(_attr(draft, "item_lines"))):
        ident = _attr(line, "item_id")
        if _valid_id(ident) and _ask(catalog.is_orderable, ident) is False:
            yield Problem(f"item_lines[{i}].item", f"{_label(line)} can't be ordered")

    loaner_lines: list[int] = []
    for i, line in enumerate(_seq(_attr(draft, "kit_lines"))):
        ident = _attr(line, "kit_id")
        if not _valid_id(ident):
            continue
        if _ask(catalog.is_archived_kit, ident) is True:
            yield Problem(
                f"kit_lines[{i}].kit", f"{_label(line)} is archived and can no longer be ordered"
            )
        if _ask(catalog.is_loaner_kit, ident) is True:
            loaner_lines.append(i)

    kit_lines = _seq(_attr(draft, "kit_lines"))
    for n, i in enumerate(loaner_lines):
        line = kit_lines[i]
        key = f"kit_lines[{i}].kit"
        if n > 0:
            yield Problem(key, "Only one loaner kit can be sent per order")
        count = _attr(line, "count")
        if isinstance(count, int) and not isinstance(count, bool) and count > 1:
            yield Problem(
                f"kit_lines[{i}].count", "A loaner kit can only be ordered once (count 1)"
            )
        if _attr(draft, "recipient_kind") == "site":
            yield Problem(key, "Loaner kits can only be sent to a patient, not to a site")
        if _has_returns(draft):
            yield Problem(key, "A loaner kit can't be combined with returns in the same order")


def _label(line: Any) -> str:
    try:
        return str(line.label)
    except Exception:
        return "This item"


def validate_draft(draft: OrderDraft, catalog: Catalog | None = None) -> list[Problem]:
    """Every problem that stops this draft from being sent; an empty list means it may be sent.

    `catalog`, when given, adds the rules that need catalog knowledge (non-orderable items,
    archived kits, loaner kits). Never raises.
    """
    problems: list[Problem] = []
    rules: list[Callable[[], Iterator[Problem]]] = [
        lambda: _recipient(draft),
        lambda: _outbound_and_returns(draft),
        lambda: _external_ids(draft),
        lambda: _notes(draft),
        lambda: _shipping(draft),
    ]
    if catalog is not None:
        rules.append(lambda: _catalog_rules(draft, catalog))
    for rule in rules:
        try:
            problems.extend(rule())
        except Exception:  # the last line of defence for a draft too damaged to read
            problems.append(Problem("draft", "This draft is damaged; start a new order"))
    return problems
