"""Order templates to and from a file (the format of docs/order-templates.md): what the
template manager's Export… and Import… run on the bridge, never on the UI thread.

An import reads the whole file, parses it and adds every template in one transaction, or
changes nothing and says why in the coordinator's words (`TemplateFileError`).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from impilo_desktop.domain.templates import (
    TemplateFileError,
    read_templates_json,
    templates_json,
)
from impilo_desktop.store.templates import ImportedTemplate, TemplatesMixin

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Far above any real set of templates (one is a few hundred bytes): a bigger file is not
one, and is refused before it is read into memory."""

SUGGESTED_FILE_NAME = "order templates.json"


def export_templates_file(
    store: TemplatesMixin, path: Path, template_ids: Collection[str] | None = None
) -> int:
    """Write the profile's templates (only `template_ids`' when given) to `path`; the
    number written. The file is written whole to a neighbour and then put in place, so a
    failure never leaves half a file under the chosen name."""
    templates = store.list_templates()
    if template_ids is not None:
        templates = [t for t in templates if t.template_id in template_ids]
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(templates_json(templates), encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return len(templates)


def import_templates_file(store: TemplatesMixin, path: Path) -> list[ImportedTemplate]:
    """Add every template of the file at `path` (all or none, clashing names renamed by the
    store). `TemplateFileError` when the file is not a templates file; `OSError` when it
    cannot be read."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TemplateFileError(
            "This file is too large to be a templates file; nothing was imported."
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateFileError(
            "This file is not a templates file (it is not text); nothing was imported."
        ) from exc
    templates = read_templates_json(text)
    if not templates:
        raise TemplateFileError("This templates file holds no templates; nothing was imported.")
    return store.import_templates(templates)


def imported_text(imported: list[ImportedTemplate]) -> str:
    """What an import did, for the coordinator: "3 templates added; “BP kit” was added as
    “BP kit (2)”." """
    count = len(imported)
    text = f"{count} template{'' if count == 1 else 's'} added"
    renamed = [f"“{i.file_name}” was added as “{i.template.name}”" for i in imported if i.renamed]
    if renamed:
        names = "that name" if len(renamed) == 1 else "those names"
        text += "; " + ", ".join(renamed) + f" (this profile already had {names})"
    return text + "."
