"""Configurations of a sweep: a base scenario with one design point's values applied.

Fields are dotted scenario paths (:mod:`drsim.scenario.paths`);
``compute.standby_tasks`` also sets the strategy that standby size implies
(:func:`drsim.compare.sweeps.setting_overrides`), unless ``strategy`` is itself a
field, which then wins. The scenario of a configuration is built where it is
evaluated (:func:`build`), so the sweep streams small ``Configuration`` records,
never a list of validated scenarios.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from drsim.compare.sweeps import setting_overrides
from drsim.errors import ScenarioError
from drsim.scenario import Scenario, load_scenario
from drsim.scenario.paths import PathError, resolve
from drsim.sweep.designs import count_points, design_points
from drsim.sweep.spec import Range, SweepSpec, SweepSpecError


@dataclass(frozen=True)
class Configuration:
    """One row of a sweep before it runs.

    index : its row number: ``base position * points per base + design point``. [-]
    base : the base as the spec names it.
    values : ``{dotted path: value}`` of the design point.
    """

    index: int
    base: str
    values: dict


def load_bases(spec: SweepSpec) -> dict[str, Scenario]:
    """The spec's base scenarios by the name it gives them: a path relative to the
    spec's folder when that file exists, else a path or bundled name as
    :func:`drsim.load_scenario` finds it."""
    out = {}
    for ref in spec.bases:
        if ref in spec.given:
            out[ref] = spec.given[ref]
            continue
        beside = spec.base_dir / ref
        try:
            out[ref] = load_scenario(beside if beside.is_file() else ref)
        except ScenarioError as err:
            if len(err.problems) == 1:
                raise SweepSpecError(f"{spec.source}: base {ref}: {err}") from None
            raise SweepSpecError(f"{spec.source}: base {ref} is not a valid scenario:\n  "
                                 + "\n  ".join(err.problems)) from None
    return out


def check_fields(spec: SweepSpec, bases: dict[str, Scenario]) -> None:
    """Every field names a path in every base, and its values have the base value's type."""
    for path, values in spec.fields.items():
        where = f"{spec.source}: fields.{path}"
        for name, base in bases.items():
            try:
                current = resolve(base, path)
            except PathError as err:
                raise SweepSpecError(f"{where}: {err}"
                                     + (f" (in base {name})" if len(bases) > 1 else "")) from None
            _check_type(where, current, values)


def _check_type(where: str, current: Any, values: list | Range) -> None:
    """Raise SweepSpecError for a value of another kind than the base's ``current``."""
    if isinstance(values, Range):
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise SweepSpecError(f"{where}: a range needs a numeric field; the base's value "
                                 f"is {_show(current)}")
        if isinstance(current, int) and not values.integer:
            raise SweepSpecError(f"{where}: the field is a whole number; give whole-number "
                                 f"bounds (got low {values.low}, high {values.high})")
        return
    for v in values:
        problem = _type_problem(current, v)
        if problem:
            raise SweepSpecError(f"{where}: {v!r} {problem}")


def _type_problem(current: Any, v: Any) -> str | None:
    if current is None:
        return None  # an optional section the base leaves out: validation will tell
    if isinstance(current, bool):
        return None if isinstance(v, bool) else "is not true or false"
    if isinstance(current, int):
        return None if isinstance(v, int) and not isinstance(v, bool) else "is not a whole number"
    if isinstance(current, float):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        return None if ok else "is not a number"
    if isinstance(current, str):
        return None if isinstance(v, str) else "is not text"
    if isinstance(current, BaseModel):
        # A section, or a distribution (which a plain number also stands for).
        if isinstance(v, dict) or ("dist" in type(current).model_fields
                                   and isinstance(v, (int, float)) and not isinstance(v, bool)):
            return None
        return "is not a section (a mapping of fields)"
    if isinstance(current, (list, tuple)):
        return None if isinstance(v, list) else "is not a list"
    return None


def _show(value: Any) -> str:
    return f"{value!r}" if not isinstance(value, BaseModel) else f"a {type(value).__name__}"


def configurations(spec: SweepSpec) -> Iterator[Configuration]:
    """Every configuration, in row order: each base crossed with every design point."""
    per_base = count_points(spec)
    for b, ref in enumerate(spec.bases):
        for k, point in enumerate(design_points(spec)):
            yield Configuration(b * per_base + k, ref, point)


def count_configurations(spec: SweepSpec) -> int:
    """How many configurations the spec makes. [-]"""
    return len(spec.bases) * count_points(spec)


def overrides(base: Scenario, values: dict) -> dict[str, Any]:
    """The scenario overrides of a design point (see the module)."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        out.update(setting_overrides(base, path, value))
    if "strategy" in values:
        out["strategy"] = values["strategy"]
    return out


def build(base: Scenario, values: dict) -> Scenario:
    """The validated scenario of a configuration; raises ScenarioError for a
    combination the scenario checks refuse."""
    return base.with_overrides(overrides(base, values)) if values else base


COLUMN_KINDS = ("int", "float", "bool", "str", "json")


def column_kind(values: list | Range) -> str:
    """How a field's values are stored in the table: one of :data:`COLUMN_KINDS`
    (a distribution or a section as its JSON text)."""
    if isinstance(values, Range):
        return "int" if values.integer else "float"
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return "json"


def column_value(kind: str, value: Any) -> Any:
    """``value`` as its table column of ``kind`` holds it."""
    if kind == "float":
        return float(value)
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    return value
