"""The check: refresh the repository's signed metadata (root -> timestamp -> snapshot ->
targets), find a newer archive, download it, and keep it as the pending update. tuf verifies
every step: signatures against the root this bundle was built with, versions never going
back, expiry, and the archive's length and hashes. Anything it refuses is `UpdateRefused`
(nothing downloaded is kept as pending); a repository that cannot be reached is
`CheckFailed`. Blocking: `check_for_update` runs it in a daemon thread off the bridge loop.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from pathlib import Path
from typing import Any

from tuf.api import exceptions as tuf_errors
from tufup.client import Client

from impilo_desktop import __version__
from impilo_desktop.api.network import Route, find_route, in_daemon_thread
from impilo_desktop.config import NetworkOptions
from impilo_desktop.updates.fetcher import (
    CHECK_DEADLINE_S,
    TIMEOUT,
    CheckTooLong,
    RedirectRefused,
    RouteFetcher,
)
from impilo_desktop.updates.outcomes import (
    CheckFailed,
    CheckOutcome,
    UpdateReady,
    UpdateRefused,
    UpToDate,
)
from impilo_desktop.updates.platform_name import archive_name
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder, UpdateSettings
from impilo_desktop.updates.trust import has_trusted_root

log = logging.getLogger(__name__)

# Longest a single read may block (then the fetcher's deadline is looked at again).
TIMEOUT_S = (TIMEOUT.connect or 0) + (TIMEOUT.read or 0)


async def check_for_update(
    repository_url: str,
    folder: UpdateFolder,
    *,
    trusted_root: Path | None,
    current_version: str = __version__,
    network: NetworkOptions | None = None,
    deadline_s: float = CHECK_DEADLINE_S,
) -> CheckOutcome:
    """Check once and record the outcome in the updater's settings (last check, result).
    The check stops itself after `deadline_s` (the fetcher's deadline); the wait here is
    bounded too, a read's timeout later, should a read never return."""
    try:
        route = await find_route(repository_url, network or NetworkOptions())
    except Exception as exc:
        log.warning("No route to the update repository: %s", exc)
        outcome: CheckOutcome = CheckFailed("the proxy settings do not work for it.")
    else:
        try:
            async with asyncio.timeout(deadline_s + 2 * TIMEOUT_S):
                outcome = await in_daemon_thread(
                    lambda: check_blocking(
                        repository_url, folder, route, trusted_root, current_version, deadline_s
                    )
                )
        except TimeoutError:
            log.warning("The update check did not finish within %g s", deadline_s)
            outcome = CheckFailed(_TOO_LONG)
    settings = UpdateSettings.load(folder)
    settings.last_check = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    settings.last_result = outcome.summary
    settings.save(folder)
    return outcome


def check_blocking(
    repository_url: str,
    folder: UpdateFolder,
    route: Route,
    trusted_root: Path | None,
    current_version: str,
    deadline_s: float = CHECK_DEADLINE_S,
) -> CheckOutcome:
    if not has_trusted_root(folder.metadata, trusted_root):
        return CheckFailed("this copy of Impilo Desktop was built without an update key.")
    fetcher = RouteFetcher(route, deadline_s=deadline_s)
    try:
        return _check(repository_url.rstrip("/"), folder, fetcher, current_version)
    except CheckTooLong as exc:
        log.warning("Update check stopped: %s", exc)
        return CheckFailed(_TOO_LONG)
    except RedirectRefused as exc:
        log.warning("Update check stopped: %s", exc)
        return CheckFailed(
            "the update repository sent the check to an unencrypted (http) address, which was"
            " refused. Tell IT."
        )
    except tuf_errors.DownloadLengthMismatchError as exc:
        log.warning("Update refused: a download was longer than signed: %s", exc)
        return UpdateRefused(_TAMPERED)
    except tuf_errors.RepositoryError as exc:
        log.warning("Update refused (%s): %s", type(exc).__name__, exc)
        return UpdateRefused(_refusal(exc))
    except tuf_errors.DownloadError as exc:
        log.warning("Update repository not reached: %s", exc)
        return CheckFailed("the update repository could not be reached.")
    except Exception:
        log.exception("The update check failed")
        return CheckFailed("the update check failed (details in the log).")
    finally:
        fetcher.close()


class _Client(Client):  # type: ignore[misc]  # tufup ships no type hints
    """tufup's client with our fetcher, refreshing once: tufup's own check swallows a bad
    signature as "no update", so the refresh is done (and judged) first."""

    def __init__(self, fetcher: RouteFetcher, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fetcher = fetcher
        self._refreshed = False

    def refresh(self) -> None:
        if not self._refreshed:
            super().refresh()
            self._refreshed = True


def _check(
    url: str, folder: UpdateFolder, fetcher: RouteFetcher, current_version: str
) -> CheckOutcome:
    folder.downloads.mkdir(parents=True, exist_ok=True)
    client = _Client(
        fetcher,
        app_name=archive_name(),  # this platform's archives only (platform_name.py)
        app_install_dir=folder.root,  # unused: installing is ours (install.py)
        current_version=current_version,
        metadata_dir=folder.metadata,
        metadata_base_url=f"{url}/metadata/",
        target_dir=folder.downloads,
        target_base_url=f"{url}/targets/",
    )
    client.refresh()
    found = client.check_for_updates(patch=False)
    info = client.new_archive_info
    if found is None or info is None:
        PendingUpdate.clear(folder)  # a pending one the repository no longer offers
        folder.remove_archives()
        return UpToDate(current_version)
    path = Path(client.find_cached_target(info) or client.download_target(info))
    notes = found.custom.get("notes", "") if isinstance(found.custom, dict) else ""
    pending = PendingUpdate(
        version=str(found.version),
        notes=str(notes),
        archive=path.name,
        length=info.length,
        hashes=dict(info.hashes),
    )
    pending.save(folder)
    folder.remove_archives(keep=pending.archive)  # an older version downloaded before
    log.info("Update %s downloaded and verified (%d bytes)", pending.version, info.length)
    return UpdateReady(pending.version, pending.notes)


_TOO_LONG = "the update check took too long (a slow connection?); it will be tried again later."
_TAMPERED = (
    "the downloaded update does not match its signature (it may have been changed after it"
    " was published). Tell IT."
)


def _refusal(exc: tuf_errors.RepositoryError) -> str:
    if isinstance(exc, tuf_errors.LengthOrHashMismatchError):
        return _TAMPERED
    if isinstance(exc, tuf_errors.ExpiredMetadataError):
        # Usually a `resign` not run in time (packaging/updates.py renews every role that
        # expires soon, the root included); a copy left offline past it catches up after.
        return (
            "the update repository's signatures have expired, so no update can be trusted."
            " Tell IT: the repository must be signed again."
        )
    if isinstance(exc, tuf_errors.BadVersionNumberError):
        return (
            "the update repository offered older information than it did before (it may have"
            " been rolled back). Tell IT."
        )
    if isinstance(exc, tuf_errors.UnsignedMetadataError):
        return "the update repository's signatures do not check out. Tell IT."
    return "the update repository's information could not be verified. Tell IT."
