"""`drafts import` recognises a file imported before by its external order ids: it says where
that order already is and does not queue it again, unless `--again` is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from tests.sync.conftest import open_profile_store

AGAIN_HINT = "not queued again (--again queues it anyway)."


def order_file(folder: Path, name: str, *refs: str, item: int = 1001) -> Path:
    body: dict[str, object] = {
        "patient": {"id": 10001},
        "orderItems": [{"item": {"id": item}, "count": 1}],
        "shippingOption": "standard",
    }
    if refs:
        body["externalOrderIds"] = list(refs)
    path = folder / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def entries(base_url: str | None = None) -> list[tuple[int, EntryState]]:
    profile = Profile("sandbox", base_url or "http://127.0.0.1:8765")
    with open_profile_store(profile) as store:
        return [(e.entry_id, e.state) for e in store.list_outbox()]


ACCOUNT = ["--profile", "sandbox"]


def test_the_same_file_twice_is_queued_once_and_again_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = order_file(tmp_path, "order.json", "clinic-ref-1")

    # Given twice in one import: queued once.
    assert main(["drafts", "import", str(path), str(path), *ACCOUNT]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: queued as #1 ")
    assert err == f"{path}: already queued as #1 earlier in this import; {AGAIN_HINT}\n"

    # Imported again later: still queued once.
    assert main(["drafts", "import", str(path), *ACCOUNT]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}: already queued as #1; {AGAIN_HINT}\n"
    assert entries() == [(1, EntryState.QUEUED)]

    # --again: the coordinator means a second order.
    assert main(["drafts", "import", "--again", str(path), *ACCOUNT]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: queued as #2 impilo-desktop-")
    assert out.endswith(" (again: #1 has the same external order ids)\n")
    assert err == ""
    assert entries() == [(1, EntryState.QUEUED), (2, EntryState.QUEUED)]


def test_two_files_with_the_same_ids_are_one_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = order_file(tmp_path, "export-monday.json", "clinic-ref-1")
    second = order_file(tmp_path, "export-tuesday.json", "clinic-ref-1", item=1002)

    assert main(["drafts", "import", str(first), str(second), *ACCOUNT]) == 1

    err = capsys.readouterr().err
    assert err == f"{second}: already queued as #1 from {first}; {AGAIN_HINT}\n"
    assert entries() == [(1, EntryState.QUEUED)]


def test_files_without_external_ids_are_queued_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = order_file(tmp_path, "no-refs.json")

    assert main(["drafts", "import", str(path), str(path), *ACCOUNT]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert out.count(f"{path}: queued as #") == 2


def test_a_file_is_a_repeat_only_when_all_its_ids_are_on_one_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A batch id shared by many orders does not make them one order ...
    first = order_file(tmp_path, "a.json", "ref-1", "batch-7")
    second = order_file(tmp_path, "b.json", "ref-2", "batch-7")
    assert main(["drafts", "import", str(first), str(second), *ACCOUNT]) == 0
    capsys.readouterr()
    # ... but a file with fewer of an order's ids (a re-export that dropped one) is that order.
    fewer = order_file(tmp_path, "c.json", "ref-2")
    assert main(["drafts", "import", str(fewer), *ACCOUNT]) == 1
    assert capsys.readouterr().err == f"{fewer}: already queued as #2; {AGAIN_HINT}\n"


def test_held_entries_count_and_say_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = order_file(tmp_path, "order.json", "clinic-ref-1")
    assert main(["drafts", "import", str(path), *ACCOUNT]) == 0
    with open_profile_store(Profile("sandbox", "http://127.0.0.1:8765")) as store:
        store.mark_held(1, "older than the age limit")
    capsys.readouterr()

    assert main(["drafts", "import", str(path), *ACCOUNT]) == 1

    err = capsys.readouterr().err
    assert err == f"{path}: already queued as #1, held until you release it; {AGAIN_HINT}\n"


def test_a_sent_order_is_named_and_a_rejected_one_does_not_count(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    good = order_file(tmp_path, "good.json", "clinic-ref-1")
    refused = order_file(tmp_path, "refused.json", "clinic-ref-2", item=1012)  # not orderable
    assert main(["drafts", "import", str(good), str(refused), *account]) == 0
    assert main(["sync", "--once", "--no-refresh", *account]) == 1  # #2 is rejected
    with open_profile_store(Profile("sandbox", sandbox.base_url)) as store:
        sent = store.get_entry(1)
        client_reference = sent.client_reference
    assert sent.state == EntryState.SENT
    capsys.readouterr()

    assert main(["drafts", "import", str(good), str(refused), *account]) == 1

    out, err = capsys.readouterr()
    assert err == f"{good}: already sent as order {sent.order_id} (#1); {AGAIN_HINT}\n"
    assert out.startswith(f"{refused}: queued as #3 ")  # a rejected entry is not an order

    # The order as Impilo returns it carries our reference too: still the same order.
    exported = order_file(tmp_path, "exported.json", "clinic-ref-1", client_reference)
    assert main(["drafts", "import", str(exported), *account]) == 1
    assert "already sent as order" in capsys.readouterr().err
