"""The failover runbook: a DAG of steps with failures, retries and a manual fallback."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from drsim.rules import retry_wait_s


@dataclass(frozen=True, slots=True)
class StepDraws:
    """The random parts of one step in one trial, drawn before the trial runs.

    attempt_s : duration of each possible attempt. [s]
    attempt_failed : whether each attempt fails.
    fallback_s : an operator finishing the step by hand after the last failure. [s]
    """

    attempt_s: tuple[float, ...]
    attempt_failed: tuple[bool, ...]
    fallback_s: float


def draw_step(step, rng) -> StepDraws:
    """Draw every attempt a step could need (a fixed number of draws per step)."""
    n = step.max_attempts
    attempt_s = np.asarray(step.duration_s.sample(rng, n), dtype=float)
    failed = rng.random(n) < step.failure_probability
    return StepDraws(tuple(attempt_s.tolist()), tuple(failed.tolist()),
                     float(step.manual_fallback_s.sample(rng)))


class Runbook:
    """Runs the steps of a runbook once ``start`` fires, in parallel where ``after`` allows.

    ``self.finished[name]`` is the process of each step (its value is the end
    time); ``self.started_s``/``self.finished_s`` record times; ``self.done``
    fires when every step has finished. Steps must come in an order where each
    step's ``after`` names only earlier steps (see :func:`topological`).
    """

    def __init__(self, env: simpy.Environment, steps, draws: dict[str, StepDraws], start,
                 log=None):
        self.env = env
        self.log = log
        self.started_s: dict[str, float] = {}
        self.finished_s: dict[str, float] = {}
        self.attempts: dict[str, int] = {}
        self.finished: dict[str, simpy.Process] = {}
        for step in topological(steps):
            deps = [self.finished[d] for d in step.after] or [start]
            self.finished[step.name] = env.process(self._step(step, draws[step.name], deps))
        self.done = simpy.AllOf(env, list(self.finished.values()))

    def _step(self, step, draws: StepDraws, deps):
        env, log, name = self.env, self.log, step.name
        yield simpy.AllOf(env, deps)
        self.started_s[name] = env.now
        if log:
            log(env.now, "step_started", name, step.action)
        fallback = False
        for k in range(step.max_attempts):
            yield env.timeout(draws.attempt_s[k])
            if not draws.attempt_failed[k]:
                self.attempts[name] = k + 1
                break
            if log:
                log(env.now, "step_failed", name, f"attempt {k + 1} of {step.max_attempts}")
            if k + 1 < step.max_attempts:
                yield env.timeout(retry_wait_s(step, k + 1))
        else:
            fallback = True
            self.attempts[name] = step.max_attempts
            yield env.timeout(draws.fallback_s)
        self.finished_s[name] = env.now
        if log:
            detail = "manual fallback" if fallback else f"attempt {self.attempts[name]}"
            log(env.now, "step_finished", name, detail)
        return env.now


def topological(steps) -> list:
    """Steps ordered so that each comes after the steps it waits for (stable)."""
    by_name = {s.name: s for s in steps}
    order, placed = [], set()

    def place(step, path=()):
        if step.name in placed:
            return
        if step.name in path:
            raise ValueError(f"runbook steps form a cycle through {step.name!r}")
        for dep in step.after:
            place(by_name[dep], path + (step.name,))
        placed.add(step.name)
        order.append(step)

    for step in steps:
        place(step)
    return order
