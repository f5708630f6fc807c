"""Order templates of this profile: saved, listed, renamed, replaced, deleted, imported.

Each call is one short transaction. A name another template already has (case and spacing
ignored, `domain.templates.name_key`) is refused with `TemplateNameTaken`, whose message
says what to do; importing never overwrites: a clashing template is added under a new name
("BP starter (2)"), and the outcome says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.templates import (
    OrderTemplate,
    clean_name,
    name_key,
    name_problem,
    unique_name,
)
from impilo_desktop.store.base import StoreBase
from impilo_desktop.store.errors import EntryNotFoundError, StoreError


class TemplateNameTaken(StoreError):  # noqa: N818 - reads as what happened
    """Another template of this profile has that name (case ignored): `template_id` is
    that template's, for "replace it"."""

    def __init__(self, message: str, *, template_id: str | None = None) -> None:
        super().__init__(message)
        self.template_id = template_id


class TemplateNameInvalid(StoreError):  # noqa: N818 - reads as what happened
    """The name cannot name a template (empty, too long, line breaks)."""


@dataclass(frozen=True)
class ImportedTemplate:
    """One template added by an import: under its own name, or renamed from `file_name`
    because this profile already had that name."""

    template: OrderTemplate
    file_name: str

    @property
    def renamed(self) -> bool:
        """True when it was added under a new name."""
        return self.template.name != self.file_name


def _body(template: OrderTemplate) -> str:
    return template.model_dump_json(exclude={"template_id"})


def _load(template_id: str, body: str) -> OrderTemplate:
    template = OrderTemplate.model_validate_json(body)
    template.template_id = template_id
    return template


def _checked_name(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise TemplateNameInvalid(problem)
    return clean_name(name)


def _refuse_taken(conn: sqlite3.Connection, name: str, except_id: str | None = None) -> None:
    row = conn.execute(
        "SELECT template_id, name FROM order_templates WHERE name_key = ? AND template_id IS NOT ?",
        (name_key(name), except_id),
    ).fetchone()
    if row is not None:
        raise TemplateNameTaken(
            f"A template named “{row['name']}” already exists. Choose another name, or"
            " replace that template.",
            template_id=row["template_id"],
        )


def _write(conn: sqlite3.Connection, template: OrderTemplate, now: float) -> None:
    conn.execute(
        "INSERT INTO order_templates (template_id, name, name_key, body, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (template_id) DO UPDATE SET name = excluded.name,"
        " name_key = excluded.name_key, body = excluded.body, updated_at = excluded.updated_at",
        (template.template_id, template.name, name_key(template.name), _body(template), now, now),
    )


def _not_found() -> EntryNotFoundError:
    return EntryNotFoundError("That template is no longer there (it was deleted).")


class TemplatesMixin(StoreBase):
    """The profile's order templates."""

    def save_template(self, template: OrderTemplate) -> OrderTemplate:
        """Add a new template. `TemplateNameTaken` when its name is another's."""
        saved = template.model_copy(deep=True, update={"name": _checked_name(template.name)})
        now = self.now()

        def add(conn: sqlite3.Connection) -> OrderTemplate:
            if conn.execute(
                "SELECT 1 FROM order_templates WHERE template_id = ?", (saved.template_id,)
            ).fetchone():
                raise TemplateNameTaken("This template is already saved; replace it instead.")
            _refuse_taken(conn, saved.name)
            _write(conn, saved, now)
            return saved

        return self._db.write(add)

    def list_templates(self) -> list[OrderTemplate]:
        """Every template, by name (case ignored)."""
        rows = self._db.read(
            lambda conn: conn.execute(
                "SELECT template_id, body FROM order_templates ORDER BY name_key"
            ).fetchall()
        )
        return [_load(row["template_id"], row["body"]) for row in rows]

    def get_template(self, template_id: str) -> OrderTemplate | None:
        """The template, or None."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT body FROM order_templates WHERE template_id = ?", (template_id,)
            ).fetchone()
        )
        return None if row is None else _load(template_id, row["body"])

    def rename_template(self, template_id: str, name: str) -> OrderTemplate:
        """Give the template a new name (a change of case alone is allowed)."""
        new_name = _checked_name(name)
        now = self.now()

        def rename(conn: sqlite3.Connection) -> OrderTemplate:
            row = conn.execute(
                "SELECT body FROM order_templates WHERE template_id = ?", (template_id,)
            ).fetchone()
            if row is None:
                raise _not_found()
            _refuse_taken(conn, new_name, except_id=template_id)
            template = _load(template_id, row["body"])
            template.name = new_name
            _write(conn, template, now)
            return template

        return self._db.write(rename)

    def replace_template(self, template_id: str, template: OrderTemplate) -> OrderTemplate:
        """Put `template`'s lines, shipping option, notes and name in place of the stored
        template's (it keeps its id): "Save as template" onto an existing name."""
        replaced = template.model_copy(
            deep=True, update={"template_id": template_id, "name": _checked_name(template.name)}
        )
        now = self.now()

        def replace(conn: sqlite3.Connection) -> OrderTemplate:
            if not conn.execute(
                "SELECT 1 FROM order_templates WHERE template_id = ?", (template_id,)
            ).fetchone():
                raise _not_found()
            _refuse_taken(conn, replaced.name, except_id=template_id)
            _write(conn, replaced, now)
            return replaced

        return self._db.write(replace)

    def delete_template(self, template_id: str) -> bool:
        """Delete the template; False when it was not there."""
        return self._db.write(
            lambda conn: (
                conn.execute(
                    "DELETE FROM order_templates WHERE template_id = ?", (template_id,)
                ).rowcount
                > 0
            )
        )

    def import_templates(self, templates: list[OrderTemplate]) -> list[ImportedTemplate]:
        """Add every template of a file, all or none. None is overwritten: a name this
        profile (or an earlier template of the same file) already has gets " (2)"…"""
        now = self.now()

        def add_all(conn: sqlite3.Connection) -> list[ImportedTemplate]:
            taken = [row["name"] for row in conn.execute("SELECT name FROM order_templates")]
            added: list[ImportedTemplate] = []
            for incoming in templates:
                file_name = _checked_name(incoming.name)
                template = OrderTemplate(
                    **incoming.model_dump(exclude={"template_id", "name"}),
                    name=unique_name(file_name, taken),
                )
                taken.append(template.name)
                _write(conn, template, now)
                added.append(ImportedTemplate(template, file_name))
            return added

        return self._db.write(add_all)
