"""`impilo-desktop drafts import` with bad files: one plain line per file, never a traceback,
and the other files of the same import still queued. Run in-process on real files."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impilo_desktop.cli import main
from impilo_desktop.config import Profile, resolve_profile
from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.order_json import MAX_FILE_BYTES
from impilo_desktop.domain.order_sheet.xlsx import OLD_EXCEL_MAGIC
from impilo_desktop.store import Store
from impilo_desktop.sync.sheet_import_cli import is_spreadsheet
from tests.sync.conftest import open_profile_store

ACCOUNT = ["--profile", "sandbox"]  # importing needs no server: the default sandbox address


def order(ref: str | None = "clinic-ref-1") -> dict[str, object]:
    body: dict[str, object] = {
        "patient": {"id": 10001},
        "orderItems": [{"item": {"id": 1001}, "count": 1}],
        "shippingOption": "standard",
    }
    if ref is not None:
        body["externalOrderIds"] = [ref]
    return body


def write(path: Path, body: object) -> Path:
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def queued_refs() -> list[list[str]]:
    with open_profile_store(resolve_profile("sandbox", None)) as store:
        return [e.draft.external_order_ids for e in store.list_outbox()]


# -- one test per class of bad input ---------------------------------------------------------

Maker = Callable[[Path], Path]


def _bytes(name: str, raw: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(raw)
        return path

    return make


def _folder(folder: Path) -> Path:
    (folder / "a-folder.json").mkdir()
    return folder / "a-folder.json"


def _fifo(folder: Path) -> Path:
    path = folder / "nobody-writes.json"
    os.mkfifo(path)
    return path


NOTE = b'{"patient": {"id": 10001}, "orderItems": [{"item": {"id": 1001}, "count": 1}], '
BAD_INPUTS: list[tuple[str, Maker, str]] = [
    (
        "too large",
        _bytes("big.json", b" " * (MAX_FILE_BYTES + 1)),
        "is too large (over 1 MB); an order file is a few kB; nothing queued.",
    ),
    (
        "too deep",
        _bytes("deep.json", b"[" * 100_000 + b"]" * 100_000),
        "is nested more than 32 levels deep (line 1, column 33); an order is only a few levels"
        " deep; nothing queued.",
    ),
    (
        "number too long",
        _bytes("number.json", b'{"patient": {"id": ' + b"1" * 5000 + b"}}"),
        "has a number 5,000 digits long (line 1, column 20); numbers in an order file have at"
        " most 100 digits; nothing queued.",
    ),
    (
        "lone surrogate escape",
        _bytes("surrogate.json", NOTE + b'"orderNotes": [{"note": "Call \\ud800 first"}]}'),
        "has text that is not valid Unicode at orderNotes[0].note (an escape such as \\ud800"
        " without its pair); nothing queued.",
    ),
    (
        "not UTF-8",
        _bytes("latin1.json", NOTE + b'\n"orderNotes": [{"note": "\xe9t\xe9"}]}'),
        "is not UTF-8 text (line 2 has bytes that are not UTF-8); nothing queued.",
    ),
    (
        "raw surrogate bytes",
        _bytes("raw-surrogate.json", NOTE + b'"orderNotes": [{"note": "\xed\xa0\x80"}]}'),
        "is not UTF-8 text (line 1 has bytes that are not UTF-8); nothing queued.",
    ),
    (
        "UTF-16",
        _bytes("utf16.json", json.dumps(order()).encode("utf-16")),
        "is UTF-16 text, not UTF-8; save it as UTF-8 and import it again; nothing queued.",
    ),
    ("empty", _bytes("empty.json", b""), "is empty; nothing queued."),
    (
        "NaN",
        _bytes("nan.json", b'{"orderItems": [{"item": {"id": 1001}, "count": NaN}]}'),
        "is not valid JSON (NaN is not a JSON number); nothing queued.",
    ),
    (
        "not JSON",
        _bytes("broken.json", b"{not json"),
        "is not valid JSON (line 1, column 2: Expecting property name enclosed in double"
        " quotes); nothing queued.",
    ),
    ("a folder", _folder, "is a folder, not a file; nothing queued."),
    ("missing", lambda folder: folder / "missing.json", "does not exist; nothing queued."),
]
if os.name == "posix":
    BAD_INPUTS += [
        (
            "/dev/zero",
            lambda _folder: Path("/dev/zero"),
            "is too large (over 1 MB); an order file is a few kB; nothing queued.",
        ),
        ("a named pipe nobody writes to", _fifo, "is empty; nothing queued."),
    ]


@pytest.mark.parametrize(
    ("make", "message"), [(m, text) for _, m, text in BAD_INPUTS], ids=[n for n, *_ in BAD_INPUTS]
)
def test_a_bad_file_gets_its_line_and_the_others_are_queued(
    tmp_path: Path, make: Maker, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write(tmp_path / "before.json", order("ref-before"))
    bad = make(tmp_path)
    after = write(tmp_path / "after.json", order("ref-after"))

    code = main(["drafts", "import", str(before), str(bad), str(after), *ACCOUNT])

    out, err = capsys.readouterr()
    assert code == 1
    assert err == f"{bad}: {message}\n"
    assert "Traceback" not in out + err
    assert f"{before}: queued as #1 " in out
    assert f"{after}: queued as #2 " in out
    assert queued_refs() == [["ref-before"], ["ref-after"]]


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions (not root)"
)
def test_an_unreadable_file_gets_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = write(tmp_path / "locked.json", order("ref-locked"))
    locked.chmod(0)
    good = write(tmp_path / "good.json", order())

    code = main(["drafts", "import", str(locked), str(good), *ACCOUNT])

    out, err = capsys.readouterr()
    assert code == 1
    assert err == f"{locked}: cannot be read: permission denied; nothing queued.\n"
    assert f"{good}: queued as #1 " in out


def test_every_bad_file_in_one_import_and_the_good_ones_still_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [make(tmp_path) for _, make, _ in BAD_INPUTS]
    good = [write(tmp_path / f"good-{n}.json", order(f"ref-{n}")) for n in range(2)]

    code = main(["drafts", "import", str(good[0]), *map(str, bad), str(good[1]), *ACCOUNT])

    out, err = capsys.readouterr()
    assert code == 1
    assert [line.split(": ")[0] for line in err.splitlines()] == [str(p) for p in bad]
    assert out.count("queued as #") == 2
    assert queued_refs() == [["ref-0"], ["ref-1"]]


def test_a_file_with_a_byte_order_mark_is_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notepad = tmp_path / "notepad.json"
    notepad.write_bytes(b"\xef\xbb\xbf" + json.dumps(order()).encode("utf-8"))

    assert main(["drafts", "import", str(notepad), *ACCOUNT]) == 0

    assert f"{notepad}: queued as #1 " in capsys.readouterr().out
    assert queued_refs() == [["clinic-ref-1"]]


def test_a_store_the_key_cannot_open_is_named_and_left_alone(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Encrypted, a file whose first page no key opens is a wrong passphrase as much as damage
    # (SQLCipher cannot tell them apart): said so, the file left as it is and not copied
    # (damage further in is copied aside as before: tests/store/test_damaged.py).
    path = Store.path_for(Profile("sandbox", "http://127.0.0.1:8765"), app_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database " * 100)

    for _ in range(3):
        assert main(["outbox", *ACCOUNT]) == 2

    assert not list(path.parent.glob("impilo.sqlite3.damaged-*"))
    assert path.read_bytes() == b"not a database " * 100
    err = capsys.readouterr().err
    assert err.count(f"The local database at {path} could not be unlocked") == 3
    assert "Traceback" not in err


def test_a_store_found_empty_is_said_before_the_command_runs(
    app_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Store.path_for(Profile("sandbox", "http://127.0.0.1:8765"), app_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    good = write(tmp_path / "good.json", order())

    assert main(["drafts", "import", str(good), *ACCOUNT]) == 0

    out, err = capsys.readouterr()
    assert err.startswith(f"impilo-desktop: The local database at {path} was found empty")
    assert f"{good}: queued as #1 " in out
    assert main(["outbox", *ACCOUNT]) == 0
    assert capsys.readouterr().err == ""  # said once: it is a real database now


# -- nothing a file holds makes the command raise ---------------------------------------------

SEEDS = [
    json.dumps(order()).encode("utf-8"),
    b'{"orderNotes": [{"note": "\\ud800"}], "externalOrderIds": [1e999, true, null]}',
    b"[" * 40,
]


def test_an_old_excel_file_named_json_is_told_as_a_spreadsheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # By its first bytes, whatever its name: the spreadsheet import's own words for it.
    path = tmp_path / "order.json"
    path.write_bytes(OLD_EXCEL_MAGIC + bytes(60))
    assert main(["drafts", "import", str(path), *ACCOUNT]) == 1
    assert "old Excel file (.xls); save it as .xlsx or CSV UTF-8" in capsys.readouterr().err
    # With other files: a spreadsheet is imported on its own, and nothing is queued.
    other = write(tmp_path / "other.json", order("ref-other"))
    assert main(["drafts", "import", str(other), str(path), *ACCOUNT]) == 2
    assert "Import one spreadsheet at a time" in capsys.readouterr().err
    assert queued_refs() == []


def _mutated(seed: bytes, data: st.DataObject) -> bytes:
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(0, 4))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    return bytes(raw)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_bytes_in_a_file_make_the_import_raise(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    raw = data.draw(
        st.binary(max_size=400)
        | st.sampled_from(SEEDS)
        | st.sampled_from(SEEDS).map(lambda seed: seed[: len(seed) // 2])
    )
    raw = _mutated(raw, data)
    path = tmp_path_factory.mktemp("fuzz") / "order.json"
    path.write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["drafts", "import", str(path), str(path), *ACCOUNT])

    if is_spreadsheet(path):
        # Bytes that start as a workbook's do (Hypothesis tries the constants it finds in
        # the code, the workbooks' first bytes among them): a spreadsheet by its content,
        # whatever its name, and a spreadsheet is imported on its own.
        assert code == 2
        assert "Import one spreadsheet at a time" in err.getvalue()
        return
    assert code in (0, 1)
    lines = (out.getvalue() + err.getvalue()).splitlines()
    assert len(lines) == 2  # one line per file given
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "unexpected" not in err.getvalue()  # the last-resort guard never had to act


# -- a new patient, created with the order ---------------------------------------------------------


def queued_drafts() -> list[OrderDraft]:
    with open_profile_store(resolve_profile("sandbox", None)) as store:
        return [e.draft for e in store.list_outbox()]


def test_a_new_patient_order_file_is_queued_with_its_patient(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = data_dir / "fixtures" / "create-new-patient-order.request.json"

    assert main(["drafts", "import", str(example), *ACCOUNT]) == 0

    assert f"{example}: queued as #1 " in capsys.readouterr().out
    [draft] = queued_drafts()
    assert draft.is_new_patient_order
    assert draft.new_patient is not None
    assert draft.new_patient.display_name == "Marisol Teague (new patient)"
    assert draft.new_patient.address.zip_code == "18512-0042"
    assert [(line.item_id, line.count) for line in draft.item_lines] == [(1001, 1), (1035, 2)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"address": None},
            "new_patient.address: The new patient has no address (street, city, state and ZIP);"
            " Impilo needs one to ship the order",
        ),
        (
            {"address": {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "PA"}},
            "new_patient.address.zip_code: Enter the ZIP code",
        ),
        (
            {"email": "marisol.teague", "lastName": " "},
            "new_patient.last_name: Enter the last name; new_patient.email: This doesn't look"
            " like an email address (name@example.org)",
        ),
    ],
)
def test_a_new_patient_missing_a_field_is_refused_naming_it(
    data_dir: Path,
    tmp_path: Path,
    change: dict[str, object],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = json.loads((data_dir / "fixtures" / "create-new-patient-order.request.json").read_text())
    patient = {k: v for k, v in {**body["patient"], **change}.items() if v is not None}
    broken = write(tmp_path / "no-address.json", {**body, "patient": patient})

    code = main(["drafts", "import", str(broken), *ACCOUNT])

    out, err = capsys.readouterr()
    assert code == 1
    assert err == f"{broken}: {message}; nothing queued.\n"
    assert out == ""
    assert queued_drafts() == []
