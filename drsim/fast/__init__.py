"""The fast path: every trial of a chunk at once in NumPy, for the scenarios it covers.

``simulate(..., engine="fast")`` (or ``"auto"``) computes the same columns as the SimPy
engine (:attr:`drsim.sim.TrialPlan.columns`), with the same distribution of each (not
the same values trial by trial), the same :class:`drsim.summary.Summary` and the same
trials table, at about a hundred times the speed: what a sweep over many
configurations needs.

Scope
-----
Covered: every fault whose health checks all fail or all pass (``region_outage``,
``partition``, ``app_crash``, ``app_hang``, ``db_primary_loss`` with a deep or a
shallow check), so nothing flaps and the primary serves nothing after the fault; and
with it everything else the SimPy engine models: automatic (health check or alarm
trigger) and manual decisions, the alarm's closed form (late periods on missing
data), runbook DAGs with retries, back-off and manual fallback, fencing steps
(``fenced_s``), failover and manual routing with propagation, active/active (home
clients), stuck clients and TTL violators, scale-up and standby capacity with
``standby_ready_s``, the external probe with partial capacity, replicated and backup
datastores (S3 RTC truncation included), and the horizon (what would happen at or
after ``horizon_s`` never does, as with SimPy's ``env.run(until=horizon_s)``). Every
bundled scenario is covered.

Not covered (:func:`coverage` says which, ``engine="auto"`` runs the SimPy engine):
a brownout (checks that fail only sometimes can flap, and its primary keeps serving
and taking writes), and an alarm that breaches only by chance in each period.
Timelines (``timeline_trials``) always come from the SimPy engine.

How: the checkers' declaration is an order statistic of their flip times (one Beta
draw per trial), the alarm and decision are closed forms, the runbook a loop over its
steps and attempts, the capacity an order statistic of task start times, and of the
clients only the smallest and the ``k``-th delay are drawn (:mod:`drsim.fast.clients`).
Draws come from one stream per component and chunk (:mod:`drsim.fast.streams`):
reproducible from the seed and the chunk, the same for any number of workers, and
common across configurations component by component.
"""

from __future__ import annotations

from drsim.fast.coverage import coverage
from drsim.sim.trial import DEFAULT_HORIZON_S

__all__ = ["coverage", "simulate_fast"]


def simulate_fast(scenario, trials: int, seed: int, *, keep_trials: bool = False,
                  horizon_s: float = DEFAULT_HORIZON_S):
    """Simulate ``trials`` failures of ``scenario`` on the fast path.

    ``drsim.sim.simulate(scenario, trials, seed, engine="fast", ...)`` with a summary-only
    default: a DrsimError with :func:`coverage`'s reason for a scenario the fast path
    does not cover.

    Parameters
    ----------
    scenario : a drsim.Scenario, a path to a scenario file or a bundled scenario's name.
    trials : number of trials. [-]
    seed : root seed.
    keep_trials : return the trials table too.
    horizon_s : what has not happened this long after the fault never happens. [s]

    Returns
    -------
    :class:`drsim.sim.SimulationResult` with ``engine == "fast"``.
    """
    from drsim.sim.montecarlo import simulate  # drsim.sim imports this package first

    return simulate(scenario, trials, seed, keep_trials=keep_trials, horizon_s=horizon_s,
                    engine="fast", progress=False)
