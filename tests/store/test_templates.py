"""Order templates kept per profile: the v9 upgrade, save/list/rename/replace/delete with
names unique without regard to case, and imports that never overwrite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain.templates import (
    OrderTemplate,
    read_templates_json,
    template_from_draft,
    templates_json,
)
from impilo_desktop.store import (
    EntryNotFoundError,
    Store,
    TemplateNameInvalid,
    TemplateNameTaken,
)
from impilo_desktop.store.schema import MIGRATIONS
from tests.store.samples import valid_draft


def template(name: str = "BP starter", item_id: int = 2001) -> OrderTemplate:
    draft = valid_draft(item_id=item_id, count=2)
    draft.add_kit(3, name="BP kit")
    draft.notes = ["Large cuff"]
    return template_from_draft(draft, name)


def test_saved_template_survives_reopening(db_path: Path) -> None:
    with Store(db_path) as store:
        saved = store.save_template(template())
    with Store(db_path) as store:
        [again] = store.list_templates()
        assert again == saved
        assert store.get_template(saved.template_id) == saved
        assert [ln.count for ln in again.item_lines] == [2]
        assert again.notes == ["Large cuff"]


def test_templates_are_listed_by_name_without_regard_to_case(store: Store) -> None:
    for name in ("scale", "BP starter", "Adherence"):
        store.save_template(template(name))
    assert [t.name for t in store.list_templates()] == ["Adherence", "BP starter", "scale"]


def test_a_name_in_use_is_refused_plainly(store: Store) -> None:
    first = store.save_template(template("BP starter"))

    with pytest.raises(TemplateNameTaken) as raised:
        store.save_template(template(" bp  STARTER"))
    assert raised.value.message == (
        "A template named “BP starter” already exists. Choose another name, or replace"
        " that template."
    )
    assert raised.value.template_id == first.template_id
    with pytest.raises(TemplateNameInvalid, match="Give the template a name"):
        store.save_template(template("  "))
    assert len(store.list_templates()) == 1


def test_rename(store: Store) -> None:
    bp = store.save_template(template("BP starter"))
    scale = store.save_template(template("Scale"))

    assert store.rename_template(bp.template_id, "bp Starter").name == "bp Starter"
    with pytest.raises(TemplateNameTaken):
        store.rename_template(bp.template_id, "SCALE")
    renamed = store.rename_template(scale.template_id, "Weight scale")
    assert renamed.item_lines == scale.item_lines
    assert [t.name for t in store.list_templates()] == ["bp Starter", "Weight scale"]
    with pytest.raises(EntryNotFoundError):
        store.rename_template("gone", "Any")


def test_replace_keeps_the_id_and_takes_the_new_lines(store: Store) -> None:
    old = store.save_template(template("BP starter", item_id=2001))
    store.save_template(template("Scale"))
    new = template("BP starter", item_id=2002)
    new.shipping_option = ShippingOption.OVERNIGHT

    replaced = store.replace_template(old.template_id, new)

    assert replaced.template_id == old.template_id
    stored = store.get_template(old.template_id)
    assert stored is not None
    assert [ln.item_id for ln in stored.item_lines] == [2002]
    assert stored.shipping_option == ShippingOption.OVERNIGHT
    assert len(store.list_templates()) == 2
    with pytest.raises(TemplateNameTaken):
        store.replace_template(old.template_id, template("scale"))
    with pytest.raises(EntryNotFoundError):
        store.replace_template("gone", new)


def test_delete(store: Store) -> None:
    bp = store.save_template(template())
    assert store.delete_template(bp.template_id) is True
    assert store.delete_template(bp.template_id) is False
    assert store.list_templates() == []
    store.save_template(template())  # the name is free again


def test_import_never_overwrites(tmp_path: Path) -> None:
    with Store(tmp_path / "giver" / "impilo.sqlite3") as giver:
        giver.save_template(template("BP starter", item_id=2002))
        giver.save_template(template("Scale"))
        text = templates_json(giver.list_templates())

    with Store(tmp_path / "taker" / "impilo.sqlite3") as taker:
        mine = taker.save_template(template("bp starter", item_id=2001))

        added = taker.import_templates(read_templates_json(text))
        again = taker.import_templates(read_templates_json(text))

        assert [(a.template.name, a.file_name, a.renamed) for a in added] == [
            ("BP starter (2)", "BP starter", True),
            ("Scale", "Scale", False),
        ]
        assert [a.template.name for a in again] == ["BP starter (3)", "Scale (2)"]
        kept = taker.get_template(mine.template_id)
        assert kept is not None
        assert [ln.item_id for ln in kept.item_lines] == [2001]
        assert len(taker.list_templates()) == 5


def test_an_import_with_a_bad_name_adds_nothing(store: Store) -> None:
    with pytest.raises(TemplateNameInvalid):
        store.import_templates([template("Fine"), OrderTemplate(name="")])
    assert store.list_templates() == []


def test_v8_file_gains_the_templates_table(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for version in range(8):
        MIGRATIONS[version](conn)  # type: ignore[arg-type]
    conn.execute("PRAGMA user_version = 8")
    conn.execute("INSERT INTO app_state VALUES ('current_draft', 'x')")
    conn.close()

    with Store(db_path) as store:
        assert store.list_templates() == []
        store.save_template(template())
        assert len(store.list_templates()) == 1
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 11
        assert conn.execute("SELECT value FROM app_state").fetchone()[0] == "x"
    finally:
        conn.close()
