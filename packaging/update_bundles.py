"""What the update repository is given for one platform, checked before anything is signed:
a release's bundle archive (`impilo-desktop-<version>-<platform>.tar.gz`, the build the
release workflow tested and signed), or a bundle's folder on the computer it was built for.

The program inside must be built for the platform the archive is added as (its first bytes:
ELF, PE or Mach-O, and the processor), so a Windows build can never be offered to Macs
under a wrong `--platform` or a renamed file. A release archive is copied into tufup's
archive member by member, never unpacked to disk: on Windows, where the repository may be
kept, unpacking would drop the Linux and macOS programs' executable bits and the .app's
symbolic links."""

from __future__ import annotations

import tarfile
from pathlib import Path

from build import GZIP_LEVEL  # packaging/, beside this file

APP = "impilo-desktop"
# The program whose first bytes say what the bundle is built for, inside the bundle.
PROGRAM = {"windows": f"{APP}.exe", "macos": f"Contents/MacOS/{APP}", "linux": APP}
HEADER_BYTES = 4096  # enough for a PE header's offset and signature


def built_for(header: bytes) -> str | None:
    """The platform (release names) a program's first bytes are for; "script" for a `#!`
    script (the tests' stand-in bundles; run anywhere with a shell); None if unknown."""
    if header[:4] == b"\x7fELF":
        machine = int.from_bytes(header[18:20], "little")
        return {0x3E: "linux-x86_64", 0xB7: "linux-arm64"}.get(machine)
    if header[:4] == b"\xcf\xfa\xed\xfe":  # 64-bit Mach-O, little-endian
        cpu = int.from_bytes(header[4:8], "little")
        return {0x01000007: "macos-x86_64", 0x0100000C: "macos-arm64"}.get(cpu)
    if header[:2] == b"MZ" and len(header) >= 0x40:
        pe = int.from_bytes(header[0x3C:0x40], "little")
        if header[pe : pe + 4] == b"PE\0\0":
            machine = int.from_bytes(header[pe + 4 : pe + 6], "little")
            return {0x8664: "windows-x86_64", 0xAA64: "windows-arm64"}.get(machine)
    if header[:2] == b"#!":
        return "script"
    return None


def check_program(header: bytes, platform: str, where: str) -> None:
    built = built_for(header)
    if built == platform or (built == "script" and platform.startswith("linux-")):
        return
    raise SystemExit(
        f"{where} is built for {built or 'an unknown platform'}, not {platform}."
        " Nothing was changed."
    )


class BundleFolder:
    """A bundle's folder (the onedir folder, or the .app), added on its own platform."""

    def __init__(self, folder: Path, platform: str, here: str) -> None:
        if platform != here:
            raise SystemExit(
                f"A bundle folder is added on its own platform ({here} here, not {platform}):"
                " give the release's bundle archive instead. Nothing was changed."
            )
        program = folder / PROGRAM[platform.split("-")[0]]
        if not program.is_file():
            raise SystemExit(f"{folder} has no {program.relative_to(folder)}: not a bundle.")
        with program.open("rb") as file:
            check_program(file.read(HEADER_BYTES), platform, str(program))
        self.folder = folder

    def write(self, target: Path) -> None:
        """tufup's archive at `target` (the name tufup gives it), the folder's content under
        ".", as tufup's `make_gztar_archive` writes it but at GZIP_LEVEL (it has no level to
        set)."""
        with tarfile.open(
            target, "w:gz", compresslevel=GZIP_LEVEL, format=tarfile.PAX_FORMAT
        ) as archive:
            archive.add(self.folder, arcname=".")


class ReleaseArchive:
    """A release's bundle archive: one folder (`impilo-desktop-<version>`, or the .app)."""

    def __init__(self, path: Path, platform: str, version: str) -> None:
        self.path = path
        with tarfile.open(path) as archive:
            members = archive.getmembers()
            tops = {member.name.split("/", 1)[0] for member in members}
            top = tops.pop() if len(tops) == 1 else ""
            system = platform.split("-")[0]
            expected = top.endswith(".app") if system == "macos" else top == f"{APP}-{version}"
            if not expected:
                raise SystemExit(
                    f"{path.name} does not hold one bundle folder of version {version}."
                    " Nothing was changed."
                )
            program = archive.getmember(f"{top}/{PROGRAM[system]}")
            data = archive.extractfile(program)
            if data is None:
                raise SystemExit(f"{path.name}: {program.name} is not a file. Nothing was changed.")
            check_program(data.read(HEADER_BYTES), platform, f"{path.name}: {program.name}")
        self.top = top

    def write(self, target: Path) -> None:
        """tufup's archive at `target` (the name tufup gives it), the bundle's content under
        ".", its members copied from the release's with their modes and links, each one
        checked as unpacking with tarfile's "data" filter would be (no absolute path, nothing
        outside the folder, no device)."""
        prefix = self.top + "/"
        try:
            with (
                tarfile.open(self.path) as source,
                tarfile.open(
                    target, "w:gz", compresslevel=GZIP_LEVEL, format=tarfile.PAX_FORMAT
                ) as out,
            ):
                for member in source.getmembers():
                    # Raises for what "data" would refuse; its mode without setuid bits and
                    # group or others' write (None for a link: kept as it is).
                    safe = tarfile.data_filter(member, "/bundle")
                    inside = "." if member.name == self.top else "./" + member.name[len(prefix) :]
                    mode = member.mode if safe.mode is None else safe.mode
                    copy = member.replace(
                        name=inside, mode=mode, uid=0, gid=0, uname="", gname="", deep=False
                    )
                    if member.islnk():  # a hard link names another member
                        copy = copy.replace(linkname="./" + member.linkname[len(prefix) :])
                    out.addfile(copy, source.extractfile(member) if member.isreg() else None)
        except tarfile.FilterError as error:
            target.unlink(missing_ok=True)
            raise SystemExit(f"{self.path.name}: {error}. Nothing was changed.") from None
