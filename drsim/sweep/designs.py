"""Design points of a sweep: every combination (grid) or ``samples`` draws (random, latin).

A design point is ``{dotted path: value}``. Points are produced lazily, so a
10^5-point grid never sits in memory as a list. Random and latin designs draw
from one :class:`numpy.random.Generator` seeded from the spec's seed through a
:class:`~numpy.random.SeedSequence` of its own (``[DESIGN_STREAM, seed]``), so the
design never shares draws with the trials (which use ``SeedSequence(seed,
spawn_key=(trial,))``) and the same spec always gives the same points.

Random: each field's position ``u`` in [0, 1) is uniform and independent. Latin
hypercube: each field's ``n`` positions fall one in each of ``n`` equal strata, in
a random order per field. A position maps onto a list by index (``floor(u * len)``)
and onto a range linearly (or in log space with ``log: true``); a range with
whole-number bounds gives whole numbers, each equally likely.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np

from drsim.sweep.spec import Range, SweepSpec

DESIGN_STREAM = 0x5EE9
"""Mixed with the spec's seed for the design's own generator (see the module)."""


def count_points(spec: SweepSpec) -> int:
    """Design points of one base: the grid's product of list lengths, or ``samples``. [-]"""
    if spec.design == "grid":
        return math.prod(len(v) for v in spec.fields.values())
    return int(spec.samples)


def design_points(spec: SweepSpec) -> Iterator[dict]:
    """The design points in order (see the module)."""
    paths = list(spec.fields)
    if spec.design == "grid":
        for combo in itertools.product(*spec.fields.values()):
            yield dict(zip(paths, combo))
        return
    columns = _positions(spec)
    for k in range(spec.samples):
        yield {path: _value_at(spec.fields[path], float(columns[path][k])) for path in paths}


def _positions(spec: SweepSpec) -> dict[str, np.ndarray]:
    """Each field's positions in [0, 1), ``samples`` of them, drawn field by field."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([DESIGN_STREAM, spec.seed])))
    n = spec.samples
    out = {}
    for path in spec.fields:
        if spec.design == "latin":
            out[path] = (rng.permutation(n) + rng.random(n)) / n
        else:
            out[path] = rng.random(n)
    return out


def _value_at(values: list | Range, u: float):
    """The value at position ``u`` in [0, 1) of a list or a range."""
    if isinstance(values, list):
        return values[min(int(u * len(values)), len(values) - 1)]
    if values.integer:
        # Whole numbers low..high, each an equal share of [0, 1) (of log space with log).
        hi = values.high + 1
        if values.log:
            x = math.exp(math.log(values.low) + u * (math.log(hi) - math.log(values.low)))
        else:
            x = values.low + u * (hi - values.low)
        return int(min(max(math.floor(x), values.low), values.high))
    if values.log:
        return float(math.exp(math.log(values.low) + u * (math.log(values.high)
                                                          - math.log(values.low))))
    return float(values.low + u * (values.high - values.low))
