"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from drsim.scenario import Scenario, load_scenario


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set health_check.interval_s=10 or "
             "--set runbook.promote_database.duration_s='{dist: fixed, value: 60}'; "
             "validated like the file; may be repeated",
    )


def load(path: str, args: argparse.Namespace) -> Scenario:
    """The scenario at ``path`` with the command's ``--set`` overrides applied."""
    return load_scenario(path, getattr(args, "overrides", ()))


def to_json(obj: Any) -> str:
    """JSON with infinities and NaN written as null (JSON has no Infinity)."""
    return json.dumps(_finite(obj), indent=2, sort_keys=False)


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


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
