"""Drives the running app through its accessibility tree (AT-SPI), as a screen reader would.

Run by the system Python (Debian's python3-pyatspi), not the venv's, from the repository's
root as `python3 -m tests.accessibility.walker MODE --pid PID ...` by test_at_spi.py; prints
one JSON object on stdout and exits. The modes:

    names --pid PID
        Visits every page (selecting it in the sidebar through the Selection interface), the
        history with an order open, New order with the three searches showing results, and
        the dialogs it can open safely (About, Keyboard shortcuts, Connect an account, an
        order's Void…, each closed with Close or Cancel), and lists every showing control a
        screen reader would stop on that has no name.
    order --pid PID --search TEXT --patient NAME --item SKU --reference REF
        Places an order through accessible interfaces alone: EditableText to type (TEXT in
        the patient search, SKU in the item search, REF as the external order ID), Table
        selection to choose the patient (the row showing NAME) and the item, and the "Press"
        action to submit.
    quit --pid PID
        File > Quit while an order waits: lists the nameless controls of the question, then
        answers Cancel (the app stays open).
    send --pid PID
        File > Send waiting orders now.

Every wait has a deadline; on any failure the JSON says which step failed and why.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import Any

import pyatspi

from tests.accessibility.accessible_tree import (
    LARGE_CONTAINER,
    STEP_SECONDS,
    Node,
    StepError,
    act,
    children,
    choose_row,
    close_dialog,
    find,
    find_all,
    find_app,
    label,
    main_frame,
    menu_item,
    open_dialog,
    open_dialog_with,
    show_page,
    showing,
    state,
    text_of,
    type_into,
    wait_for,
)

# Roles a screen reader stops on and reads by name; a nameless one is announced as just
# "button" or "edit". Table cells and list items are named by their content and checked as
# part of their table; scroll bars and separators are not read.
NAMED_ROLES = frozenset(
    {
        "push button",
        "toggle button",
        "check box",
        "radio button",
        "combo box",
        "text",
        "entry",
        "password text",
        "spin button",
        "slider",
        "table",
        "tree table",
        "tree",
        "list",
        "list box",
        "list item",
        "menu",
        "menu item",
        "check menu item",
        "radio menu item",
        "page tab",
        "page tab list",
        "link",
    }
)
UNREAD_ROLES = frozenset({"table cell", "scroll bar", "separator", "table column header"})


# --- names ------------------------------------------------------------------------------------


def path_of(trail: list[str]) -> str:
    return " > ".join(trail)


def unnamed_controls(root: Node, where: str) -> list[dict[str, str]]:
    """Every showing control a screen reader stops on that has neither a name nor a
    description (Qt reads a tooltip as the description)."""
    problems: list[dict[str, str]] = []

    def visit(node: Node, trail: list[str]) -> None:
        try:
            if not showing(node):
                return
            role = str(node.getRoleName())
            here = [*trail, label(node)]
            named = bool((node.name or "").strip())
            readable = role in NAMED_ROLES or (
                state(node, pyatspi.STATE_FOCUSABLE) and role not in UNREAD_ROLES
            )
            if readable and not named:
                problems.append({"where": where, "role": role, "path": path_of(here)})
            if node.childCount > LARGE_CONTAINER:
                kids = [node.getChildAtIndex(i) for i in range(LARGE_CONTAINER)]
            else:
                kids = list(children(node))
            for child in kids:
                if child is not None:
                    visit(child, here)
        except Exception:
            return

    visit(root, [])
    return problems


def menu_problems(frame: Node) -> list[dict[str, str]]:
    """Menu items are checked whether or not their menu is open."""
    problems: list[dict[str, str]] = []
    bar = find(frame, "menu bar")
    if bar is None:
        return [{"where": "menus", "role": "menu bar", "path": "no menu bar"}]
    for node in find_all(bar, lambda n: "menu" in n.getRoleName(), only_showing=False):
        if node.getRoleName() != "menu bar" and not (node.name or "").strip():
            problems.append({"where": "menus", "role": node.getRoleName(), "path": label(node)})
    return problems


SEARCH_FIELDS = ("Search patients", "Search items", "Search kits")
PAGES = ("New order", "Drafts & outbox", "Order history", "Settings")
DIALOGS = (
    ("Help", "About"),
    ("Help", "Keyboard shortcuts"),
    ("File", "Connect an account"),
)


def check_names(pid: int) -> dict[str, Any]:
    app = find_app(pid)
    frame = main_frame(app)
    problems = menu_problems(frame)
    visited: list[str] = []
    for title in PAGES:
        show_page(app, title)
        problems += unnamed_controls(frame, f"page {title}")
        visited.append(f"page {title}")
    # An order selected (Table interface) shows its details and their buttons.
    page = show_page(app, "Order history")
    orders = wait_for("the order list", lambda: find(page, "table", "Orders"))
    wait_for("orders in the list", lambda: orders.queryTable().nRows > 0)
    table = orders.queryTable()
    # Not the first row (it may be current already), and one that can still be voided.
    row = next(
        (r for r in range(1, table.nRows) if "placed" in str(table.getAccessibleAt(r, 3).name)),
        min(2, table.nRows - 1),
    )
    order_id = str(table.getAccessibleAt(row, 0).name)
    table.addRowSelection(row)
    wait_for(
        f"order {order_id}'s details",
        lambda: text_of(find(page, "label", "Order details text")).startswith(f"Order {order_id}"),
    )
    problems += unnamed_controls(frame, "page Order history, an order selected")
    visited.append("page Order history, an order selected")
    void = find(page, "push button", "Void")
    if void is not None and state(void, pyatspi.STATE_SENSITIVE):
        dialog = open_dialog_with(app, void, "Void")
        problems += unnamed_controls(dialog, "dialog Void")
        visited.append(f"dialog {dialog.name!r}")
        close_dialog(app, dialog)  # Cancel: nothing is voided
    # With a query typed, each picker shows its results table, status and clear button.
    page = show_page(app, "New order")
    for field_name in SEARCH_FIELDS:
        type_into(wait_for(field_name, functools.partial(find, page, "text", field_name)), "a")
    wait_for("the patient results", lambda: find(page, "table", "Matching patients"))
    problems += unnamed_controls(frame, "page New order, searching")
    visited.append("page New order, searching")
    for field_name in SEARCH_FIELDS:
        type_into(find(page, "text", field_name), "")
    for menu, text in DIALOGS:
        dialog = open_dialog(app, frame, menu, text)
        problems += unnamed_controls(dialog, f"dialog {menu} > {text}")
        visited.append(f"dialog {dialog.name!r}")
        close_dialog(app, dialog)
    return {"visited": visited, "unnamed": problems}


# --- placing an order -------------------------------------------------------------------------


def place_order(pid: int, search: str, patient: str, sku: str, reference: str) -> dict[str, Any]:
    app = find_app(pid)
    frame = main_frame(app)
    done: list[str] = []
    page = show_page(app, "New order")
    done.append("New order page selected")

    patients = wait_for("the patient search field", lambda: find(page, "text", "Search patients"))
    type_into(patients, search)
    results = wait_for(
        "matching patients", lambda: find(page, "table", "Matching patients"), STEP_SECONDS
    )
    wait_for("a patient row", lambda: results.queryTable().nRows > 0)
    chosen = choose_row(results, patient)
    wait_for(
        "the chosen patient",
        lambda: find_all(page, lambda n: (n.name or "").startswith("Chosen patient:")),
    )
    done.append(f"patient chosen from {chosen!r}")

    items = wait_for("the item search field", lambda: find(page, "text", "Search items"))
    type_into(items, sku)
    results = wait_for("matching items", lambda: find(page, "table", "Matching items"))
    wait_for("an item row", lambda: results.queryTable().nRows > 0)
    chosen = choose_row(results, sku)
    lines = wait_for("the order's item table", lambda: find(page, "table", "Items on this order"))
    wait_for("the item on the order", lambda: lines.queryTable().nRows == 1)
    done.append(f"item chosen from {chosen!r}")

    ids = wait_for(
        "the external IDs field",
        lambda: find(page, "text", "External order IDs, one per line"),
    )
    type_into(ids, reference)
    done.append("reference typed")

    submit = wait_for("the Submit button", lambda: find(frame, "push button", "Submit order"))
    wait_for("Submit to be enabled", lambda: state(submit, pyatspi.STATE_SENSITIVE))
    act(submit, "Press", "Activate", "Click")
    done.append("Submit pressed")
    # The submit first looks for an open order like it (off the UI thread), then queues it.
    wait_for(
        "the order to wait in the outbox",
        lambda: find_all(frame, lambda n: (n.name or "").startswith("Outbox: 1 to send")),
    )
    done.append("order queued")
    return {"done": done}


def quit_question(pid: int) -> dict[str, Any]:
    app = find_app(pid)
    frame = main_frame(app)
    dialog = open_dialog(app, frame, "File", "Quit")
    problems = unnamed_controls(dialog, "dialog File > Quit")
    visited = [f"dialog {dialog.name!r}"]
    close_dialog(app, dialog)  # Cancel: the app stays open
    return {"visited": visited, "unnamed": problems}


def send_now(pid: int) -> dict[str, Any]:
    frame = main_frame(find_app(pid))
    act(menu_item(frame, "File", "Send waiting orders now"), "Press", "Activate", "Click")
    return {"done": ["File > Send waiting orders now pressed"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("names", "order", "quit", "send"))
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--search", default="")
    parser.add_argument("--patient", default="")
    parser.add_argument("--item", default="")
    parser.add_argument("--reference", default="")
    args = parser.parse_args(argv)
    try:
        if args.mode == "names":
            result = check_names(args.pid)
        elif args.mode == "quit":
            result = quit_question(args.pid)
        elif args.mode == "send":
            result = send_now(args.pid)
        else:
            result = place_order(args.pid, args.search, args.patient, args.item, args.reference)
    except StepError as exc:
        result = {"failed": str(exc)}
    json.dump(result, sys.stdout, indent=1)
    print()
    return 1 if "failed" in result else 0


if __name__ == "__main__":
    sys.exit(main())
