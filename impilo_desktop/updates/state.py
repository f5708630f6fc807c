"""What the updater keeps in the app's data folder (`<home>/updates/`): the repository
address and the last check (settings.json), TUF's trusted metadata (metadata/), downloaded
archives (downloads/) and the update waiting for a restart (pending.json).

Its own file rather than a field of config.Settings: the app writes it after every check,
and the settings file is the coordinator's (and, managed, IT's)."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from impilo_desktop.config import ConfigError, app_home, is_loopback_host

log = logging.getLogger(__name__)

# Where the bundle carries the repository's root metadata, its trust anchor (the spec adds it).
BUNDLED_ROOT = Path("updates") / "root.json"


def running_from_bundle() -> bool:
    """Only a frozen bundle replaces itself; from source there is nothing to update."""
    return bool(getattr(sys, "frozen", False))


def bundled_root() -> Path | None:
    base = getattr(sys, "_MEIPASS", None)
    if base is None:
        return None
    path = Path(base) / BUNDLED_ROOT
    return path if path.is_file() else None


@dataclass(frozen=True)
class UpdateFolder:
    """The updater's files under one app home."""

    root: Path

    @classmethod
    def of_home(cls, home: Path | None = None) -> UpdateFolder:
        return cls((home or app_home()) / "updates")

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def pending_file(self) -> Path:
        return self.root / "pending.json"

    def remove_archives(self, keep: str | None = None) -> None:
        """Delete the downloaded archives (each as large as the app) but `keep`, the pending
        update's: after an install, and whenever a check has found what is current."""
        try:
            files = [path for path in self.downloads.iterdir() if path.is_file()]
        except OSError:
            return  # no downloads folder yet
        for path in files:
            if path.name != keep:
                try:
                    path.unlink()
                except OSError as exc:  # in use (Windows): the next check tries again
                    log.warning("A downloaded update could not be deleted: %s", exc)
                else:
                    log.info("Deleted the downloaded update %s", path.name)


def normalize_repository_url(text: str) -> str:
    """An update repository's address (the folder holding metadata/ and targets/), without a
    trailing slash; "" for none. Plain http only on this computer: TUF would refuse anything
    tampered with, but https keeps what is being installed private."""
    value = text.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{text.strip()!r} is not a web address; enter the update repository as"
            " https://host/path."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError("Use an https address for the update repository.")
    if parts.query or parts.fragment:
        raise ConfigError("Enter the update repository's folder address, without ? or #.")
    return value


@dataclass
class UpdateSettings:
    """The repository address ("" = no checks) and what the last check found, in words."""

    repository_url: str = ""
    last_check: str = ""  # ISO 8601, UTC
    last_result: str = ""

    @classmethod
    def load(cls, folder: UpdateFolder) -> UpdateSettings:
        """Leniently: an unreadable file means no checks, never a failed start."""
        try:
            raw: Any = json.loads(folder.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()._with_policy()
        if not isinstance(raw, dict):
            return cls()._with_policy()
        url, when, result = (raw.get(k) for k in ("repository_url", "last_check", "last_result"))
        try:
            url = normalize_repository_url(url) if isinstance(url, str) else ""
        except ConfigError:
            log.warning("The saved update repository address is unusable; no checks")
            url = ""
        return cls(
            repository_url=url,
            last_check=when if isinstance(when, str) else "",
            last_result=result if isinstance(result, str) else "",
        )._with_policy()

    def _with_policy(self) -> UpdateSettings:
        """The repository the computer's policy fixes, in place of the user's (policy.py)."""
        fixed = fixed_repository_url()
        if fixed is not None:
            self.repository_url = fixed
        return self

    def save(self, folder: UpdateFolder) -> None:
        """Write the address and the last check; where the policy fixes the address, the
        user's own saved one is kept (it comes back if the computer leaves management)."""
        data = asdict(self)
        if fixed_repository_url() is not None:
            try:
                saved: Any = json.loads(folder.settings_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            data["repository_url"] = (
                saved.get("repository_url", "") if isinstance(saved, dict) else ""
            )
        write_json(folder.settings_file, data)


def fixed_repository_url() -> str | None:
    """The update repository the computer's policy sets, or None where the user decides."""
    from impilo_desktop.policy import current_policy

    url = current_policy().update_url
    if url is None:
        return None
    try:
        return normalize_repository_url(url)
    except ConfigError:
        log.warning("The policy's update repository address is unusable; no checks")
        return ""


@dataclass(frozen=True)
class PendingUpdate:
    """A downloaded, verified archive waiting for a restart. The length and hashes are the
    signed metadata's, checked again before installing (the file sat in the data folder)."""

    version: str
    notes: str
    archive: str  # file name in downloads/
    length: int
    hashes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: UpdateFolder) -> PendingUpdate | None:
        try:
            raw: Any = json.loads(folder.pending_file.read_text(encoding="utf-8"))
            return cls(
                version=str(raw["version"]),
                notes=str(raw.get("notes", "")),
                archive=Path(str(raw["archive"])).name,
                length=int(raw["length"]),
                hashes={str(k): str(v) for k, v in dict(raw["hashes"]).items()},
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("The pending update's record is unreadable; it is dropped")
            return None

    def save(self, folder: UpdateFolder) -> None:
        write_json(folder.pending_file, asdict(self))

    @staticmethod
    def clear(folder: UpdateFolder) -> None:
        folder.pending_file.unlink(missing_ok=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)
