"""Find a scenario: a path to a file, or the name of a scenario bundled with drsim.

This is the one place that turns what a user typed (``seed-warm-standby``,
``seed-warm-standby.yaml``, ``my/lab.yaml``) into a file, for every CLI command,
:func:`drsim.load_scenario`, :func:`drsim.simulate`, ``extends:``, the notebooks
and the CDK app. A path that exists always wins; otherwise a bare name (no
folder part, with or without ``.yaml``) is looked up among the bundled
scenarios, which live inside the installed package (``drsim/data/scenarios``)
and are read through :mod:`importlib.resources`, so a wheel install finds them
from any working directory.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from drsim.bundled import bundled_path
from drsim.errors import ScenarioError

SUFFIX = ".yaml"


def bundled_dir() -> Path:
    """The folder of the bundled scenario files inside the installed package."""
    return bundled_path("data", "scenarios")


def bundled_names() -> list[str]:
    """The names of the bundled scenarios (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in bundled_dir().glob(f"*{SUFFIX}"))


def bundled_file(name: str | os.PathLike) -> Path | None:
    """The bundled scenario file called ``name`` (with or without ``.yaml``), or None.

    Only a bare name can be bundled: ``data/x.yaml`` names a path, never a bundled file.
    """
    p = Path(name)
    if p.parent != Path(".") or p.name in ("", ".", ".."):
        return None
    candidate = bundled_dir() / f"{p.name.removesuffix(SUFFIX)}{SUFFIX}"
    return candidate if candidate.is_file() else None


def scenario_file(name_or_path: str | os.PathLike) -> Path:
    """An existing scenario file: ``name_or_path`` itself, or the bundled scenario of that name.

    Raises
    ------
    ScenarioError
        for a folder, or for something that is neither a file nor a bundled name
        (the message lists the bundled names).
    """
    source = str(name_or_path)
    p = Path(name_or_path)
    if p.is_file():
        return p
    if p.is_dir():
        raise ScenarioError(source, [f"{source}: is a directory, not a scenario file"])
    found = bundled_file(p)
    if found is not None:
        return found
    raise ScenarioError(source, [f"{source}: no such file, and {no_bundled(p)}"])


def no_bundled(name: str | os.PathLike) -> str:
    """``no bundled scenario of that name (bundled: ...)``, and the closest name if one is close."""
    names = bundled_names()
    close = difflib.get_close_matches(Path(name).name.removesuffix(SUFFIX), names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"no bundled scenario of that name (bundled: {', '.join(names)}){hint}"


def bundled_scenario_paths(platform: str | None = None) -> list[Path]:
    """The bundled scenario files, sorted by name; only those of ``platform`` if given."""
    paths = sorted(bundled_dir().glob(f"*{SUFFIX}"))
    if platform is None:
        return paths
    from drsim.scenario.loader import load_scenario

    return [p for p in paths if load_scenario(p).platform == platform]
