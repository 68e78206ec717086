"""The failover engine: SimPy trials of a regional failure, run as Monte Carlo.

Data flow: Scenario -> :class:`TrialPlan` (per scenario) -> :meth:`TrialPlan.run`
(one trial: fault, health checks, alarm, decision, runbook, capacity, DNS,
data loss) -> :func:`simulate` (many trials, summary, timelines).
"""

from drsim.sim.montecarlo import SimulationResult, record_timelines, simulate, trial_rng
from drsim.sim.trial import TrialPlan

__all__ = ["SimulationResult", "TrialPlan", "record_timelines", "simulate", "trial_rng"]
