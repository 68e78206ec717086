"""The ``drsim`` command line: a thin layer over the library.

Each command lives in its own module with a ``register(subparsers)`` function
that adds its parser and sets ``func``; ``func(args)`` returns the exit status.
Bad input raises :class:`~drsim.errors.DrsimError`, printed here as one
message with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from drsim.errors import DrsimError

# Modules under drsim.cli that each register one command (in --help order).
COMMANDS = ("new", "validate", "simulate", "explain", "compare", "sweep", "cost", "prices",
            "gameday", "postmortem", "calibrate", "report")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2, as for bad input
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="drsim", description=__doc__.splitlines()[0].rstrip("."))
    from drsim import __version__

    parser.add_argument("--version", action="version", version=f"drsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"drsim.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    command = "drsim"
    try:
        # Building the parser imports every command (numpy, pandas...: seconds on a busy
        # machine); a Ctrl-C then is answered like one during the command itself.
        parser = build_parser()
        args = parser.parse_args(argv)
        command = f"drsim {args.command}"
        return int(args.func(args) or 0)
    except DrsimError as err:
        print(f"{command}: {err}" if "\n" not in str(err) else str(err), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`drsim ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
