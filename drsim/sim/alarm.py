"""The CloudWatch alarm on the service's error metric."""

from __future__ import annotations

import math

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
