"""The line of tufup's batch script that starts the new version on Windows, read back the way
cmd.exe reads a batch file (`%` expansion, then `& | < > ^` outside quotes) and the program
then splits its command line (the C runtime's rules): the new version gets exactly the
arguments the app was started with. No Windows here: the two readers are modelled below,
from their documented rules, independently of how the line is written."""

from __future__ import annotations

import sys
from pathlib import Path

from tufup.utils.platform_specific import WIN_BATCH_TEMPLATE

from impilo_desktop.updates.install import PreparedUpdate
from impilo_desktop.updates.windows_restart import windows_install_arguments


def as_cmd_reads_a_batch_line(line: str) -> str:
    """Phase 1: `%%` is one `%`, any other `%` would expand a variable. Phase 2: outside
    double quotes `^` escapes the next character and `& | < >` end the command."""
    text, i = "", 0
    while i < len(line):
        if line[i] == "%":
            assert line[i + 1 : i + 2] == "%", f"cmd would expand a variable at {line[i:]!r}"
            text, i = text + "%", i + 2
        else:
            text, i = text + line[i], i + 1
    command, quoted, i = "", False, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "^":
            i += 1
            c = text[i]
        elif not quoted and c in "&|<>":
            raise AssertionError(f"cmd would split the command at {text[i:]!r}")
        command, i = command + c, i + 1
    return command


def as_the_program_splits_it(line: str) -> list[str]:
    """The C runtime's rules (CommandLineToArgvW): whitespace separates outside quotes; 2n
    backslashes before a quote are n and the quote toggles quoting; 2n+1 are n and a
    literal quote; `""` inside quotes is one quote; other backslashes are literal."""
    arguments: list[str] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return arguments
        argument, quoted = "", False
        while i < n and (quoted or line[i] not in " \t"):
            if line[i] == "\\":
                run = len(line[i:]) - len(line[i:].lstrip("\\"))
                if line[i + run : i + run + 1] == '"':
                    argument += "\\" * (run // 2) + ('"' if run % 2 else "")
                    i += run + (run % 2)
                else:
                    argument, i = argument + "\\" * run, i + run
            elif line[i] == '"':
                if quoted and line[i + 1 : i + 2] == '"':
                    argument, i = argument + '"', i + 2
                else:
                    quoted, i = not quoted, i + 1
            else:
                argument, i = argument + line[i], i + 1
        arguments.append(argument)


def started_program(arguments: list[str]) -> list[str]:
    """The script tufup writes, its `start` line read back: program and arguments."""
    bundle = Path(sys.executable).resolve().parent  # where `program()` finds the running one
    prepared = PreparedUpdate("1.1.0", bundle, bundle.with_name(bundle.name + ".update"))
    template = windows_install_arguments(prepared, "impilo-desktop", arguments)["batch_template"]
    fields = ("log_lines", "src_dir", "dst_dir", "robocopy_options", "delete_self")
    script = template.format(**{name: "" for name in fields})
    (line,) = [line for line in script.splitlines() if line.startswith("start ")]
    assert script.replace(line + "\n", "") == WIN_BATCH_TEMPLATE.format(
        **{name: "" for name in fields}
    )  # only the start line was added
    command = as_cmd_reads_a_batch_line(line)
    assert command.startswith('start "" ')  # the empty title `start` takes first
    return as_the_program_splits_it(command.removeprefix('start "" '))


AWKWARD = [
    "--profile",
    "100% staging",
    "%PATH%",
    "R&D | ward <3> ^ east",
    "C:\\Clinic Settings\\",
    "-stylesheet=C:/Clinic Settings/large text.qss",
    "{brace}",
    "",
]


def test_the_new_version_gets_every_argument_cmd_could_mangle() -> None:
    program, *arguments = started_program(AWKWARD)
    assert program.endswith("impilo-desktop.exe" if sys.platform == "win32" else "impilo-desktop")
    assert arguments == AWKWARD


def test_an_argument_cmd_cannot_carry_is_left_out() -> None:
    _, *arguments = started_program(["--profile", 'say "hi"', "staging", "two\nlines"])
    assert arguments == ["--profile", "staging"]
