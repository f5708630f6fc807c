"""The update repository for self-update (issue 17): keys, adding a built bundle, publishing.

    python packaging/updates.py init --workspace W --keys K --offline-keys O
    python packaging/updates.py add --workspace W --keys K --offline-keys O
        --bundle dist/impilo-desktop [--platform windows-x86_64] [--version 1.2.0]
        [--notes "What's new in words"]     # one line; once per platform of a version
    python packaging/updates.py resign --workspace W --keys K [--offline-keys O]   # weekly
    python packaging/updates.py publish --workspace W --out DIR    # the folder to upload

W holds the repository (W/repository/{metadata,targets}) and tufup's config. The keys live
outside W and outside this git repository, in two places (packaging/README.md, "Self-update",
has the whole ceremony):

- O, the offline folder (an encrypted USB stick kept locked away): the root and targets
  private keys, each encrypted with one passphrase, read from IMPILO_UPDATE_KEY_PASSPHRASE or
  asked for on the terminal (once per run). Whoever has them and the passphrase can sign an
  update every installed copy accepts, or a new root.
- K, the online folder: the timestamp and snapshot private keys (unencrypted: the release
  workflow signs with them unattended, keeping them as secrets), and every role's public key.
  Alone they can only re-sign what the offline keys signed (`resign` of timestamp and
  snapshot); they cannot add a version or change who is trusted.

Without --offline-keys, `init` keeps all four keys unencrypted in K (a throw-away repository:
the tests, packaging/prove_self_update.py). `init` also writes W/repository/metadata/
root.json, the trust anchor a bundle carries: commit it as packaging/update-root.json
(public), or build with IMPILO_UPDATE_ROOT pointing at it. The app checks <URL>/metadata/
and downloads from <URL>/targets/, URL being where DIR is served (any static web host).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import getpass
import logging
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from securesystemslib.exceptions import CryptoError
from securesystemslib.interface import (
    generate_and_write_ed25519_keypair,
    generate_and_write_unencrypted_ed25519_keypair,
    import_ed25519_privatekey_from_file,
)
from securesystemslib.signer import SSlibSigner
from tufup.common import KEY_REQUIRED, TargetMeta
from tufup.repo import Repository, Roles, get_binary_diff_class

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "impilo-desktop"  # the repository's own name; archives are named per platform


def _packaging_on_path() -> None:
    # The modules beside this script (tests load it by its path, without packaging/ on it).
    if str(ROOT / "packaging") not in sys.path:
        sys.path.insert(0, str(ROOT / "packaging"))


def _release_platforms() -> tuple[str, ...]:
    """The platforms a release builds: the locks' (packaging/lock.py), which are the release
    workflow's matrix and the names the app gives itself (updates/platform_name.py)."""
    _packaging_on_path()
    from lock import TARGETS

    return tuple(TARGETS)


PLATFORMS = _release_platforms()
# A release's bundle archive (packaging/build.py `bundle_archive`, one per platform).
RELEASE_BUNDLE = re.compile(
    rf"^{APP_NAME}-(?P<version>[^-]+)-(?P<platform>{'|'.join(map(re.escape, PLATFORMS))})\.tar\.gz$"
)
# Days each signed role stays valid. The timestamp is re-signed by `resign` (weekly, or by
# CI on every publish); a client refuses an expired one ("Update refused").
EXPIRATION_DAYS = {"root": 365, "targets": 365, "snapshot": 30, "timestamp": 7}
# `resign` also renews root and targets once they expire within this many days: an expired
# root makes every installed copy refuse every update, and a weekly `resign` run then has
# weeks of warning (it prints each role's expiry) instead of a silent cliff a year after init.
RENEW_WITHIN_DAYS = 60
ROLES = ("root", "targets", "snapshot", "timestamp")
OFFLINE_ROLES = ("root", "targets")  # who is trusted, and what is released: kept offline
PASSPHRASE_ENV = "IMPILO_UPDATE_KEY_PASSPHRASE"

Passphrase = Callable[[], str]


def version() -> str:
    """The one version (packaging/build.py reads it from impilo_desktop/__init__.py)."""
    _packaging_on_path()
    from build import version as built_version

    return built_version()


def ask_passphrase(*, confirm: bool = False) -> Passphrase:
    """The offline keys' passphrase, from IMPILO_UPDATE_KEY_PASSPHRASE or typed on the
    terminal (twice when it is new), read once when a key first needs it."""
    known: list[str] = []

    def passphrase() -> str:
        if not known:
            value = os.environ.get(PASSPHRASE_ENV)
            if value is None:
                value = getpass.getpass("Passphrase of the offline keys: ")
                if confirm and getpass.getpass("The same passphrase again: ") != value:
                    raise SystemExit("The two passphrases differ. Nothing was changed.")
            if not value:
                raise SystemExit(f"The offline keys need a passphrase ({PASSPHRASE_ENV}).")
            known.append(value)
        return known[0]

    return passphrase


class _Roles(Roles):  # type: ignore[misc]  # tufup ships no type hints
    """tufup's roles, signing with keys that may be encrypted with one passphrase (tufup
    itself would ask on the terminal for every signature, and never read it elsewhere).
    `open_keys` decrypts them all before anything changes: a wrong passphrase found while
    signing would leave an archive or a half-published role behind."""

    def __init__(self, dir_path: Path, passphrase: Passphrase) -> None:
        super().__init__(dir_path=dir_path)
        self._passphrase = passphrase
        self._opened: dict[str, Any] = {}

    def open_keys(self, folders: list[Path], roles: tuple[str, ...] = ROLES) -> None:
        """The private keys of `roles` found in `folders`, decrypted now."""
        for folder in folders:
            for role in roles:
                if (folder / role).is_file():
                    self._key(folder / role)

    def _key(self, path: Path) -> Any:
        name = str(path)
        if name not in self._opened:
            try:
                key = import_ed25519_privatekey_from_file(filepath=name)
            except CryptoError:  # encrypted
                try:
                    key = import_ed25519_privatekey_from_file(
                        filepath=name, password=self._passphrase()
                    )
                except CryptoError:
                    raise SystemExit(
                        f"The passphrase does not open the key {name}. Nothing was changed."
                    ) from None
            self._opened[name] = key
        return self._opened[name]

    def sign_role(self, role_name: str, private_key_path: Path | str) -> None:
        key = self._key(Path(private_key_path))
        getattr(self, role_name).sign(SSlibSigner(key), append=True)


def _open(
    repo: Repository, passphrase: Passphrase, folders: list[Path] | None = None
) -> Repository:
    """Load the repository's public keys and metadata, signing through `_Roles`; the
    private keys in `folders` are opened (decrypted) now, before any change."""
    repo._load_keys_and_roles(create_keys=False)
    roles = _Roles(repo.metadata_dir, passphrase)
    roles.initialize(keys=repo.keys, expiration_days=repo.expiration_days)
    roles.open_keys(folders or [])
    repo.roles = roles
    return repo


def _from_config(keys: Path) -> Repository:
    """The repository of the config in the working folder, its public keys read from `keys`:
    the config holds the absolute folder of the computer that ran `init`, and tufup would
    ask on the terminal to create it where the keys were moved (CI)."""
    settings = Repository.load_config()
    if not settings:
        raise SystemExit("No update repository here (its config is missing): run init first.")
    settings["keys_dir"] = keys.resolve()
    settings["binary_diff"] = get_binary_diff_class(
        fully_qualified_name=settings.get("binary_diff")
    )
    return Repository(**settings)


def repository(
    workspace: Path,
    keys: Path,
    expiration: dict[str, int] | None = None,
    encrypted: list[str] | None = None,
) -> Repository:
    return Repository(
        app_name=APP_NAME,
        repo_dir=workspace / "repository",
        keys_dir=keys,
        expiration_days=dict(expiration or EXPIRATION_DAYS),  # type: ignore[arg-type]
        encrypted_keys=list(encrypted or []),
    )


@contextlib.contextmanager
def _in(workspace: Path):  # type: ignore[no-untyped-def]
    """tufup keeps its config file in the working folder."""
    workspace.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(workspace):
        yield


def _outside(workspace: Path, *folders: Path | None) -> None:
    for folder in folders:
        if folder is not None and (folder.is_relative_to(workspace) or folder.is_relative_to(ROOT)):
            raise SystemExit("Keep the keys outside the workspace and outside the git repository.")


def init(
    workspace: Path,
    keys: Path,
    expiration: dict[str, int] | None = None,
    offline_keys: Path | None = None,
    passphrase: Passphrase | None = None,
) -> Path:
    """New keys and the first root metadata; returns root.json's path. With `offline_keys`,
    the root and targets keys are made there, encrypted with the passphrase (their public
    halves are copied to `keys`, where tufup reads every public key)."""
    workspace, keys = workspace.resolve(), keys.resolve()
    offline = offline_keys.resolve() if offline_keys is not None else None
    _outside(workspace, keys, offline)
    if offline is not None and (offline == keys or offline.is_relative_to(keys)):
        raise SystemExit("The offline keys need a folder of their own (not the online one).")
    with _in(workspace):
        if offline is None:
            repo = repository(workspace, keys, expiration)
            repo.save_config()
            repo.initialize()
            return repo.metadata_dir / "root.json"
        ask = passphrase or ask_passphrase(confirm=True)
        _make_keys(keys, offline, ask)
        repo = repository(workspace, keys, expiration, encrypted=list(OFFLINE_ROLES))
        repo.save_config()
        for folder in (repo.metadata_dir, repo.targets_dir):
            folder.mkdir(parents=True, exist_ok=True)
        _open(repo, ask).publish_changes(private_key_dirs=[keys, offline])
        return repo.metadata_dir / "root.json"


def _make_keys(keys: Path, offline: Path, passphrase: Passphrase) -> None:
    for folder in (keys, offline):
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.iterdir()):
            raise SystemExit(f"{folder} is not empty: keys are made once, in empty folders.")
    for role in ROLES:
        if role in OFFLINE_ROLES:
            private = offline / role
            generate_and_write_ed25519_keypair(password=passphrase(), filepath=str(private))
            shutil.copyfile(private.with_suffix(".pub"), keys / f"{role}.pub")
        else:
            generate_and_write_unencrypted_ed25519_keypair(filepath=str(keys / role))


def _key_folders(keys: Path, offline_keys: Path | None) -> list[Path]:
    return [keys.resolve(), *([offline_keys.resolve()] if offline_keys is not None else [])]


def _has_key(folders: list[Path], role: str) -> bool:
    return any((folder / role).is_file() for folder in folders)


def add(
    workspace: Path,
    keys: Path,
    bundle: Path,
    new_version: str | None,
    notes: str,
    offline_keys: Path | None = None,
    passphrase: Passphrase | None = None,
    platform: str | None = None,
) -> Path:
    """Archive `bundle` as `new_version` of `platform`, sign the new metadata; returns the
    archive. Needs the targets key (offline). `bundle` is a release's bundle archive
    `impilo-desktop-<version>-<platform>.tar.gz` (the build the release workflow tested and
    signed), whose name gives the version and platform (given as well, they must agree), or
    a bundle's folder on its own platform (the version: the source's). Either way the
    program inside must be built for that platform (packaging/update_bundles.py).

    Each platform's archives have their own name and only copies of that platform are
    offered them (impilo_desktop/updates/platform_name.py), so one repository serves every
    platform and a version is added once per platform. tufup's own `add_bundle` compares a
    new archive with the newest of any name and silently skips it when not newer, which
    would drop the second platform of every version: the archive is made and registered
    here, compared with its own platform's newest only."""
    bundles = _bundles()
    bundle, here = bundle.resolve(), _platform_names().platform_name()
    source: Any
    if bundle.is_dir():
        platform = platform or here
        new_version = new_version or version()
        source = bundles.BundleFolder(bundle, platform, here)
    else:
        named = RELEASE_BUNDLE.match(bundle.name)
        if named is None or not bundle.is_file():
            raise SystemExit(
                f"{bundle}: give a release's bundle archive"
                " (impilo-desktop-<version>-<platform>.tar.gz) or a bundle's folder."
                " Nothing was changed."
            )
        for given, said, what in (
            (new_version, named["version"], "version"),
            (platform, named["platform"], "platform"),
        ):
            if given and given != said:
                raise SystemExit(
                    f"{bundle.name} is the {what} {said}, not {given}. Nothing was changed."
                )
        platform, new_version = named["platform"], named["version"]
        source = bundles.ReleaseArchive(bundle, platform, new_version)
    return _add(
        workspace.resolve(), keys, source, new_version, notes, offline_keys, passphrase, platform
    )


def _add(
    workspace: Path,
    keys: Path,
    source: Any,  # update_bundles.BundleFolder or ReleaseArchive, checked
    new_version: str,
    notes: str,
    offline_keys: Path | None,
    passphrase: Passphrase | None,
    platform: str,
) -> Path:
    if platform not in PLATFORMS:
        raise SystemExit(f"Unknown platform {platform!r}: one of {', '.join(PLATFORMS)}.")
    name = _platform_names().archive_name(platform)
    folders = _key_folders(keys, offline_keys)
    if not _has_key(folders, "targets"):
        raise SystemExit(
            "Adding a version needs the targets key: give the offline keys' folder"
            " (--offline-keys). Nothing was changed."
        )
    with _in(workspace):
        repo = _open(_from_config(keys), passphrase or ask_passphrase(), folders)
        archive = repo.targets_dir / TargetMeta.compose_filename(name, new_version, True)
        if archive.exists():
            raise SystemExit(f"{archive.name} is already in the repository.")
        latest = _latest_archive(repo, name)
        source.write(archive)
        made = TargetMeta(archive)
        if latest is not None and latest.version >= made.version:
            archive.unlink(missing_ok=True)
            raise SystemExit(f"{new_version} is not newer than {latest.version} ({platform}).")
        repo.roles.add_or_update_target(
            local_path=archive,
            custom={"user": {"notes": notes}, "tufup": {KEY_REQUIRED: False}},
        )
        repo.publish_changes(private_key_dirs=folders)
        return archive


def _latest_archive(repo: Repository, name: str) -> TargetMeta | None:
    """The newest archive of this name (one platform's) the targets metadata lists."""
    listed = repo.roles.targets.signed.targets if repo.roles.targets else {}
    ours = [meta for meta in map(TargetMeta, listed) if meta.is_archive and meta.name == name]
    return max(ours, default=None, key=lambda meta: meta.version)


def _bundles() -> Any:
    """packaging/update_bundles.py."""
    _packaging_on_path()
    import update_bundles

    return update_bundles


def _platform_names() -> Any:
    """The app's platform names (packaging/build.py loads them by path)."""
    _packaging_on_path()
    from build import platform_names

    return platform_names()


def resign(
    workspace: Path,
    keys: Path,
    expiration: dict[str, int] | None = None,
    offline_keys: Path | None = None,
    passphrase: Passphrase | None = None,
) -> dict[str, datetime.datetime]:
    """New expiry dates for snapshot and timestamp, and for root and targets when they expire
    within RENEW_WITHIN_DAYS (a new root version, which installed copies verify with the root
    they have, expired or not) and their keys are at hand (the offline ones: without them,
    a warning says when they expire). Returns each role's expiry after signing."""
    days = dict(expiration or EXPIRATION_DAYS)
    folders = _key_folders(keys, offline_keys)
    with _in(workspace.resolve()):
        repo = _open(_from_config(keys), passphrase or ask_passphrase())
        repo.expiration_days = days  # also what `add` uses from now on (saved in the config)
        soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=RENEW_WITHIN_DAYS)
        due = [r for r in ROLES if r not in OFFLINE_ROLES or _expires(repo, r) <= soon]
        # A new root makes tufup sign targets again too. Opened before anything changes.
        repo.roles.open_keys(folders, (*due, *(("targets",) if "root" in due else ())))
        for role in ROLES:
            renew = role in due
            if renew and _has_key(folders, role):
                repo.refresh_expiration_date(role_name=role, days=days[role])
            elif renew:
                print(
                    f"Warning: {role} expires {_expires(repo, role):%Y-%m-%d} and its key is"
                    " offline: run resign with --offline-keys before then, or every installed"
                    " copy refuses every update.",
                    file=sys.stderr,
                )
        repo.publish_changes(private_key_dirs=folders)
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
            continue
        command.add_argument("--keys", type=Path, required=True, help="the online keys' folder")
        command.add_argument(
            "--offline-keys",
            type=Path,
            default=None,
            help=f"the root and targets keys' folder (passphrase: {PASSPHRASE_ENV} or asked)",
        )
        if name == "add":
            command.add_argument(
                "--bundle",
                type=Path,
                required=True,
                help="a release's impilo-desktop-<version>-<platform>.tar.gz, or a bundle folder",
            )
            command.add_argument(
                "--version", default=None, help="default: the archive's name, or the source's"
            )
            command.add_argument("--notes", default="", help="release notes, in plain words")
            command.add_argument(
                "--platform",
                choices=PLATFORMS,
                default=None,
                help="default: the archive's name, or this computer's",
            )
    args: Any = parser.parse_args(argv)
    if args.command == "init":
        root = init(args.workspace, args.keys, offline_keys=args.offline_keys)
        print(f"Trust anchor (ship it in the bundle): {root}")
    elif args.command == "add":
        archive = add(
            args.workspace,
            args.keys,
            args.bundle,
            args.version,
            args.notes,
            offline_keys=args.offline_keys,
            platform=args.platform,
        )
        print(f"Added and signed: {archive}")
    elif args.command == "resign":
        expiries = resign(args.workspace, args.keys, offline_keys=args.offline_keys)
        for role, expires in expiries.items():
            print(f"{role:<9} expires {expires:%Y-%m-%d %H:%M} UTC")
    else:
        print(f"Upload this folder: {publish(args.workspace, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
