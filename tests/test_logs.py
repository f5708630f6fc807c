"""Log files: written to the log folder, rotated, and never holding the API key."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop import config, logs, private_files

KEY = "ik_live_8f3Kq2ZxWm71PdaR"


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    logs.reset_logging()
    logs.forget_secrets()
    root.setLevel(level)


def read_all(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.log*")))


def test_writes_to_the_log_folder_of_the_home() -> None:
    path = logs.configure_logging()
    logging.getLogger("impilo_desktop.test").info("order %s queued", "CR-1")
    assert path.parent == config.log_dir()
    assert logs.current_log_file() == path
    text = path.read_text(encoding="utf-8")
    assert "INFO" in text
    assert "impilo_desktop.test: order CR-1 queued" in text


def test_registered_key_is_redacted_in_messages_and_args() -> None:
    path = logs.configure_logging()
    logs.register_secret(KEY)
    log = logging.getLogger("impilo_desktop.test")
    log.warning("using key %s for %r", KEY, {"key": KEY})
    log.warning(f"inline {KEY} and quoted {KEY!r}")
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert text.count(logs.REDACTED) >= 3
    assert "using key [redacted]" in text


def test_logged_exception_with_the_key_is_redacted() -> None:
    path = logs.configure_logging()
    logs.register_secret(KEY)
    try:
        raise ValueError(f"server refused key {KEY}")
    except ValueError:
        logging.getLogger("impilo_desktop.test").exception("request failed")
    text = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "ValueError: server refused key [redacted]" in text
    assert KEY not in text


def test_header_shapes_are_redacted_even_for_an_unregistered_key() -> None:
    path = logs.configure_logging()
    other = "unregistered-secret-123456"
    log = logging.getLogger("impilo_desktop.test")
    log.info("Impilo-API-Key: %s", other)
    log.info("headers=%s", {"Impilo-API-Key": other, "Accept": "application/json"})
    log.info("env IMPILO_API_KEY=%s", other)
    try:
        raise RuntimeError(f'{{"apiKey": "{other}"}}')
    except RuntimeError:
        log.exception("bad body")
    text = path.read_text(encoding="utf-8")
    assert other not in text
    assert "Impilo-API-Key: [redacted]" in text
    assert "'Impilo-API-Key': '[redacted]'" in text
    assert "'Accept': 'application/json'" in text  # only the key goes
    assert "IMPILO_API_KEY=[redacted]" in text


def test_redact_leaves_ordinary_text_alone_and_is_idempotent() -> None:
    logs.register_secret(KEY)
    logs.register_secret("abc")  # too short to be a key: ignored, or every "abc" would vanish
    text = "Order CR-7 for patient abc, Impilo-API-Key: [redacted]"
    assert logs.redact(text) == text
    once = logs.redact(f"api_key={KEY}")
    assert once == "api_key=[redacted]"
    assert logs.redact(once) == once


def test_a_second_handler_sees_the_scrubbed_record(caplog: pytest.LogCaptureFixture) -> None:
    logs.configure_logging()
    logs.register_secret(KEY)
    with caplog.at_level(logging.INFO):
        logging.getLogger("impilo_desktop.test").info("key is %s", KEY)
    # The filter rewrites the shared record, so handlers that keep records hold it scrubbed.
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_rotation_keeps_a_bounded_number_of_files(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    path = logs.configure_logging(directory=folder, max_bytes=2_000, backup_count=3)
    log = logging.getLogger("impilo_desktop.test")
    for i in range(200):
        log.info("line %04d %s", i, "x" * 60)
    files = sorted(p.name for p in folder.iterdir())
    assert files == [path.name, f"{path.name}.1", f"{path.name}.2", f"{path.name}.3"]
    assert all(p.stat().st_size <= 2_000 for p in folder.iterdir())
    assert "line 0199" in path.read_text(encoding="utf-8")
    assert "line 0000" not in read_all(folder)  # the oldest rotated away


def test_a_rollover_blocked_by_another_process_keeps_appending(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # On Windows a file open in another process cannot be renamed (WinError 32). Here the
    # rename fails because the first backup's name is taken by a folder.
    folder = tmp_path / "logs"
    path = logs.configure_logging(directory=folder, max_bytes=500, backup_count=1)
    blocker = folder / f"{path.name}.1"
    blocker.mkdir()
    (blocker / "in-the-way").write_text("", encoding="utf-8")
    log = logging.getLogger("impilo_desktop.test")
    for i in range(40):
        log.info("line %04d %s", i, "x" * 60)
    text = path.read_text(encoding="utf-8")
    assert "line 0000" in text
    assert "line 0039" in text  # nothing lost, the file simply grew past its size
    assert "Logging error" not in capfd.readouterr().err


def test_the_command_line_writes_a_log_of_its_own(tmp_path: Path) -> None:
    path = logs.configure_logging(directory=tmp_path, file_name=logs.CLI_LOG_FILE_NAME)
    logging.getLogger("impilo_desktop.test").info("from sync")
    assert path == tmp_path / "impilo-desktop-cli.log"
    assert "from sync" in path.read_text(encoding="utf-8")
    assert not (tmp_path / logs.LOG_FILE_NAME).exists()


def test_configure_twice_replaces_only_our_handlers(tmp_path: Path) -> None:
    root = logging.getLogger()
    theirs = logging.NullHandler()
    root.addHandler(theirs)
    try:
        logs.configure_logging(directory=tmp_path / "a")
        second = logs.configure_logging(directory=tmp_path / "b", console=True)
        ours = [h for h in root.handlers if getattr(h, "_impilo_handler", False)]
        assert len(ours) == 2  # file + console of the second call
        assert logs.current_log_file() == second
        assert theirs in root.handlers
    finally:
        root.removeHandler(theirs)


def test_a_native_crash_is_recorded_and_reported_by_the_next_session(tmp_path: Path) -> None:
    # Both sessions run in their own process: a real fatal signal, and pytest's own
    # faulthandler set-up stays untouched.
    folder = tmp_path / "logs"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    crash = (
        "import sys, faulthandler; from pathlib import Path; from impilo_desktop import logs;"
        "logs.enable_native_crash_log(Path(sys.argv[1])); faulthandler._sigsegv()"
    )
    first = subprocess.run(
        [sys.executable, "-c", crash, str(folder)], env=env, capture_output=True, check=False
    )
    assert first.returncode != 0
    recorded = (folder / logs.NATIVE_CRASH_FILE_NAME).read_text(encoding="utf-8")
    assert "=== session " in recorded
    assert "Fatal Python error: Segmentation fault" in recorded

    next_start = (
        "import sys; from pathlib import Path; from impilo_desktop import logs;"
        "folder = Path(sys.argv[1]); logs.configure_logging(directory=folder);"
        "logs.enable_native_crash_log(folder); logs.disable_native_crash_log()"
    )
    subprocess.run([sys.executable, "-c", next_start, str(folder)], env=env, check=True)
    log_text = (folder / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "The previous session ended in a crash" in log_text
    assert "Segmentation fault" in log_text
    # The clean session left its own header after the crash, so a third start reports nothing.
    assert recorded.count("=== session ") + 1 == (
        (folder / logs.NATIVE_CRASH_FILE_NAME).read_text(encoding="utf-8").count("=== session ")
    )


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def run_session(folder: Path, max_bytes: int = logs.DEFAULT_MAX_BYTES) -> None:
    """A session in a process of its own (pytest's faulthandler stays untouched): it logs
    60 lines and has its native crash log open."""
    root = Path(__file__).resolve().parents[1]
    code = (
        "import logging, sys; from pathlib import Path; from impilo_desktop import logs;"
        "folder = Path(sys.argv[1]);"
        "logs.configure_logging(directory=folder, max_bytes=int(sys.argv[2]), backup_count=2);"
        "logs.enable_native_crash_log(folder);"
        "[logging.getLogger('t').warning('line %04d %s', i, 'x' * 60) for i in range(60)];"
        "logs.disable_native_crash_log()"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code, str(folder), str(max_bytes)], env=env, check=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes; Windows uses an ACL")
def test_log_folder_and_every_file_are_the_users_alone(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    run_session(folder, max_bytes=1_000)  # rotates: the backups are private too
    path = folder / logs.LOG_FILE_NAME
    files = sorted(folder.iterdir())
    crash_log = folder / logs.NATIVE_CRASH_FILE_NAME
    assert {path, crash_log, Path(f"{path}.1"), Path(f"{path}.2")} <= set(files)
    assert mode(folder) == 0o700
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes; Windows uses an ACL")
def test_an_open_folder_left_by_an_earlier_version_is_closed(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    old = folder / logs.LOG_FILE_NAME
    backup = folder / f"{logs.LOG_FILE_NAME}.1"
    crash = folder / logs.NATIVE_CRASH_FILE_NAME
    for file in (old, backup, crash):
        file.write_text("earlier\n", encoding="utf-8")
        os.chmod(file, 0o644)
    run_session(folder)
    assert mode(folder) == 0o700
    assert [mode(f) for f in (old, backup, crash)] == [0o600, 0o600, 0o600]
    assert "line 0059" in old.read_text(encoding="utf-8")


def test_the_windows_acl_is_owner_only_for_the_folder_and_its_files(tmp_path: Path) -> None:
    # Run by hand on Windows (packaging/README.md); here the commands themselves.
    restrict, reset = private_files.icacls_commands(tmp_path, "CLINIC\\ada")
    assert restrict == [
        "icacls", str(tmp_path), "/inheritance:r", "/grant:r", "CLINIC\\ada:(OI)(CI)F", "/Q"
    ]  # fmt: skip
    assert reset == ["icacls", str(tmp_path / "*"), "/reset", "/Q"]


@pytest.mark.skipif(sys.platform == "win32", reason="a stand-in icacls (a shell script)")
def test_the_windows_branch_runs_icacls_and_says_when_it_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A stand-in `icacls` on PATH records its arguments and fails for a folder named "locked".
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.txt"
    bin_dir.mkdir()
    script = bin_dir / "icacls"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> {calls}\ncase "$1" in *locked) exit 5;; esac\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("USERDOMAIN", "CLINIC")
    monkeypatch.setenv("USERNAME", "ada")
    folder = tmp_path / "logs"
    private_files._windows_owner_only(folder)
    assert calls.read_text(encoding="utf-8").splitlines() == [
        f"{folder} /inheritance:r /grant:r CLINIC\\ada:(OI)(CI)F /Q",
        f"{folder}/* /reset /Q",
    ]
    private_files._windows_owner_only(tmp_path / "locked")
    assert "icacls could not restrict" in caplog.text
    assert "exit 5" in caplog.text


def test_a_validation_errors_input_values_are_scrubbed(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from impilo_desktop.api.models import Patient

    path = logs.configure_logging(directory=tmp_path)
    body = {"firstName": ["Philippa"], "dateOfBirth": {"d": "1931-02-29"}}
    try:
        Patient.model_validate(body)  # the traceback shows this line, not the one above
    except ValidationError:
        logging.getLogger("impilo_desktop.test").exception("could not read a patient")
    text = path.read_text(encoding="utf-8")
    assert "input_value=[redacted], input_type=list" in text
    assert "Philippa" not in text
    assert "1931-02-29" not in text


def test_reset_puts_back_the_levels_configure_quietened() -> None:
    # A command run in-process (sync --once in a test) used to leave httpcore at WARNING for
    # the rest of the process, so a later test that reads httpcore's debug output failed.
    httpcore = logging.getLogger("httpcore")
    httpcore.setLevel(logging.DEBUG)
    try:
        logs.configure_logging()
        assert httpcore.level == logging.WARNING
        logs.configure_logging()  # configured twice, still put back to what it was first
        logs.reset_logging()
        assert httpcore.level == logging.DEBUG
    finally:
        httpcore.setLevel(logging.NOTSET)
