"""Order templates to and from a file (what the template manager runs on the bridge): a
round trip through a real store file, clashing names renamed and said, and every kind of bad
file refused in plain words with nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.templates import (
    TemplateFileError,
    read_templates_json,
    template_from_draft,
)
from impilo_desktop.store import Store
from impilo_desktop.store.template_files import (
    MAX_FILE_BYTES,
    export_templates_file,
    import_templates_file,
    imported_text,
)


def _template_draft(*lines: tuple[int, int]) -> OrderDraft:
    draft = OrderDraft()
    for item_id, count in lines:
        draft.add_item(item_id, count, name=f"Item {item_id}")
    draft.notes = ["Leave with reception"]
    return draft


@pytest.fixture
def store(store: Store) -> Store:
    """The profile's store (conftest) with two templates."""
    store.save_template(template_from_draft(_template_draft((1001, 1)), "BP kit"))
    store.save_template(template_from_draft(_template_draft((1002, 2), (1003, 1)), "Scale"))
    return store


def test_all_or_the_chosen_templates_go_to_a_file_and_come_back_renamed(
    store: Store, tmp_path: Path
) -> None:
    everything = tmp_path / "order templates.json"
    assert export_templates_file(store, everything) == 2
    scale_id = next(t.template_id for t in store.list_templates() if t.name == "Scale")
    one = tmp_path / "one.json"
    assert export_templates_file(store, one, [scale_id]) == 1
    assert [t.name for t in read_templates_json(one.read_text(encoding="utf-8"))] == ["Scale"]
    assert not list(tmp_path.glob("*.part"))

    with Store(tmp_path / "other" / "impilo.sqlite3") as other:
        other.save_template(template_from_draft(_template_draft((1009, 1)), "bp KIT"))
        imported = import_templates_file(other, everything)
        by_name = {t.name: t for t in other.list_templates()}
    assert imported_text(imported) == (
        "2 templates added; “BP kit” was added as “BP kit (2)”"
        " (this profile already had that name)."
    )
    assert sorted(by_name) == ["BP kit (2)", "Scale", "bp KIT"]
    assert [(ln.item_id, ln.count) for ln in by_name["Scale"].item_lines] == [(1002, 2), (1003, 1)]
    assert by_name["Scale"].notes == ["Leave with reception"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xff\xfe\x00garbage", "it is not text"),
        (b"{not json", "it is not readable JSON"),
        (b'{"format": "something else", "version": 1, "templates": []}', "not an Impilo"),
        (
            b'{"format": "impilo-desktop-order-templates", "version": 99, "templates": []}',
            "written by a newer version",
        ),
        (
            b'{"format": "impilo-desktop-order-templates", "version": 1, "templates": []}',
            "holds no templates",
        ),
        (
            json.dumps(
                {
                    "format": "impilo-desktop-order-templates",
                    "version": 1,
                    "templates": [
                        {"name": "Fine", "item_lines": []},
                        {"name": "Broken", "item_lines": [{"item_id": "x"}]},
                    ],
                }
            ).encode(),
            "Template 2 in this file is damaged",
        ),
    ],
)
def test_a_bad_file_says_why_and_changes_nothing(
    store: Store, tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(TemplateFileError) as refused:
        import_templates_file(store, path)
    assert said in refused.value.message
    assert "nothing was imported" in refused.value.message.lower()
    assert [t.name for t in store.list_templates()] == ["BP kit", "Scale"]


def test_a_file_far_too_large_is_refused_unread(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(TemplateFileError, match="too large"):
        import_templates_file(store, path)


def test_an_export_that_cannot_be_written_leaves_no_file(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "missing folder" / "order templates.json"
    with pytest.raises(FileNotFoundError):
        export_templates_file(store, target)
    assert not target.parent.exists()
