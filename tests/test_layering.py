"""Dependencies inside drsim point down only (ARCHITECTURE.md, Layout).

``cli`` -> ``report`` -> ``compare`` -> (``sim``, ``cost``, ``gameday``) ->
(``scenario``, ``timeline``, shared rules) -> ``distributions``. Read from the
source with :mod:`ast` (every import, also those inside functions), so an arrow
drawn the wrong way fails here before it grows into a cycle: the real stack
reaching into the engine (move the rule down to :mod:`drsim.rules`), or the cost
model running the simulator (that is :mod:`drsim.compare`'s work).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = (
    ("errors", "jsontext", "progress", "defaults"),  # plumbing with no model in it
    ("bundled",),                        # where the package's data files are
    ("distributions",),
    ("rules",),                          # what the model and the real stacks share
    ("scenario", "timeline", "summary"),
    ("sim", "cost", "gameday"),          # engine, money, real stack: strangers to each other
    ("fast",),                           # the vectorised engine, built from sim's parts
    ("compare",),                        # the one place they meet
    ("sweep",),                          # many configurations compared at scale
    ("report",),
    ("__init__",),                       # the public API (drsim.simulate, ...)
    ("cli",),
    ("__main__",),
)
"""drsim's top-level modules and packages, lowest first. A module may import its own
top-level unit and anything in a lower layer, never a neighbour in its layer or
anything above."""

TIER = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}

ALLOWED_UP = {("sim/montecarlo.py", "fast")}
"""The arrows up that are the design, each with its reason: ``drsim.sim.simulate``
chooses its engine (``engine="fast"`` runs :mod:`drsim.fast`, which reuses the SimPy
engine's rules and summary, so it cannot sit below it)."""


def _unit(path: Path, package: Path) -> str:
    """The top-level unit a file belongs to: ``sim/trial.py`` -> ``sim``."""
    rel = path.relative_to(package)
    return rel.parts[0].removesuffix(".py")


def _imported_units(tree: ast.AST, path: Path, package: Path):
    """``(line, dotted name, unit)`` of every drsim import in a module."""
    here = path.relative_to(package.parent).with_suffix("").parts  # ("drsim", "sim", "trial")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(here[:len(here) - node.level])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from drsim import compare`` imports the unit ``compare``;
            # ``from drsim import simulate`` goes through drsim/__init__.py.
            names = ([f"{module}.{a.name}" for a in node.names] if module == "drsim"
                     else [module])
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != "drsim":
                continue
            if len(parts) == 1:
                unit = "__init__"
            elif (package / parts[1]).is_dir() or (package / f"{parts[1]}.py").is_file():
                unit = parts[1]
            else:
                unit = "__init__"  # a name drsim/__init__.py exports
            yield node.lineno, name, unit


def violations(package: Path) -> list[str]:
    """Every import in ``package`` (a drsim source folder) that points up or sideways."""
    found = []
    for path in sorted(package.rglob("*.py")):
        unit = _unit(path, package)
        where = path.relative_to(package.parent)
        if unit not in TIER:
            found.append(f"{where}: {unit!r} is in no layer; place it in LAYERS "
                         "(tests/test_layering.py)")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, name, target in _imported_units(tree, path, package):
            if target == unit or TIER.get(target, len(LAYERS)) < TIER[unit]:
                continue
            if (path.relative_to(package).as_posix(), target) in ALLOWED_UP:
                continue
            found.append(f"{where}:{line}: imports {name} ({unit} may not import {target})")
    return found


def test_dependencies_point_down_only():
    found = violations(ROOT / "drsim")
    assert not found, "imports against the layering:\n" + "\n".join(found)


def test_the_layering_check_sees_imports_everywhere_in_a_module(tmp_path):
    pkg = tmp_path / "drsim"
    (pkg / "cost").mkdir(parents=True)
    (pkg / "sim").mkdir()
    (pkg / "cost" / "risk.py").write_text(
        "import math\n"
        "from drsim.errors import DrsimError\n"
        "def risk():\n"
        "    from drsim.sim import simulate\n"
        "    from drsim import compare\n"
        "    from ..cost import lines\n")
    (pkg / "rules.py").write_text("import drsim.timeline\nfrom drsim import simulate\n")
    (pkg / "extra.py").write_text("")
    for name in ("errors", "timeline", "compare"):
        (pkg / f"{name}.py").write_text("")
    found = violations(pkg)
    assert found == [
        "drsim/cost/risk.py:4: imports drsim.sim (cost may not import sim)",
        "drsim/cost/risk.py:5: imports drsim.compare (cost may not import compare)",
        "drsim/extra.py: 'extra' is in no layer; place it in LAYERS (tests/test_layering.py)",
        "drsim/rules.py:1: imports drsim.timeline (rules may not import timeline)",
        "drsim/rules.py:2: imports drsim.simulate (rules may not import __init__)",
    ]
