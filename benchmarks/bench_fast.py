"""Trials per second of the fast path (drsim.fast) on each bundled scenario, one core.

Prints, per scenario: trials/s of the whole ``simulate(..., engine="fast")`` (columns,
digests and summary) by the wall clock and per CPU second of this process, and the
same for the columns alone (``drsim.fast.columns.trial_columns``), which is what a
sweep's configurations cost beyond their summaries; then what one column's digest
costs (``Digest().add(x).summary()`` of 2,000 and 50,000 lognormal values: a sweep
configuration digests ~30 columns of 2,000). Figures, never assertions: the
machine may be shared.

    python benchmarks/bench_fast.py [--trials 200000] [--seed 1] [NAME ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from drsim.fast import coverage
from drsim.fast.columns import FastPlan, trial_columns
from drsim.scenario import load_scenario
from drsim.sim import TrialPlan, simulate
from drsim.sim.montecarlo import CHUNK_TRIALS
from drsim.sim.stats import Digest

BUNDLED = ("seed-warm-standby", "warm-standby", "hot-standby", "pilot-light",
           "backup-restore", "active-active", "local-lab")


def timed(fn) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` of ``fn()``."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def columns_only(scenario, trials: int, seed: int) -> None:
    fp = FastPlan(TrialPlan(scenario))
    for chunk, start in enumerate(range(0, trials, CHUNK_TRIALS)):
        trial_columns(fp, seed, chunk, min(CHUNK_TRIALS, trials - start), fp.plan.horizon_s)


def digest_ms(values: np.ndarray, repeats: int) -> float:
    """Wall milliseconds of ``Digest().add(values).summary()``, the best of three rounds."""
    best = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            Digest().add(values).summary()
        best.append((time.perf_counter() - start) / repeats)
    return 1e3 * min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=BUNDLED, help="bundled scenario names")
    parser.add_argument("--trials", type=int, default=200_000, help="trials per scenario")
    parser.add_argument("--seed", type=int, default=1, help="root seed")
    args = parser.parse_args()
    print(f"{'scenario':20s} {'simulate/s wall':>16s} {'per CPU s':>12s} "
          f"{'columns/s wall':>15s} {'per CPU s':>12s}")
    for name in args.names:
        scenario = load_scenario(name)
        why = coverage(scenario)
        if why:
            print(f"{name:20s} not covered: {why}")
            continue
        simulate(scenario, CHUNK_TRIALS, args.seed, engine="fast", keep_trials=False,
                 progress=False)  # warm-up: imports, caches
        wall, cpu = timed(lambda s=scenario: simulate(s, args.trials, args.seed, engine="fast",
                                                      keep_trials=False, progress=False))
        cwall, ccpu = timed(lambda s=scenario: columns_only(s, args.trials, args.seed))
        n = args.trials
        print(f"{name:20s} {n / wall:16,.0f} {n / cpu:12,.0f} {n / cwall:15,.0f} "
              f"{n / ccpu:12,.0f}", flush=True)
    rng = np.random.default_rng(args.seed)
    for n in (CHUNK_TRIALS, 50_000):
        print(f"digest of {n:,} values (add + summary): "
              f"{digest_ms(rng.lognormal(5, 2, n), max(5, 400_000 // n)):.3f} ms", flush=True)


if __name__ == "__main__":
    main()
