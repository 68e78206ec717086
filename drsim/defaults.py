"""The one default of trials and seed, for every command, report and API function.

``drsim simulate``, ``explain``, ``compare``, ``cost``, ``report``, ``gameday local``
(its simulation), the notebooks' parameters and :func:`drsim.simulate` all start from
these, so the same scenario gives the same numbers wherever it is looked at (and each
page and JSON states the trials and seed it used). 10,000 trials put the p95 of a
continuous figure within about +-0.4 percentage points of its true quantile (the
binomial standard error at 0.95, times 2).
"""

TRIALS = 10_000
"""Monte Carlo trials per scenario or configuration. [-]"""
SEED = 0
"""Root seed: trial ``i`` draws from ``SeedSequence(SEED, spawn_key=(i,))``."""
ENGINES = ("simpy", "fast", "auto")
"""The engines :func:`drsim.simulate` (and ``drsim simulate``/``sweep --engine``) may name:
the SimPy engine, the vectorised fast path, or the fast path where it covers the
scenario and SimPy elsewhere. Here, not in drsim.sim, so a parser is built without it."""
VALIDATION_TRIALS = 1_000
"""Trials of each simulation in ``drsim calibrate``'s held-out validation, which
simulates once per fold (and once for the scenario as it was): the one place with fewer
trials than :data:`TRIALS`. 1,000 put a simulated p5 or p95 within about +-1.4
percentage points. [-]"""
