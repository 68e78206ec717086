"""The sweep spec: which bases, which fields, which design, how many trials.

A spec is a YAML file (or the same data as a dict)::

    base: seed-warm-standby          # a bundled name or a path (relative to the spec's folder)
    trials: 2000                     # per configuration
    seed: 1                          # the same for every configuration (common random numbers)
    design: grid                     # grid | random | latin
    samples: 200                     # random and latin only
    fields:
      health_check.interval_s: [10, 30]
      dns.ttl_s: {low: 10, high: 300}          # random/latin only; ints stay ints
      objectives.downtime_cost_usd_per_h: {low: 1000, high: 100000, log: true}

``bases: [a, b]`` instead of ``base`` crosses every design point with every base.
From Python a base may also be a :class:`drsim.Scenario` (e.g. one loaded with
overrides); it is named by its ``name`` in the table.
Every problem raises :class:`SweepSpecError` naming the spec and the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drsim import defaults
from drsim.errors import DrsimError

DESIGNS = ("grid", "random", "latin")


class SweepSpecError(DrsimError):
    """A sweep spec that cannot run; the message names the spec and the field."""


class _SpecModel(BaseModel):
    """The top-level keys; ``fields`` is checked by hand for messages that name the path."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: str | None = None
    bases: list[str] | None = None
    trials: int = Field(default=defaults.TRIALS, ge=1, le=100_000_000)
    seed: int = Field(default=defaults.SEED, ge=0)
    design: Literal["grid", "random", "latin"] = "grid"
    samples: int | None = Field(default=None, ge=1)
    fields: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Range:
    """A range to draw a field's values from (random and latin designs).

    low, high : the bounds, inclusive; whole numbers when both are ints. [field's unit]
    log : draw uniformly in log space (both bounds > 0).
    """

    low: float
    high: float
    log: bool = False

    @property
    def integer(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep spec.

    source : where it came from (the file, or ``<dict>``), named in messages.
    bases : the base scenarios as written (bundled names or paths).
    base_dir : the folder paths in ``bases`` are relative to.
    trials : trials per configuration. [-]
    seed : root seed of every configuration (common random numbers) and of the design.
    design : grid, random or latin.
    samples : design points of a random or latin design (None for grid). [-]
    fields : ``{dotted path: list of values or Range}``, in the spec's order.
    given : bases given as :class:`drsim.Scenario` objects (a dict spec from Python),
        by the name ``bases`` gives them.
    """

    source: str
    bases: tuple[str, ...]
    base_dir: Path
    trials: int
    seed: int
    design: str
    samples: int | None
    fields: dict[str, list | Range]
    given: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The spec as plain data (what its fingerprint covers)."""
        return {"bases": list(self.bases), "trials": self.trials, "seed": self.seed,
                "design": self.design, "samples": self.samples,
                "fields": {k: v.as_dict() if isinstance(v, Range) else list(v)
                           for k, v in self.fields.items()}}

    def fingerprint(self, *extra) -> str:
        """A hash of the spec and ``extra`` (e.g. the bases' contents and the engine)."""
        text = json.dumps([self.as_dict(), *extra], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def load_spec(spec: str | os.PathLike | dict | SweepSpec) -> SweepSpec:
    """A :class:`SweepSpec` from a YAML file, a dict (paths relative to the working
    folder) or a SweepSpec (returned as it is). Raises :class:`SweepSpecError`."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return spec_from_dict(spec, source="<dict>", base_dir=Path.cwd())
    path = Path(spec)
    source = os.fspath(spec)
    if not path.exists() and bundled_spec(source) is not None:
        path = bundled_spec(source)
        source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise SweepSpecError(f"{source}: is a directory, not a sweep spec (a YAML file)") from None
    except FileNotFoundError:
        raise SweepSpecError(f"{source}: no such file, and no bundled spec of that name "
                             f"(bundled: {', '.join(bundled_specs())})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SweepSpecError(f"{source}: cannot be read as text ({err})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SweepSpecError(f"{source}{line}: not valid YAML: "
                             f"{getattr(err, 'problem', None) or err}") from None
    return spec_from_dict(data, source=source, base_dir=path.parent)


def bundled_spec(name: str) -> Path | None:
    """The bundled spec called ``name`` (``seed-grid``, with or without ``.yaml``), or None."""
    if Path(name).name != name:
        return None  # a path, never a bundled name
    from drsim.bundled import bundled_path

    p = bundled_path("data", "sweeps") / (name if name.endswith(".yaml") else f"{name}.yaml")
    return p if p.is_file() else None


def bundled_specs() -> list[str]:
    """The names of the bundled sweep specs (``drsim/data/sweeps``)."""
    from drsim.bundled import bundled_path

    return sorted(p.stem for p in bundled_path("data", "sweeps").glob("*.yaml"))


def spec_from_dict(data: Any, *, source: str, base_dir: Path) -> SweepSpec:
    """Check plain spec data (see the module) and return a :class:`SweepSpec`."""
    if not isinstance(data, dict):
        raise SweepSpecError(f"{source}: a sweep spec is a mapping (base, trials, seed, design, "
                             f"fields, ...), not {type(data).__name__}")
    data, given = _given_scenarios(data)
    try:
        m = _SpecModel.model_validate(data)
    except ValidationError as err:
        e = err.errors(include_url=False)[0]
        where = ".".join(map(str, e["loc"])) or "spec"
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(_SpecModel.model_fields)
            raise SweepSpecError(f"{source}: {where}: unknown key; allowed: {allowed}") from None
        bound = {"greater_than_equal": ">=", "less_than_equal": "<="}.get(e["type"])
        if bound:
            limit = next(iter(e["ctx"].values()))
            raise SweepSpecError(f"{source}: {where}: {e['input']!r} is out of range; must be "
                                 f"{bound} {limit}") from None
        raise SweepSpecError(f"{source}: {where}: {e['msg']} (got {e.get('input')!r})") from None
    bases = _bases(m, source)
    if m.design == "grid" and m.samples is not None:
        raise SweepSpecError(f"{source}: samples: a grid design runs every combination; "
                             "samples is for design: random or latin")
    if m.design != "grid" and m.samples is None:
        raise SweepSpecError(f"{source}: samples: design: {m.design} needs samples "
                             "(how many configurations to draw), e.g. samples: 200")
    fields = {path: _field(path, values, m.design, source) for path, values in m.fields.items()}
    return SweepSpec(source, bases, Path(base_dir), m.trials, m.seed, m.design, m.samples, fields,
                     given)


def _given_scenarios(data: dict) -> tuple[dict, dict]:
    """``data`` with each Scenario object among its bases replaced by its name, and those
    scenarios by name."""
    from drsim.scenario import Scenario

    given = {}

    def named(ref):
        if isinstance(ref, Scenario):
            given[ref.name] = ref
            return ref.name
        return ref

    data = dict(data)
    if isinstance(data.get("base"), Scenario):
        data["base"] = named(data["base"])
    if isinstance(data.get("bases"), (list, tuple)):
        data["bases"] = [named(b) for b in data["bases"]]
    return data, given


def _bases(m: _SpecModel, source: str) -> tuple[str, ...]:
    if (m.base is None) == (m.bases is None):
        raise SweepSpecError(f"{source}: base: give either base (one scenario) or bases "
                             "(a list), not both and not neither")
    bases = (m.base,) if m.base is not None else tuple(m.bases)
    if not bases or any(not b for b in bases):
        raise SweepSpecError(f"{source}: bases: needs at least one scenario name or path")
    return bases


def _field(path: str, values: Any, design: str, source: str) -> list | Range:
    where = f"{source}: fields.{path}"
    if isinstance(values, dict):
        if design == "grid":
            raise SweepSpecError(f"{where}: a range ({values!r}) needs design: random or latin; "
                                 "a grid takes a list of values")
        return _range(values, where)
    if not isinstance(values, list) or not values:
        raise SweepSpecError(f"{where}: expected a non-empty list of values"
                             + ("" if design == "grid" else " or a range {low: L, high: H}")
                             + f", got {values!r}")
    return values


def _range(values: dict, where: str) -> Range:
    unknown = set(values) - {"low", "high", "log"}
    if unknown or not {"low", "high"} <= set(values):
        raise SweepSpecError(f"{where}: a range is {{low: L, high: H}} (and optionally log: "
                             f"true), got {values!r}")
    low, high, log = values["low"], values["high"], values.get("log", False)
    for name, x in (("low", low), ("high", high)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise SweepSpecError(f"{where}.{name}: {x!r} is not a finite number")
    if not isinstance(log, bool):
        raise SweepSpecError(f"{where}.log: {log!r} is not true or false")
    if low > high:
        raise SweepSpecError(f"{where}: low ({low}) is above high ({high})")
    if log and low <= 0:
        raise SweepSpecError(f"{where}: log: true needs low > 0, got {low}")
    return Range(low, high, log)
