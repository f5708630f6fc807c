"""Log files that support can read and that never contain the API key.

`configure_logging()` sends the root logger to a rotating UTF-8 file in `config.log_dir()`:
`impilo-desktop.log` for the window, `impilo-desktop-cli.log` for the command line, so a
`sync` run beside the open window never shares (and, on Windows, never blocks the rollover
of) the window's file.
Every handler it installs carries a redaction filter *and* a redacting formatter: the filter
scrubs the record (message, arguments, exception and stack text) so no other handler sees the
key, and the formatter scrubs the final line as a last guard. The key in use is registered at
run time with `register_secret()`; header and assignment shapes (`Impilo-API-Key: ...`,
`api_key=...`) are scrubbed even for keys never registered.

Patient data stays out too: nothing logs a response body (the client logs its shape: status,
length, where parsing failed), and the input values pydantic puts in a validation error's
text (`input_value=...`, a patient's name or birth date in a traceback) are scrubbed. The
folder is the user's alone (0700, files 0600; an owner-only ACL on Windows, private_files.py).
"""

from __future__ import annotations

import faulthandler
import io
import logging
import logging.handlers
import os
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

from impilo_desktop import APP_ID, __version__, config
from impilo_desktop.private_files import private_folder, private_opener

LOG_FILE_NAME = f"{APP_ID}.log"
CLI_LOG_FILE_NAME = f"{APP_ID}-cli.log"
# After a rollover failed (the file is open in another process), keep appending this long.
ROLLOVER_RETRY_SECONDS = 60.0
NATIVE_CRASH_FILE_NAME = f"{APP_ID}-native-crash.log"
NATIVE_CRASH_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_BACKUP_COUNT = 5
REDACTED = "[redacted]"
# Shorter "secrets" would blank out ordinary words; real API keys are far longer.
MIN_SECRET_LENGTH = 6

LOG_FORMAT = "%(asctime)s %(levelname)-8s [%(threadName)s] %(name)s: %(message)s"

# A key-ish name, a separator (header colon, '=', or a dict/JSON quote-colon), then the value.
_KEY_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>(?:impilo[-_]?)?api[-_]?key)   # Impilo-API-Key, IMPILO_API_KEY, apiKey, api_key
    (?P<sep>["']?\s*[:=]\s*(?:b?["'])?)       # ': ', '=', '": "', "': '", "=b'"
    (?P<value>(?!\[redacted\])[^\s"',;}\])]+)
    """
)

# pydantic's ValidationError text quotes the value it refused: "[type=..., input_value='Ada',
# input_type=str]". That value may be a patient's (a traceback of a bad body).
_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(secret: str | None) -> None:
    """Remember `secret` (the API key in use) so it is removed from every log line."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    global _pattern
    with _lock:
        forms = {secret, quote(secret, safe=""), repr(secret)[1:-1]}
        if forms <= _secrets:
            return
        _secrets.update(forms)
        # Longest first so a key containing another registered key is removed whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def forget_secrets() -> None:
    """Drop every registered secret (tests; switching accounts keeps old ones on purpose)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def redact(text: str) -> str:
    """`text` with registered secrets and anything shaped like an API-key assignment removed."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    text = _INPUT_VALUE.sub(f"input_value={REDACTED}, input_type=", text)
    return _KEY_ASSIGNMENT.sub(lambda m: m["name"] + m["sep"] + REDACTED, text)


class RedactionFilter(logging.Filter):
    """Scrubs a record in place: message and args are merged, exception text pre-rendered."""

    def __init__(self) -> None:
        super().__init__()
        self._renderer = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._renderer.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """The standard formatter with a final redaction pass over the whole line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates like its parent, except when the file cannot be renamed because another
    process has it open (Windows refuses, WinError 32; two `sync` runs at once can do that):
    then it keeps appending to the current file and tries again a minute later, instead of
    printing "--- Logging error ---" and losing the line, record after record."""

    _retry_at = 0.0

    def _open(self) -> io.TextIOWrapper:
        # Created readable by the user alone (rotation renames it, keeping that).
        stream = open(  # noqa: SIM115 (the handler owns the stream)
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=private_opener,
        )
        assert isinstance(stream, io.TextIOWrapper)  # a text mode, as the handler's parent
        return stream

    def shouldRollover(self, record: logging.LogRecord) -> int:  # noqa: N802 (logging's name)
        if time.monotonic() < self._retry_at:
            return False
        return super().shouldRollover(record)

    def doRollover(self) -> None:  # noqa: N802 (logging's name)
        try:
            super().doRollover()
        except OSError:
            self._retry_at = time.monotonic() + ROLLOVER_RETRY_SECONDS
            # The stream was closed for the renames; the next record reopens it to append.


def _our_handlers(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, "_impilo_handler", False)]


def configure_logging(
    level: int | str = logging.INFO,
    console: bool = False,
    *,
    directory: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backup_count: int = DEFAULT_BACKUP_COUNT,
    file_name: str = LOG_FILE_NAME,
) -> Path:
    """Log to a rotating file `file_name` in `directory` (default `config.log_dir()`);
    returns its path.

    Calling it again replaces the handlers it installed before (never anyone else's).
    """
    folder = private_folder(directory or config.log_dir())
    path = folder / file_name
    root = logging.getLogger()
    reset_logging()

    file_handler = SharedRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8", delay=True
    )
    handlers: list[logging.Handler] = [file_handler]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler._impilo_handler = True  # type: ignore[attr-defined]
        handler.addFilter(RedactionFilter())
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter at INFO would push our own lines out of the rotation window.
    for noisy in _NOISY:
        logger = logging.getLogger(noisy)
        _quietened.setdefault(noisy, logger.level)
        logger.setLevel(logging.WARNING)
    return path


_NOISY = ("httpx", "httpcore", "aiohttp.access", "asyncio")
# The levels those loggers had before `configure_logging` quietened them: `reset_logging` puts
# them back, so configuring and resetting leaves a process (a test run) as it found it.
_quietened: dict[str, int] = {}


def reset_logging() -> None:
    """Remove and close the handlers `configure_logging` installed."""
    root = logging.getLogger()
    for handler in _our_handlers(root):
        root.removeHandler(handler)
        handler.close()
    for name, level in _quietened.items():
        logging.getLogger(name).setLevel(level)
    _quietened.clear()


def current_log_file() -> Path | None:
    """The file our rotating handler writes to, if logging is configured."""
    for handler in _our_handlers(logging.getLogger()):
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


_fault_file: IO[str] | None = None
_SESSION_MARK = "=== session "


def enable_native_crash_log(directory: Path | None = None) -> Path:
    """Have `faulthandler` write Python tracebacks of every thread to a file in the log
    folder when the process dies of a fatal signal (a crash in Qt or another C library), which
    no Python hook can see. A crash left by the previous session is copied into the log."""
    global _fault_file
    folder = private_folder(directory or config.log_dir())
    path = folder / NATIVE_CRASH_FILE_NAME
    previous = ""
    if path.is_file():
        previous = path.read_text(encoding="utf-8", errors="replace")
        last_session = previous.rsplit(_SESSION_MARK, 1)[-1]
        if "Fatal Python error" in last_session:
            logging.getLogger(__name__).error(
                "The previous session ended in a crash:\n%s", redact(last_session.strip())
            )
    disable_native_crash_log()
    mode = "w" if len(previous) > NATIVE_CRASH_MAX_BYTES else "a"
    _fault_file = open(path, mode, encoding="utf-8", opener=private_opener)  # noqa: SIM115
    started = datetime.now(UTC).isoformat(timespec="seconds")
    _fault_file.write(f"{_SESSION_MARK}{started} pid {os.getpid()} version {__version__} ===\n")
    _fault_file.flush()
    faulthandler.enable(_fault_file, all_threads=True)
    return path


def disable_native_crash_log() -> None:
    """Stop writing native crashes to the file (and close it)."""
    global _fault_file
    if _fault_file is not None:
        faulthandler.disable()
        _fault_file.close()
        _fault_file = None
