"""The Windows restart: tufup's batch script moves the unpacked files over the bundle after
the app exits, and a line added to it starts the new program with the arguments the app was
started with. That line is read by cmd.exe, which expands `%…%` and splits the command at
`& | < >` outside double quotes, and then by the program (the C runtime's rules, where a
backslash before a quote escapes it): each argument is quoted, `%` doubled, and a trailing
run of backslashes doubled. A double quote or a line break cannot be carried through both
(cmd has no escape for a quote inside quotes): such an argument is left out and logged.
(Not exercised by the Linux proof: no Windows here.)"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from impilo_desktop.updates.install import PreparedUpdate, restart_command

log = logging.getLogger(__name__)

# Files in the app folder that are not the bundle's and must survive the purge: Inno
# Setup's uninstaller (unins000.exe/.dat), without which Windows cannot remove the app.
KEEP_ON_WINDOWS = ("unins*",)


def windows_install_arguments(
    prepared: PreparedUpdate, name: str, args: list[str]
) -> dict[str, Any]:
    """tufup's `install_update` arguments: move the unpacked files over the bundle, delete
    what the new version no longer has except KEEP_ON_WINDOWS, then start `name`."""
    import tufup  # noqa: F401  (the package first: see install.py's `_restart_windows`)
    from tufup.utils.platform_specific import WIN_BATCH_TEMPLATE

    program = batch_command_line(restart_command(prepared, name, args))
    program = program.replace("{", "{{").replace("}", "}}")  # the script is a format string
    return {
        "src_dir": prepared.unpacked,
        "dst_dir": prepared.bundle,
        "purge_dst_dir": True,
        "exclude_from_purge": list(KEEP_ON_WINDOWS),  # robocopy /xf takes wildcards
        "batch_template": WIN_BATCH_TEMPLATE.replace(
            "echo Done.", f'echo Done.\nstart "" {program}'
        ),
    }


def batch_command_line(command: Sequence[str]) -> str:
    """`command` as one line of a batch file that gives the program exactly these
    arguments (but those cmd cannot carry, left out)."""
    carried = []
    for argument in command:
        if any(c in argument for c in '"\r\n\x00'):
            log.warning("An argument with a quote or a line break is not carried: %r", argument)
            continue
        carried.append(_quoted(argument))
    return " ".join(carried)


def _quoted(argument: str) -> str:
    # Backslashes before the closing quote would escape it for the program: doubled.
    trailing = len(argument) - len(argument.rstrip("\\"))
    inside = argument + "\\" * trailing
    return '"' + inside.replace("%", "%%") + '"'
