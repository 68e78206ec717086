"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from drsim.errors import DrsimError
from drsim.jsontext import to_json  # noqa: F401  (the commands print JSON through it)
from drsim.scenario import Scenario, load_scenario

SCENARIO_HELP = ("a scenario YAML file, or the name of a bundled scenario "
                 "(e.g. seed-warm-standby; see drsim/data/scenarios)")


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set health_check.interval_s=10 or "
             "--set runbook.promote_database.duration_s='{dist: fixed, value: 60}'; "
             "validated like the file; may be repeated",
    )


def add_run_options(parser: argparse.ArgumentParser, *, trials: str, seed: str,
                    workers: str) -> None:
    """``--trials``, ``--seed`` and ``--workers`` with the one default of trials and seed
    (:mod:`drsim.defaults`); the words say what each means for this command."""
    from drsim import defaults

    parser.add_argument("--trials", type=int, default=defaults.TRIALS,
                        help=f"{trials} (default {defaults.TRIALS})")
    parser.add_argument("--seed", type=int, default=defaults.SEED,
                        help=f"{seed} (default {defaults.SEED})")
    parser.add_argument("--workers", type=int, default=1,
                        help=f"{workers} (default 1)")


def load(scenario: str, args: argparse.Namespace) -> Scenario:
    """The scenario at a path or of a bundled name, with the command's ``--set`` overrides."""
    return load_scenario(scenario, getattr(args, "overrides", ()))


def print_warnings(scenario: Scenario, name: str, *, deployment: bool) -> None:
    """The scenario's warnings on stderr, ``warning: <file>: <path>: <message>`` each:
    the scenario is valid, so the command goes on (stdout stays the result's). Those
    about the deployed stack only (``deployment``) are for ``validate`` and the AWS game
    day: a simulation is the same over HTTP or HTTPS."""
    import sys

    for line in scenario.warnings(deployment=deployment):
        print(f"warning: {name}: {line}", file=sys.stderr)


PARQUET_ENGINES = ("pyarrow", "fastparquet")
"""The libraries pandas can write Parquet with (``engine="auto"`` tries them in this order)."""


def require_parquet(option: str, path: str) -> None:
    """Raise DrsimError unless pandas can write Parquet here, before any work is done.

    pyarrow is a large wheel for a format few use, so it is the optional ``parquet``
    extra rather than a dependency; without it a run would simulate everything and
    then fail at the very end.
    """
    import importlib

    for engine in PARQUET_ENGINES:
        try:
            importlib.import_module(engine)
            return
        except ImportError:
            continue
    raise DrsimError(f"{option} {path}: writing Parquet needs pyarrow, which is not installed; "
                     "install it with pip install 'drsim[parquet]' (or pip install pyarrow), "
                     "or write .csv instead")


def write_atomically(path: str | os.PathLike, write) -> None:
    """Call ``write(tmp_path)`` then move the result to ``path``: never a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
