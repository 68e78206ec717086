"""The CloudWatch alarm on the service's error metric."""

from __future__ import annotations


def alarm_delay_s(*, period_s: float, datapoints_to_alarm: int, phase_s: float,
                  metric_delay_s: float) -> float:
    """Fault to alarm. [s]

    Errors start at the fault, so the metric period that contains the fault
    is the first breaching datapoint; it ends ``phase_s`` later (uniform within
    ``period_s``: the fault falls at a random moment of the period). The fault
    persists, so every later datapoint breaches too and the alarm needs
    ``datapoints_to_alarm`` consecutive ones (an "M out of N" alarm with M
    consecutive breaches). The last becomes visible ``metric_delay_s`` after
    its period ends.
    """
    return phase_s + (datapoints_to_alarm - 1) * period_s + metric_delay_s


def alarm(env, delay_s: float, log=None):
    """SimPy process: the alarm goes off ``delay_s`` after the fault; its value is the time. [s]"""
    yield env.timeout(delay_s)
    if log:
        log(env.now, "alarm", "cloudwatch", "")
    return env.now
