"""Finding, reading and driving accessible objects over AT-SPI with pyatspi, for walker.py.

Runs under the system Python (Debian's python3-pyatspi). Every wait has a deadline and fails
with `StepError`, which says what was awaited.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pyatspi

Node = Any  # an Atspi.Accessible (pyatspi has no type hints)

LARGE_CONTAINER = 40  # rows of a big table or list are content, checked only at the top
STEP_SECONDS = 15.0


class StepError(Exception):
    """A step could not be done; its message says what was expected."""


def wait_for(what: str, probe: Callable[[], Any], seconds: float = STEP_SECONDS) -> Any:
    """Poll `probe` (an AT-SPI query) until it returns something truthy, or fail."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = probe()
        except Exception:  # a node vanished mid-query (the tree changes as pages switch)
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise StepError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.05)


def state(node: Node, which: Any) -> bool:
    return bool(node.getState().contains(which))


def showing(node: Node) -> bool:
    return state(node, pyatspi.STATE_SHOWING)


def children(node: Node) -> Iterator[Node]:
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield child


def label(node: Node) -> str:
    return f"{node.getRoleName()} {node.name!r}"


def find_all(root: Node, match: Callable[[Node], bool], *, only_showing: bool = True) -> list[Node]:
    found: list[Node] = []

    def visit(node: Node) -> None:
        try:
            if only_showing and not showing(node):
                return
            if match(node):
                found.append(node)
            if node.childCount > LARGE_CONTAINER:
                return
            for child in children(node):
                visit(child)
        except Exception:  # gone while we looked
            return

    visit(root)
    return found


def find(root: Node, role: str, name: str | None = None, *, only_showing: bool = True) -> Node:
    nodes = find_all(
        root,
        lambda n: n.getRoleName() == role and (name is None or n.name == name),
        only_showing=only_showing,
    )
    return nodes[0] if nodes else None


def act(node: Node, *names: str) -> None:
    """Do the first of the accessible actions `names` the node offers (any letter case)."""
    actions = node.queryAction()
    offered = [str(actions.getName(i)).lower() for i in range(actions.nActions)]
    for name in names:
        if name.lower() in offered:
            actions.doAction(offered.index(name.lower()))
            return
    raise StepError(f"{label(node)} offers none of {names} (only {offered})")


def text_of(node: Node) -> str:
    return str(node.queryText().getText(0, -1))


# --- finding the app ------------------------------------------------------------------------


def find_app(pid: int) -> Node:
    def probe() -> Node:
        for app in children(pyatspi.Registry.getDesktop(0)):
            if app.get_process_id() == pid:
                frame = find(app, "frame")
                return app if frame is not None else None
        return None

    return wait_for(f"the app (pid {pid}) on the accessibility bus", probe, 30)


def main_frame(app: Node) -> Node:
    return wait_for("the main window", lambda: find(app, "frame"))


def show_page(app: Node, title: str) -> Node:
    """Select the page in the sidebar through the Selection interface; returns the page."""
    frame = main_frame(app)
    pages = wait_for("the sidebar", lambda: find(frame, "list", "Pages"))
    names = [child.name for child in children(pages)]
    if title not in names:
        raise StepError(f"no page {title!r} in the sidebar (only {names})")
    pages.querySelection().selectChild(names.index(title))
    stack_name = title.replace("&", "and")
    return wait_for(
        f"the {title} page to show",
        lambda: find(frame, "filler", title) or find(frame, "filler", stack_name),
    )


def menu_item(frame: Node, menu: str, text: str) -> Node:
    bar = find(frame, "menu bar")
    top = find(bar, "menu item", menu)
    if top is None:
        raise StepError(f"no {menu} menu")
    items = find_all(
        top,
        lambda n: "menu item" in n.getRoleName() and n.name.replace("&", "").startswith(text),
        only_showing=False,
    )
    if not items:
        raise StepError(f"no {text!r} in the {menu} menu")
    return items[0]


def open_dialog(app: Node, frame: Node, menu: str, text: str) -> Node:
    return open_dialog_with(app, menu_item(frame, menu, text), f"{menu} > {text}")


def open_dialog_with(app: Node, control: Node, what: str) -> Node:
    """Press `control` (a menu item or a button) and return the dialog it opens."""
    if dialogs(app):
        raise StepError(f"a dialog is open already before {what}")
    act(control, "Press", "Activate", "Click")
    return wait_for(f"the dialog of {what}", lambda: next(iter(dialogs(app)), None))


def dialogs(app: Node) -> list[Node]:
    return [
        node
        for node in children(app)
        if node.getRoleName() in ("dialog", "alert", "file chooser") and showing(node)
    ]


def close_dialog(app: Node, dialog: Node) -> None:
    for name in ("Close", "Cancel", "OK"):
        button = find(dialog, "push button", name)
        if button is not None:
            act(button, "Press")
            wait_for(f"{label(dialog)} to close", lambda: not dialogs(app))
            return
    raise StepError(f"{label(dialog)} has no Close, Cancel or OK button")


def type_into(field: Node, text: str) -> None:
    """Replace the field's text through the EditableText interface (as dictation does)."""
    editable = field.queryEditableText()
    editable.setTextContents("")
    editable.insertText(0, text, len(text))
    wait_for(f"{label(field)} to read {text!r}", lambda: text_of(field) == text, 5)


def choose_row(table: Node, wanted: str) -> str:
    """Select (Table interface) the first row with a cell containing `wanted`."""
    cells = table.queryTable()
    for row in range(cells.nRows):
        for column in range(cells.nColumns):
            cell = cells.getAccessibleAt(row, column)
            if cell is not None and wanted.lower() in (cell.name or "").lower():
                cells.addRowSelection(row)
                return str(cell.name)
    raise StepError(f"no row of {label(table)} mentions {wanted!r}")
