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


@dataclass(frozen=True)
class UpdatedByOrganisation:
    """This user cannot replace the app's files (a per-machine install): nothing is checked
    or downloaded, IT installs new versions."""

    version: str

    @property
    def summary(self) -> str:
        return (
            "This computer's copy of Impilo Desktop is updated by your organisation: IT installs"
            f" new versions. This is version {self.version}."
        )


CheckOutcome = UpdateReady | UpToDate | UpdateRefused | CheckFailed
