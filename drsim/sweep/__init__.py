"""Sweeps at scale: many configurations from one spec, their table, frontier and cheapest.

``run_sweep(spec, workers=1, engine="auto", out=None, scheduler=None)`` simulates and
prices every configuration a spec describes (a grid, or random or latin-hypercube
samples of any scenario fields over one or more bases) and returns a
:class:`SweepResult`: ``.table`` (one row per configuration), ``.frontier`` (the
Pareto-minimal rows over bill, p95 RTO and p95 RPO) and
``.cheapest_meeting_objectives``. ``drsim sweep SPEC.yaml`` is its command line.

Modules: :mod:`~drsim.sweep.spec` (the spec), :mod:`~drsim.sweep.designs` (design
points), :mod:`~drsim.sweep.configurations` (points applied to a base),
:mod:`~drsim.sweep.evaluate` (one configuration, one row), :mod:`~drsim.sweep.frontier`,
:mod:`~drsim.sweep.store` (Parquet, resumable), :mod:`~drsim.sweep.runners` (local
processes, Dask) and :mod:`~drsim.sweep.run`.
"""

from drsim.sweep.run import SweepResult, run_sweep
from drsim.sweep.spec import SweepSpec, SweepSpecError, load_spec

__all__ = ["SweepResult", "SweepSpec", "SweepSpecError", "load_spec", "run_sweep"]
