"""The `impilo-desktop` command: the app by default, plus sub-commands for the sandbox server,
drafts, the outbox and sync. Each sub-command lives beside the code it drives; this module only
dispatches. The window's path imports no sub-command's module (the sandbox server's aiohttp,
the sync command line) and the sub-commands no Qt: each is imported only when asked for."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence

from impilo_desktop import __version__


def _account_options(default: object) -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--profile",
        default=default,
        help="account profile: production, staging, sandbox or a custom name",
    )
    options.add_argument(
        "--base-url",
        default=default,
        help="API host root, e.g. https://staging.impiloplatform.com",
    )
    return options


def _window_parser(*, add_help: bool = True) -> argparse.ArgumentParser:
    """The options of the window itself (no sub-commands)."""
    parser = argparse.ArgumentParser(
        prog="impilo-desktop",
        description="Order entry and order history for the Impilo platform.",
        parents=[_account_options(None)],
        add_help=add_help,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="offscreen: build the window against the built-in sandbox, place one order, exit",
    )
    return parser


# Qt's own options that take their value as the next argument (QGuiApplication and
# QApplication; X11's and Windows' included). Their value is not a sub-command's name:
# `impilo-desktop -style fusion` opens the window.
QT_OPTIONS_WITH_VALUE = frozenset(
    {
        "-platform",
        "-platformpluginpath",
        "-platformtheme",
        "-plugin",
        "-qmljsdebugger",
        "-qwindowgeometry",
        "-geometry",
        "-qwindowicon",
        "-icon",
        "-qwindowtitle",
        "-title",
        "-display",
        "-name",
        "-style",
        "-stylesheet",
        "-session",
    }
)


def _without_qt_values(args_list: Sequence[str]) -> list[str]:
    """The arguments with Qt's two-word options (`-style fusion`, also `--style fusion`) left
    out, so that their values are not taken for a sub-command."""
    kept: list[str] = []
    skip = False
    for arg in args_list:
        if skip:
            skip = False
        elif arg in QT_OPTIONS_WITH_VALUE or arg[1:] in QT_OPTIONS_WITH_VALUE:
            skip = True
        else:
            kept.append(arg)
    return kept


def wants_window(args_list: Sequence[str]) -> bool:
    """Whether these arguments open the window: no sub-command named, no help asked. Decided
    without the sub-commands' parsers, so the window's start does not import them."""
    peek = _window_parser(add_help=False)
    peek.add_argument("command", nargs="?")
    args, rest = peek.parse_known_args(_without_qt_values(args_list))
    return args.command is None and not {"-h", "--help", "--version"} & set(rest)


def build_parser() -> argparse.ArgumentParser:
    parser = _window_parser()
    # A sub-command's defaults would overwrite the account given before it
    # (`impilo-desktop --base-url URL sync --once` went to production): its copies of the
    # options set nothing unless given after the sub-command's name.
    common = _account_options(argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from impilo_desktop.sandbox.cli import add_sandbox_parser
    from impilo_desktop.sync.cli import add_sync_parsers

    add_sandbox_parser(sub, common)
    add_sync_parsers(sub, common)
    from impilo_desktop.updates.cli import add_update_parser

    add_update_parser(sub)
    return parser


def _import_window_core() -> None:
    """Import the Qt-free modules the window needs before its first paint (the keyring and
    the store with the draft's models, the outbox's reports and probe, the bridge's asyncio)
    ahead of PySide6: from its import on, PySide6 reads the source of every module imported
    after it (looking for `from __feature__ import`), ~0.1 ms each, ~300 modules here; a
    module imported before it is never read. Nothing here is imported that the window would
    not import before its first paint anyway. (The built-in sandbox's server is not: the
    window builds it after its first paint, on a thread of its own.)"""
    import asyncio  # noqa: F401

    import impilo_desktop.secrets
    import impilo_desktop.sync.drain_report
    import impilo_desktop.sync.probe  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _window_parser() if wants_window(args_list) else build_parser()
    args, qt_args = parser.parse_known_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is not None:
        if qt_args:
            parser.error(f"unrecognized arguments: {' '.join(qt_args)}")
        return int(handler(args))
    # No sub-command: the desktop app (Qt is imported only here).
    return _window_entry(args)(args_list)


def _window_entry(args: argparse.Namespace) -> Callable[[list[str]], int]:
    """Load the window's modules and return its entry (`run_app`, or the self-test's).

    Without the cyclic garbage collector while they load: ~600 modules allocate enough to
    run it ~150 times (a full pass among them; 60-250 ms here under load), and it finds
    almost nothing (their modules, classes and functions live as long as the app). What
    they made is then frozen (`gc.freeze`: left out of every later collection, so the UI
    thread's collections while the app runs do not walk them either), and collection
    resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        _import_window_core()
        from impilo_desktop.frozen_qt import register_qt_conf

        register_qt_conf()  # a bundle's Qt prefix, before Qt reads it
        if args.self_test:
            from impilo_desktop.ui.selftest import run_self_test

            return run_self_test
        from impilo_desktop.ui.app import run_app

        return run_app
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
