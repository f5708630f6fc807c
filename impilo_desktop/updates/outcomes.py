"""What an update check found, in the coordinator's words (`summary` is Settings' "Last
check" line). Light on purpose: the window imports it before its first paint, the check
itself (tuf, tufup) only on the bridge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpdateReady:
    version: str
    notes: str

    @property
    def summary(self) -> str:
        return f"Version {self.version} is ready — restart to update."


@dataclass(frozen=True)
class UpToDate:
    version: str

    @property
    def summary(self) -> str:
        return f"Up to date (version {self.version})."


@dataclass(frozen=True)
class UpdateRefused:
    """The repository or the archive failed verification: nothing was installed."""

    reason: str

    @property
    def summary(self) -> str:
        return f"Update refused, nothing changed: {self.reason}"


@dataclass(frozen=True)
class CheckFailed:
    reason: str

    @property
    def summary(self) -> str:
        return f"Could not check: {self.reason}"


def not_updated_here(version: str, *, move_to_applications: bool) -> str:
    """What Settings > Updates and `impilo-desktop update` say where this copy cannot be
    replaced."""
    if move_to_applications:
        # A macOS app run from its disk image, or from the read-only copy macOS makes of an
        # app opened where it was downloaded (App Translocation): moving it is the cure, not IT.
        return (
            "Impilo Desktop is running from its disk image or a temporary copy: move Impilo"
            f" Desktop to the Applications folder to get updates. This is version {version}."
        )
    # This user cannot replace the app's files (a per-machine install).
    return (
        "This computer's copy of Impilo Desktop is updated by your organisation: IT installs"
        f" new versions. This is version {version}."
    )


CheckOutcome = UpdateReady | UpToDate | UpdateRefused | CheckFailed
