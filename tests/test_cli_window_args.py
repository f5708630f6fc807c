"""The command opens the window unless a sub-command is named: Qt's own options, with their
values as the next argument, are the window's (a shortcut made with `-style fusion`)."""

from __future__ import annotations

import pytest

from impilo_desktop.cli import wants_window


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-style", "fusion"],
        ["--style", "fusion"],
        ["-style=fusion"],
        ["--profile", "sandbox", "-platform", "offscreen"],
        ["-platform", "xcb", "--base-url", "https://staging.impiloplatform.com"],
        ["-reverse"],
        ["--self-test"],
    ],
)
def test_the_window_opens_with_qts_options_and_their_values(args: list[str]) -> None:
    assert wants_window(args)


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--once"],
        ["-style", "fusion", "sync", "--once"],
        ["--profile", "sandbox", "sandbox", "--port", "0"],
        ["--help"],
    ],
)
def test_a_sub_command_or_help_is_not_the_window(args: list[str]) -> None:
    assert not wants_window(args)
