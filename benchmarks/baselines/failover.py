"""The simple failover both baselines simulate, and its parameters.

At time 0 the primary dies. ``CHECKERS`` health checkers, each from a uniformly random
phase within ``INTERVAL_S``, check it every ``INTERVAL_S``; a check of the dead endpoint
fails when it times out, ``TIMEOUT_S`` after it starts. A checker says unhealthy after
``FAILURE_THRESHOLD`` consecutive failures, and the endpoint is declared unhealthy once
at most ``HEALTHY_FRACTION`` of the checkers still say healthy (Route 53's rule). The
declaration starts a three-step runbook: ``promote_database`` (lognormal, p50
``PROMOTE_P50_S``, p95 ``PROMOTE_P95_S``) and ``scale_standby`` (uniform on
``SCALE_S``) in parallel, then ``switch_traffic`` (uniform on ``SWITCH_S``). One client
then waits out the rest of its cached DNS answer, uniform on ``[0, TTL_S)``::

    RTO = declaration + max(promote, scale) + switch + TTL residual
"""

from __future__ import annotations

import math

CHECKERS = 8
INTERVAL_S = 30.0
"""Time between two checks of one checker. [s]"""
TIMEOUT_S = 6.0
"""A check of the dead endpoint fails this long after it starts. [s]"""
FAILURE_THRESHOLD = 3
HEALTHY_FRACTION = 0.18
PROMOTE_P50_S, PROMOTE_P95_S = 360.0, 900.0
SCALE_S = (2.0, 10.0)
SWITCH_S = (0.0, 2.0)
TTL_S = 60.0

PROMOTE_MU = math.log(PROMOTE_P50_S)
"""Mean of the promotion's log-duration. [ln s]"""
PROMOTE_SIGMA = (math.log(PROMOTE_P95_S) - PROMOTE_MU) / 1.6448536269514722
"""Standard deviation of the promotion's log-duration (z of the 95th percentile). [-]"""


def declared_unhealthy(healthy_checkers: int) -> bool:
    """Whether the endpoint is declared unhealthy with this many checkers saying healthy."""
    return healthy_checkers <= HEALTHY_FRACTION * CHECKERS


FLIPS_TO_DECLARE = next(m for m in range(1, CHECKERS + 1) if declared_unhealthy(CHECKERS - m))
"""Checkers that must say unhealthy before the endpoint is declared unhealthy (7 of 8). [-]"""
