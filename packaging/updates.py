"""The update repository for self-update (issue 17): keys, adding a built bundle, publishing.

    python packaging/updates.py init --workspace W --keys K
    python packaging/updates.py add --workspace W --keys K --bundle dist/impilo-desktop \
        [--version 1.2.0] [--notes "What's new in words"]
    python packaging/updates.py resign --workspace W --keys K     # weekly: before timestamp expires
    python packaging/updates.py publish --workspace W --out DIR    # the folder to upload

W holds the repository (W/repository/{metadata,targets}) and tufup's config; K holds the
private keys and must live outside W and outside this git repository (an encrypted USB stick,
a vault): whoever has them can sign an update every installed copy accepts. `init` also
writes W/repository/metadata/root.json, the trust anchor a bundle carries: build with
IMPILO_UPDATE_ROOT pointing at it, or commit it as packaging/update-root.json (public).
The app checks <URL>/metadata/ and downloads from <URL>/targets/, URL being where DIR is
served (any static web host). See packaging/README.md ("Self-update").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import shutil
import sys
from pathlib import Path

from tufup.repo import Repository

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "impilo-desktop"  # impilo_desktop/updates/check.py APP_NAME
# Days each signed role stays valid. The timestamp is re-signed by `resign` (weekly, or by
# CI on every publish); a client refuses an expired one ("Update refused").
EXPIRATION_DAYS = {"root": 365, "targets": 365, "snapshot": 30, "timestamp": 7}
# `resign` also renews root and targets once they expire within this many days: an expired
# root makes every installed copy refuse every update, and a weekly `resign` run then has
# weeks of warning (it prints each role's expiry) instead of a silent cliff a year after init.
RENEW_WITHIN_DAYS = 60
ROLES = ("root", "targets", "snapshot", "timestamp")


def version() -> str:
    """The one version (packaging/build.py reads it from impilo_desktop/__init__.py)."""
    sys.path.insert(0, str(ROOT / "packaging"))
    from build import version as built_version

    return built_version()


def repository(workspace: Path, keys: Path, expiration: dict[str, int] | None = None) -> Repository:
    return Repository(
        app_name=APP_NAME,
        repo_dir=workspace / "repository",
        keys_dir=keys,
        expiration_days=dict(expiration or EXPIRATION_DAYS),  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def _in(workspace: Path):  # type: ignore[no-untyped-def]
    """tufup keeps its config file in the working folder."""
    workspace.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(workspace):
        yield


def init(workspace: Path, keys: Path, expiration: dict[str, int] | None = None) -> Path:
    """New keys (kept in `keys`) and the first root metadata; returns root.json's path."""
    workspace, keys = workspace.resolve(), keys.resolve()
    if keys.is_relative_to(workspace) or keys.is_relative_to(ROOT):
        raise SystemExit("Keep the keys outside the workspace and outside the git repository.")
    with _in(workspace):
        repo = repository(workspace, keys, expiration)
        repo.save_config()
        repo.initialize()
        return repo.metadata_dir / "root.json"


def add(workspace: Path, keys: Path, bundle: Path, new_version: str, notes: str) -> Path:
    """Archive `bundle` as `new_version`, sign the new metadata; returns the archive."""
    workspace, keys, bundle = workspace.resolve(), keys.resolve(), bundle.resolve()
    with _in(workspace):
        repo = Repository.from_config()
        archive = repo.targets_dir / f"{APP_NAME}-{new_version}.tar.gz"
        if archive.exists():
            raise SystemExit(f"{archive.name} is already in the repository.")
        latest = repo.roles.get_latest_archive()
        repo.add_bundle(
            new_bundle_dir=bundle,
            new_version=new_version,
            skip_patch=True,  # bsdiff of a 100+ MB archive is slow; clients take the archive
            custom_metadata={"notes": notes},
        )
        if latest is not None and latest.version >= repo.roles.get_latest_archive().version:
            archive.unlink(missing_ok=True)
            raise SystemExit(f"{new_version} is not newer than {latest.version}.")
        repo.publish_changes(private_key_dirs=[keys])
        return archive


def resign(
    workspace: Path, keys: Path, expiration: dict[str, int] | None = None
) -> dict[str, datetime.datetime]:
    """New expiry dates for snapshot and timestamp, and for root and targets when they expire
    within RENEW_WITHIN_DAYS (a new root version, which installed copies verify with the root
    they have, expired or not). Returns each role's expiry after signing."""
    days = dict(expiration or EXPIRATION_DAYS)
    with _in(workspace.resolve()):
        repo = Repository.from_config()
        repo.expiration_days = days  # also what `add` uses from now on (saved in the config)
        soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=RENEW_WITHIN_DAYS)
        for role in ROLES:
            if role in ("snapshot", "timestamp") or _expires(repo, role) <= soon:
                repo.refresh_expiration_date(role_name=role, days=days[role])
        repo.publish_changes(private_key_dirs=[keys.resolve()])
        return {role: _expires(repo, role) for role in ROLES}


def _expires(repo: Repository, role: str) -> datetime.datetime:
    expires: datetime.datetime = getattr(repo.roles, role).signed.expires
    return expires if expires.tzinfo else expires.replace(tzinfo=datetime.UTC)


def publish(workspace: Path, out: Path) -> Path:
    """Copy the repository (metadata/ and targets/, nothing private) to `out`."""
    source = workspace.resolve() / "repository"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out)
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("tufup.repo").setLevel(logging.ERROR)  # "absolute path" notes
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("init", "add", "resign", "publish"):
        command = sub.add_parser(name)
        command.add_argument("--workspace", type=Path, required=True)
        if name == "publish":
            command.add_argument("--out", type=Path, required=True)
        else:
            command.add_argument("--keys", type=Path, required=True)
        if name == "add":
            command.add_argument("--bundle", type=Path, required=True)
            command.add_argument("--version", default=None, help="default: the source's")
            command.add_argument("--notes", default="", help="release notes, in plain words")
    args = parser.parse_args(argv)
    if args.command == "init":
        print(f"Trust anchor (ship it in the bundle): {init(args.workspace, args.keys)}")
    elif args.command == "add":
        archive = add(args.workspace, args.keys, args.bundle, args.version or version(), args.notes)
        print(f"Added and signed: {archive}")
    elif args.command == "resign":
        for role, expires in resign(args.workspace, args.keys).items():
            print(f"{role:<9} expires {expires:%Y-%m-%d %H:%M} UTC")
    else:
        print(f"Upload this folder: {publish(args.workspace, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
