"""The runbook's DAG for all trials at once: attempts, retries, manual fallback.

Each step starts when the last step it waits for ends (the decision for a step that
waits for none), then runs attempt after attempt (:class:`drsim.sim.runbook.Runbook`):
an attempt that fails is followed by the retry wait (:func:`drsim.rules.retry_wait_s`)
and the next attempt; after the last failure an operator finishes by hand. The loops
run over steps and attempts, each over every trial at once; the sums are the SimPy
engine's, in its order.

Draws: each step has its own streams (``runbook.<step>.duration``, ``.failed``,
``.fallback``), one column of trials per attempt, so that another step, another
``max_attempts`` or another ``failure_probability`` leaves a step's other draws where
they were.
"""

from __future__ import annotations

import numpy as np

from drsim.fast.detection import before
from drsim.fast.sampling import draw
from drsim.rules import retry_wait_s

INF = np.inf


def run_steps(steps, decided_s: np.ndarray, streams, horizon_s: float) -> dict:
    """``{name: (start_s, end_s, attempts)}`` per step, arrays over trials, for ``steps``
    in topological order (:func:`drsim.sim.runbook.topological`). [s], [s], [-]

    A moment at or after ``horizon_s`` never comes (inf); ``attempts`` is 0 where the
    attempt that settled the step had not ended by then, as in the SimPy engine.
    """
    n = len(decided_s)
    out: dict = {}
    for step in steps:
        start_s = decided_s
        if step.after:
            start_s = np.max([out[d][1] for d in step.after], axis=0)
        out[step.name] = _one_step(step, start_s, n, streams, horizon_s)
    return out


def _one_step(step, start_s: np.ndarray, n: int, streams, horizon_s: float):
    name = f"runbook.{step.name}"
    durations, failures = streams(f"{name}.duration"), streams(f"{name}.failed")
    fallback_s = draw(step.manual_fallback_s, streams(f"{name}.fallback"), n)
    t_s = start_s.copy()
    running = np.isfinite(start_s)
    settled_s = np.full(n, INF)  # when the attempt that settles the step ends
    attempts = np.zeros(n, dtype=np.int64)
    for k in range(step.max_attempts):
        attempt_s = draw(step.duration_s, durations, n)
        failed = failures.random(n) < step.failure_probability
        t_s = np.where(running, t_s + attempt_s, t_s)
        done = running & ~failed
        last = k + 1 == step.max_attempts
        settles = done | (running & last)
        settled_s = np.where(settles, t_s, settled_s)
        attempts = np.where(settles, k + 1, attempts)
        running = running & ~settles
        if not last:
            t_s = np.where(running, t_s + retry_wait_s(step, k + 1), t_s)
        else:
            fell_back = settles & failed
            t_s = np.where(fell_back, t_s + fallback_s, t_s)
    settled_s = before(settled_s, horizon_s)
    attempts = np.where(np.isfinite(settled_s), attempts, 0)
    end_s = before(np.where(np.isfinite(start_s), t_s, INF), horizon_s)
    return before(start_s, horizon_s), end_s, attempts
