"""The one command line: `oss-chat [--data-dir DIR] [--model PATH] [COMMAND …]`.

Global options come before the command and apply to every command. Without a command the
window opens. Each command lives in its own module listed in `COMMANDS` and provides
`add_parser(subparsers)` and `run(args, paths) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from app import APP_NAME, __version__
from app.core.logs import setup_logging
from app.core.paths import AppPaths

log = logging.getLogger(__name__)

# Command name -> module; imported lazily so the window opens without loading them.
COMMANDS: dict[str, str] = {
    "ask": "app.cli.ask_cmd",
    "export": "app.cli.export_cmd",
    "render": "app.cli.render_cmd",
    "download": "app.cli.download_cmd",
}


class UsageError(Exception):
    """Bad input from the command line: shown as one line on stderr, exit status 2."""


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oss-chat",
        description=f"{APP_NAME}: chat with gpt-oss locally and offline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="keep data, settings, logs and cache under DIR")
    parser.add_argument("--model", type=Path, metavar="PATH", help="the GGUF model file to use")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation without a display (with --model: load it "
                             "and generate a few tokens), print a report, exit with 0 or 1")
    if COMMANDS:
        sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        for name in COMMANDS:
            _command_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--python-kernel"]:  # the packaged app running a Python tool process
        from app.core.tools.kernel import main as kernel_main

        return kernel_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    paths = AppPaths.resolve(args.data_dir)
    command = getattr(args, "command", None)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"oss-chat: cannot create the data folders: {exc}", file=sys.stderr)
        return 1
    setup_logging(paths.logs, verbose=args.verbose)
    log.info("%s %s starting (command: %s)", APP_NAME, __version__, command or "window")
    if args.self_test:
        from app.cli.selftest import run_self_test

        return run_self_test(args.model)
    if args.model is not None and not args.model.is_file():
        print(f"oss-chat: model file not found: {args.model}", file=sys.stderr)
        return 2
    try:
        if command is not None:
            return int(_command_module(command).run(args, paths))
        from app.ui.application import run_gui

        return run_gui(paths, model=args.model)
    except UsageError as exc:
        print(f"oss-chat: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
