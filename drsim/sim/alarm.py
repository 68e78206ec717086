"""The CloudWatch alarm on the service's error metric."""

from __future__ import annotations

import math

import numpy as np

HIGH_RESOLUTION_EVALUATION_S = 10.0
"""An alarm with a period under a minute is evaluated every 10 s ("If the alarm period
is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). [s]"""
STANDARD_EVALUATION_S = 60.0
"""Any other alarm is evaluated once a minute (same page). [s]"""


def evaluation_interval_s(period_s: float) -> float:
    """Time between two evaluations of an alarm with metric period ``period_s``. [s]

    CloudWatch's cadence (10 s below a minute, else 60 s) divides every period it
    allows, so evaluations fall on the period boundaries. A period CloudWatch does
    not allow (a ``platform: local`` scenario) is evaluated at its own boundaries.
    """
    if period_s < 60 and period_s % HIGH_RESOLUTION_EVALUATION_S == 0:
        return HIGH_RESOLUTION_EVALUATION_S
    if period_s % STANDARD_EVALUATION_S == 0:
        return STANDARD_EVALUATION_S
    return float(period_s)


def alarm_delay_s(*, period_s: float, datapoints_to_alarm: int, phase_s: float,
                  metric_delay_s: float, evaluation_s: float | None = None) -> float:
    """Fault to alarm. [s]

    Errors start at the fault, so the metric period that contains the fault
    is the first breaching datapoint; it ends ``phase_s`` later (uniform within
    ``period_s``: the fault falls at a random moment of the period). The fault
    persists, so every later datapoint breaches too and ``datapoints_to_alarm``
    of them (M of an "M out of N" alarm) are there once the M-th period ends.
    That datapoint becomes visible ``metric_delay_s`` after its period ends,
    and the alarm sees it at its first evaluation after that: evaluations fall
    every ``evaluation_s`` (default :func:`evaluation_interval_s`) on the period
    boundaries, so the alarm goes off at

        phase_s + (M - 1) * period_s + evaluation_s * ceil(metric_delay_s / evaluation_s)

    With a fixed delay the alarm is uniform on an interval ``period_s`` wide.
    """
    if evaluation_s is None:
        evaluation_s = evaluation_interval_s(period_s)
    wait_s = evaluation_s * math.ceil(metric_delay_s / evaluation_s) if metric_delay_s > 0 else 0.0
    return phase_s + (datapoints_to_alarm - 1) * period_s + wait_s


def periods_to_alarm(*, breach_probability: float, datapoints_to_alarm: int,
                     evaluation_periods: int, rng: np.random.Generator,
                     max_periods: int) -> float:
    """The period (1 = the one that holds the fault) at whose end ``datapoints_to_alarm``
    of the last ``evaluation_periods`` datapoints breach, each after the fault breaching
    with chance ``breach_probability`` and every one before it not; inf if none does
    within ``max_periods``. [-]

    With ``breach_probability`` 1 that is ``datapoints_to_alarm`` (the M of "M out of
    N"); with 1 of 1 it is geometric. Draws breaches in blocks from ``rng``, so give it a
    stream of its own: the number of draws depends on the outcome.
    """
    m, n = datapoints_to_alarm, evaluation_periods
    if breach_probability >= 1:
        return float(m)
    if breach_probability <= 0:
        return math.inf
    block = max(256, 4 * n)
    history = np.zeros(n - 1, dtype=np.int64)  # the n - 1 periods before: not breaching
    done = 0
    while done < max_periods:
        x = np.concatenate([history, (rng.random(block) < breach_probability).astype(np.int64)])
        total = np.concatenate([[0], np.cumsum(x)])
        in_window = total[n:] - total[:-n]  # entry i: the window that ends at period done+i+1
        hits = np.flatnonzero(in_window >= m)
        if hits.size:
            k = done + int(hits[0]) + 1
            return float(k) if k <= max_periods else math.inf
        history = x[len(x) - (n - 1):]
        done += block
    return math.inf


def alarm(env, delay_s: float, log=None):
    """SimPy process: the alarm goes off ``delay_s`` after the fault; its value is the time. [s]

    An infinite ``delay_s`` (an alarm that cannot see the fault) never goes off.
    """
    if math.isinf(delay_s):
        yield env.event()  # never triggered: the process waits past the horizon
    yield env.timeout(delay_s)
    if log:
        log(env.now, "alarm", "cloudwatch", "")
    return env.now
