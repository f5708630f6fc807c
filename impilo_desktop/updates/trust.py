"""The update repository's root a copy trusts (`<home>/updates/metadata/root.json`) and the one
its bundle carries: which one the check starts from. Also what `packaging/release.py verify`
asks of a release's bundled root (`self_signed`).

A bundled root of a higher version replaces the local one only when it is signed by its own
keys at its own threshold: a hand-edited file, one caught mid-rotation (signed by the old key
alone) or a truncated one would otherwise become the trust anchor, and no reinstall of a
good bundle could undo it (its version is lower). One that is also signed by the local root's
keys (the next version, TUF's chain rule) is the ordinary rotation; one that is not is taken
as the installer's word after a root key was lost (docs/decisions.md, "A bundled root is
taken when it signs itself").
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def root_version(path: Path) -> int | None:
    """The `signed.version` of a root.json; None if it cannot be read."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        version = data["signed"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version if isinstance(version, int) else None


def self_signed(path: Path) -> str:
    """Why the root.json at `path` cannot be a trust anchor ("" when it can): it must be a
    root, signed by its own keys at its own threshold."""
    from tuf.api import exceptions
    from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]  # re-exported

    try:
        root = Metadata[Root].from_file(str(path))
        if not isinstance(root.signed, Root):
            return "it is not a root"
        root.signed.verify_delegate(Root.type, root.signed_bytes, root.signatures)
    except (OSError, ValueError, TypeError, KeyError, exceptions.RepositoryError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def _signed_by(signer: Path, signed: Path) -> bool:
    """Whether the root at `signed` carries the threshold of signatures of the root at `signer`
    (TUF's rule for root version N+1)."""
    from tuf.api import exceptions
    from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]  # re-exported

    try:
        old, new = Metadata[Root].from_file(str(signer)), Metadata[Root].from_file(str(signed))
        old.signed.verify_delegate(Root.type, new.signed_bytes, new.signatures)
    except (OSError, ValueError, TypeError, KeyError, exceptions.RepositoryError):
        return False
    return True


def has_trusted_root(metadata: Path, bundled: Path | None) -> bool:
    """Seed `metadata` with the bundle's root on the first check; afterwards tuf keeps it
    current (a rotated root is verified by the one before). A bundled root of a higher
    version that signs itself replaces the local one (the installer brought it; after a root
    key rotation the old root may not reach it through the repository); any other bundled
    root is logged and the local one kept. One of a lower or equal version changes nothing:
    an older bundle installed again must not roll the trust back."""
    local = metadata / "root.json"
    version = root_version(bundled) if bundled is not None else None
    if bundled is None or version is None:
        return local.is_file()
    here = root_version(local) if local.is_file() else None
    if here is not None and version <= here:
        return True
    refused = self_signed(bundled)
    if refused:
        log.warning(
            "The update root this copy carries (version %d) is not signed by its own keys and"
            " was not taken (%s); the local one (version %s) stays",
            version,
            refused,
            here,
        )
        return local.is_file()
    if here is not None:
        chained = version == here + 1 and _signed_by(local, bundled)
        log.info(
            "The bundled update root (version %d) replaced version %d (%s)",
            version,
            here,
            "signed by it" if chained else "not signed by it: the installer's word",
        )
    _replace(bundled, local)
    return True


def _replace(source: Path, target: Path) -> None:
    """`target` gets `source`'s bytes at once: a crash leaves the old file or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".root-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(source.read_bytes())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
