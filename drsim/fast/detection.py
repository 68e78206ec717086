"""Detection and decision for all trials at once: the health check's declaration, the
alarm and the decision to fail over.

A fault whose every check fails makes checker ``j`` flip at ``phase_j + result_delay
+ (threshold - 1) * interval`` (:class:`drsim.sim.health.Route53HealthCheck`), the
phases iid U(0, interval); the endpoint is declared unhealthy at the ``f``-th flip, ``f``
the fewest unhealthy checkers that break the 18 % rule
(:func:`drsim.rules.endpoint_healthy`). The ``f``-th of ``checkers`` uniforms is
Beta(f, checkers - f + 1): one draw per trial.
"""

from __future__ import annotations

import numpy as np

from drsim.fast.sampling import draw
from drsim.rules import flips_to_declare
from drsim.sim.alarm import evaluation_interval_s

INF = np.inf


def before(t_s: np.ndarray, horizon_s: float) -> np.ndarray:
    """``t_s`` where it falls before the horizon, else inf: the SimPy engine's
    ``env.run(until=horizon_s)`` never processes an event at or after it. [s]"""
    return np.where(t_s < horizon_s, t_s, INF)


def health_declared_s(hc, check, n: int, rng, horizon_s: float) -> np.ndarray:
    """Fault to the health check's declaration, per trial (inf: never). [s]"""
    if check.p_fail <= 0:
        return np.full(n, INF)
    f = flips_to_declare(hc.checkers, hc.healthy_fraction)
    phase_s = hc.interval_s * rng.beta(f, hc.checkers - f + 1, n)
    # The SimPy engine's sums in its order: (phase + result delay) + (threshold - 1) T.
    flip_s = (phase_s + check.result_delay_s) + (hc.failure_threshold - 1) * hc.interval_s
    return before(flip_s, horizon_s)


def alarm_s(alarm, sight, n: int, rng_phase, rng_delay, horizon_s: float) -> np.ndarray:
    """Fault to the alarm, per trial, for an alarm every period of which breaches
    (:func:`drsim.sim.alarm.alarm_delay_s` and ``TrialPlan._alarm_s``). [s]"""
    if not sight.fires:
        return np.full(n, INF)
    evaluation_s = evaluation_interval_s(alarm.period_s)
    phase_s = rng_phase.uniform(0.0, alarm.period_s, n)
    metric_s = draw(alarm.metric_delay_s, rng_delay, n)
    with np.errstate(invalid="ignore"):
        wait_s = np.where(metric_s > 0, evaluation_s * np.ceil(metric_s / evaluation_s), 0.0)
    delay_s = phase_s + (alarm.datapoints_to_alarm - 1) * alarm.period_s + wait_s
    delay_s = delay_s + sight.late_periods * alarm.period_s
    return before(delay_s, horizon_s)


def decided_s(decision, health_s, alarm_s_, ack_s, decide_s, horizon_s: float) -> np.ndarray:
    """Fault to the decision (:func:`drsim.sim.decision.decision`), per trial. [s]"""
    people_s = before((alarm_s_ + ack_s) + decide_s, horizon_s)
    if decision.mode != "automatic":
        return people_s
    fired_s = health_s if decision.trigger == "health_check" else alarm_s_
    return np.minimum(fired_s, people_s)


def signalled_s(decision, health_s, alarm_s_, decided) -> np.ndarray:
    """What :func:`drsim.rules.phase_durations` takes as ``signalled_s``: the detection
    where an automatic failover followed the health check, else the alarm
    (``TrialPlan._signal_s``). [s]"""
    if decision.mode == "automatic" and decision.trigger == "health_check":
        return np.where(health_s <= decided, np.minimum(health_s, alarm_s_), alarm_s_)
    return alarm_s_
