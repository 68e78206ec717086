"""Rules the model and the real stacks must share, in one place below both.

The simulator (:mod:`drsim.sim`) and the game days (:mod:`drsim.gameday`) are
compared with each other, so wherever they decide the same thing they must
decide it the same way: when an endpoint is unhealthy (Route 53's 18 % rule),
how many clients make "recovered", how a step's retries back off, how phases
follow from the moments of a failover, and how a small sample is summarised.
Both import these rules from here; neither reaches into the other. This module
imports nothing from drsim.
"""

from __future__ import annotations

import functools
import math

import numpy as np

# --- health checks -------------------------------------------------------------------


def endpoint_healthy(healthy_checkers: int, checkers: int, healthy_fraction: float) -> bool:
    """Route 53's rule: an endpoint is healthy while MORE than ``healthy_fraction`` of
    its checkers say healthy (default 0.18: with 15 checkers, 3 healthy still are).

    Parameters
    ----------
    healthy_checkers : checkers that currently say healthy. [-]
    checkers : all checkers of the endpoint. [-]
    healthy_fraction : the share at or below which the endpoint is unhealthy. [-]
    """
    # The tolerance keeps a share exactly at the fraction (e.g. 2 of 10 at 0.2)
    # unhealthy whatever the rounding of the product.
    return healthy_checkers > healthy_fraction * checkers + 1e-12


@functools.lru_cache(maxsize=64)
def flips_to_declare(checkers: int, healthy_fraction: float) -> int:
    """How many of ``checkers`` must say unhealthy for the endpoint to be declared so:
    the fewest that :func:`endpoint_healthy` refuses (at most all of them, as an endpoint
    no checker calls healthy is unhealthy). [-]"""
    return next(m for m in range(1, checkers + 1)
                if not endpoint_healthy(checkers - m, checkers, healthy_fraction))


# --- recovery: how many make "recovered" -------------------------------------------

SHARE_EPS = 1e-9
"""Shares (``k / total``) are compared with this tolerance everywhere. [-]"""


def smallest_count(share: float, total: int) -> int:
    """The fewest of ``total`` (clients or tasks) whose share ``k / total`` reaches
    ``share`` (within :data:`SHARE_EPS`). [-]

    Computed with the very comparison a step-by-step check uses (``k / total >=
    share - SHARE_EPS``), so the two agree to the last bit.
    """
    k = max(int(math.ceil((share - SHARE_EPS) * total)), 0)
    while k > 0 and (k - 1) / total >= share - SHARE_EPS:
        k -= 1
    while k / total < share - SHARE_EPS:
        k += 1
    return k


# --- the runbook: retries --------------------------------------------------------------


def retry_wait_s(step, failures: int) -> float:
    """Wait after the ``failures``-th failed attempt of ``step`` (Step Functions Retry
    semantics: ``retry_interval_s`` first, then ``backoff_rate`` times the previous). [s]

    ``step`` is anything with ``retry_interval_s`` [s] and ``backoff_rate`` [-]
    (a :class:`drsim.scenario.model.RunbookStep`).
    """
    return step.retry_interval_s * step.backoff_rate ** (failures - 1)


# --- phases ------------------------------------------------------------------------------

PHASES = ("detect_s", "alarm_lag_s", "decide_s", "recover_s", "cutover_s")
"""The phases of a failover, in order; together they run from the fault to recovery."""

PHASES_WITH_RECOVERY = (*PHASES, "first_success_s", "rto_s")
"""What :func:`phase_durations` returns: the phases, then the fault to the first
client served and to recovery."""

DELAY_TERMS = ("dns_propagation_s", "standby_ready_s")
"""Delays inside the phases, shown beside them in the phase table: the DNS answers'
propagation after the declaration or the routing step, and the standby's targets
passing their health checks once traffic arrives. They overlap the runbook, so
they are terms of the recovery, not links of the chain of :data:`PHASES`. [s]"""


def phase_durations(*, detected_s: float, decided_s: float, runbook_end_s: float,
                    recovered_s: float, first_success_s: float,
                    signalled_s: float | None = None) -> dict[str, float]:
    """Phase durations from the moments of one failover, the same for every source.

    Every moment is seconds since the fault; a moment that never came is inf
    (the simulator) or NaN (a timeline that lacks the event), and the phases
    that end there come out inf or NaN too; a phase between two moments that
    never came (a decision never taken after an alarm that never fired) is inf.

    Parameters
    ----------
    detected_s : the endpoint declared unhealthy or the alarm, whichever first. [s]
    decided_s : the failover decided (the runbook starts). [s]
    runbook_end_s : the last runbook step finished (the decision if there are none). [s]
    recovered_s : ``recovered_fraction`` of the clients served again (the RTO). [s]
    first_success_s : the first client served again. [s]
    signalled_s : the alarm, when the decision waited for it: the page of the people
        who decided, or the alarm that triggered an automatic failover. None when
        the decision followed the health check's declaration (or it is unknown):
        then any wait for the trigger stays in ``decide_s``. [s]

    Returns
    -------
    ``{"detect_s", "alarm_lag_s", "decide_s", "recover_s", "cutover_s",
    "first_success_s", "rto_s"}`` (:data:`PHASES_WITH_RECOVERY`): ``alarm_lag_s``
    runs from the detection to the alarm the decision waited for (its lag behind
    the health check; 0 without one), ``decide_s`` from there to the decision
    (the people's part; 0 for an automatic failover on its trigger), and
    ``cutover_s`` from the end of the runbook (or the decision, if later) to
    recovery, never negative: DNS may move clients before the runbook ends. [s]
    """
    if signalled_s is None:
        signalled_s = detected_s
    # The operations and their order are part of the rule: the simulator's output is
    # compared byte for byte, so keep ``recovered - max(end, decided)`` as it is.
    cutover_s = (max(recovered_s - max(runbook_end_s, decided_s), 0.0)
                 if math.isfinite(recovered_s) else recovered_s)
    return {
        "detect_s": detected_s,
        # Equal moments (inf included: never detected, never signalled) lag by nothing.
        "alarm_lag_s": signalled_s - detected_s if signalled_s != detected_s else 0.0,
        "decide_s": _since(decided_s, signalled_s),
        "recover_s": _since(runbook_end_s, decided_s),
        "cutover_s": cutover_s,
        "first_success_s": first_success_s,
        "rto_s": recovered_s,
    }


def _since(end_s: float, start_s: float) -> float:
    """``end_s - start_s``, except that a phase that never started (an alarm that
    never fired, a decision never taken) never ends either: inf, not inf - inf. [s]"""
    if math.isinf(end_s) and math.isinf(start_s):
        return math.inf
    return end_s - start_s


# --- summaries of small samples -------------------------------------------------------

QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}
"""The percentiles every summary reports, by name."""

_SENTINEL = 1e300  # stands for inf inside numpy's interpolation, mapped back after


def exact_summary(values) -> dict[str, float]:
    """``{"mean", "p50", "p90", "p95", "p99", "max"}`` of a small sample, exactly.

    Infinite values (never reached) sort above every finite one: the mean is then
    inf, and a percentile is inf once it reaches into them, as in the simulator's
    streaming :class:`drsim.sim.stats.Digest`. NaN for an empty sample. [unit of values]
    """
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return {"mean": math.nan, **{k: math.nan for k in QUANTILES}, "max": math.nan}
    if np.isnan(x).any() or (x < 0).any():
        raise ValueError("a summary takes non-negative values (inf allowed)")
    capped = np.where(np.isinf(x), _SENTINEL, x)
    out = {"mean": math.inf if np.isinf(x).any() else float(x.mean())}
    for name, q in QUANTILES.items():
        v = float(np.quantile(capped, q))
        out[name] = math.inf if v >= _SENTINEL / 2 else v
    out["max"] = float(x.max())
    return out
