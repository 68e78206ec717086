"""The simple failover of :mod:`.failover` in SimPy, written plainly: one environment per
trial, each checker and each runbook step a process, scalar draws where they are used.

This is the anchor for drsim's SimPy engine (issue 15: the engine should run at least
half as many trials per second), so it is deliberately not optimised.
"""

from __future__ import annotations

import numpy as np
import simpy

from benchmarks.baselines import failover as f


class Endpoint:
    """The primary's health as its checkers see it; ``declared`` fires at the declaration."""

    def __init__(self, env: simpy.Environment):
        self.healthy_checkers = f.CHECKERS
        self.declared = env.event()

    def checker_unhealthy(self) -> None:
        self.healthy_checkers -= 1
        if f.declared_unhealthy(self.healthy_checkers) and not self.declared.triggered:
            self.declared.succeed()


def checker(env: simpy.Environment, endpoint: Endpoint, phase_s: float):
    """One checker: checks every ``INTERVAL_S`` from ``phase_s`` for as long as the trial runs."""
    yield env.timeout(phase_s)
    failures = 0
    while True:
        yield env.timeout(f.TIMEOUT_S)  # the dead endpoint never answers
        failures += 1
        if failures == f.FAILURE_THRESHOLD:
            endpoint.checker_unhealthy()
        yield env.timeout(f.INTERVAL_S - f.TIMEOUT_S)


def step(env: simpy.Environment, after: list, duration_s: float):
    """A runbook step: waits for the steps in ``after``, then takes ``duration_s``. [s]"""
    yield env.all_of(after)
    yield env.timeout(duration_s)


def runbook(env: simpy.Environment, start: simpy.Event, rng: np.random.Generator):
    """The three steps, started by ``start``; the process's value is its end. [s]"""
    yield start
    promote = env.process(step(env, [], rng.lognormal(f.PROMOTE_MU, f.PROMOTE_SIGMA)))
    scale = env.process(step(env, [], rng.uniform(*f.SCALE_S)))
    switch = env.process(step(env, [promote, scale], rng.uniform(*f.SWITCH_S)))
    yield switch
    return env.now


def trial(rng: np.random.Generator) -> float:
    """One failover's RTO. [s]"""
    env = simpy.Environment()
    endpoint = Endpoint(env)
    for _ in range(f.CHECKERS):
        env.process(checker(env, endpoint, rng.uniform(0.0, f.INTERVAL_S)))
    done = env.process(runbook(env, endpoint.declared, rng))
    end_s = env.run(until=done)
    return end_s + rng.uniform(0.0, f.TTL_S)


def run(trials: int, seed: int) -> np.ndarray:
    """RTOs of ``trials`` failovers, one generator seeded with ``seed`` for all. [s]"""
    rng = np.random.default_rng(seed)
    return np.array([trial(rng) for _ in range(trials)])
