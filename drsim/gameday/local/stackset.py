"""A stack that deliberately differs from the model: ``--stack-set PATH=VALUE``.

To test calibration (or a postmortem) against a known truth, the real stack is
made to behave differently from the scenario the simulation keeps. The
overrides are applied to a copy of the scenario with the scenario's own
override machinery (validated like ``--set``); the stack runs that copy, and
every comparison with the simulation uses the scenario as written.

What the stack can be made to do differently, and how honestly:

- ``runbook.<step>.duration_s``: for a step with a real action
  (``promote_database``, ``scale_standby``, ``switch_traffic``,
  ``fence_primary``) the orchestrator waits a duration drawn from the given
  distribution *before* doing the real action, per attempt. The real action
  still happens (``pg_promote`` promotes the standby, whose writes start only
  then), so the step takes the drawn wait **plus** its real time (about 0.1 s
  for a local promotion). A step with action ``other`` has nothing real to do
  and takes the drawn duration, as it always does.
- ``decision.*``: the orchestrator decides as the stack's scenario says, e.g.
  ``decision.mode=manual`` with ``page_ack_s`` and ``decide_s`` delays, where the
  scenario allows it: a manual decision pages on an alarm, and ``local-lab`` has none
  (``alarm.source: none``), so there the scenario's own rule refuses it.

Anything else (health checks, DNS, compute, datastores) is refused: the local
stack either reads it at start-up in ways a "model vs stack" difference would
not isolate, or measures it rather than drawing it (a worker starts in the
time it takes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from drsim.errors import DrsimError, ScenarioError
from drsim.scenario.loader import parse_override
from drsim.scenario.model import Scenario
from drsim.scenario.paths import PathError, resolve, split

SETTABLE = ("runbook.<step>.duration_s (a wait drawn before the step's real action) and "
            "decision.<field> (how the orchestrator decides)")
"""What ``--stack-set`` may change, in words for messages."""

REAL_ACTIONS = ("promote_database", "scale_standby", "switch_traffic", "fence_primary")
"""Runbook actions the local stack carries out for real (an added wait comes before them)."""


@dataclass(frozen=True)
class StackDifference:
    """The scenario the model keeps and the one the real stack runs.

    model : the scenario as written (what the simulation and every comparison use).
    stack : ``model`` with the ``--stack-set`` overrides (what the orchestrator runs).
    overrides : the ``PATH=VALUE`` strings, as given.
    """

    model: Scenario
    stack: Scenario
    overrides: tuple[str, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.overrides)

    def added_wait_steps(self) -> dict[str, object]:
        """Step name -> the distribution of the wait drawn before its real action, for the
        steps with a real action whose ``duration_s`` the stack was given."""
        model_steps = {s.name: s for s in self.model.runbook}
        return {s.name: s.duration_s for s in self.stack.runbook
                if s.action in REAL_ACTIONS and s.name in model_steps
                and s.duration_s.model_dump() != model_steps[s.name].duration_s.model_dump()}

    def waits(self, seed_seq: np.random.SeedSequence) -> dict[str, Callable[[], float]]:
        """Step name -> a function drawing one attempt's added wait [s].

        Each step draws from its own Generator (``seed_seq.spawn`` in runbook order):
        steps run in parallel threads, and one shared Generator would hand out its
        draws in whatever order the threads reach it.
        """
        dists = self.added_wait_steps()
        names = [s.name for s in self.stack.runbook]
        rngs = dict(zip(names, (np.random.default_rng(s) for s in seed_seq.spawn(len(names)))))
        return {name: (lambda d=d, rng=rngs[name]: float(d.sample(rng)))
                for name, d in dists.items()}

    def as_dict(self) -> dict:
        """For a run's record: the overrides and, per path, the model's and the stack's value."""
        fields = {}
        for item in self.overrides:
            key, _ = parse_override(item)
            fields[key] = {"model": _value_at(self.model, key),
                           "stack": _value_at(self.stack, key)}
        return {"stack_set": list(self.overrides), "fields": fields,
                "note": "the real stack ran with these fields changed; the simulation and "
                        "every comparison use the scenario as written"}


def _value_at(scenario: Scenario, key: str):
    """The value at ``key`` as plain data (None where the scenario has no such field)."""
    try:
        value = resolve(scenario, key)
    except PathError:
        return None
    return value.model_dump(mode="json", exclude_none=True) if isinstance(value, BaseModel) else value


def stack_difference(model: Scenario, overrides: Iterable[str] = ()) -> StackDifference:
    """Build the stack's scenario from ``model`` and ``--stack-set`` overrides, validated.

    Raises
    ------
    DrsimError
        naming the ``--stack-set`` item and what may be set, for a path the local stack
        cannot honour, a malformed item or a value the scenario would not accept.
    """
    overrides = tuple(overrides)
    if not overrides:
        return StackDifference(model, model)
    problems = []
    for item in overrides:
        if not isinstance(item, str):
            problems.append(f"--stack-set {item!r}: expected a PATH=VALUE string")
            continue
        try:
            key, _ = parse_override(item)
            parts = split(key)
        except Exception as err:
            problems.append(f"--stack-set {item}: {err}")
            continue
        if not _settable(parts):
            problems.append(f"--stack-set {item}: the local stack cannot be made to differ in "
                            f"{key}; it can in {SETTABLE}")
    if problems:
        raise ScenarioError(f"scenario {model.name!r}", problems)
    try:
        stack = model.with_overrides(list(overrides))
    except ScenarioError as err:
        # The scenario's machinery labels the items "--set"; these are --stack-set items.
        # A rule across fields names no item: say which made the stack's scenario.
        given = "; ".join(f"--stack-set {item}" for item in overrides)
        raise ScenarioError(err.source, [
            p.replace("(--set ", "(--stack-set ") if "(--set " in p else f"{p} (with {given})"
            for p in err.problems]) from None
    return StackDifference(model, stack, overrides)


def _settable(parts: list) -> bool:
    if parts and parts[0] == "decision":
        return True
    return len(parts) >= 3 and parts[0] == "runbook" and parts[2] == "duration_s"
