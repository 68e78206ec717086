"""Trials per second of the fast path (drsim.fast) on each bundled scenario, one core.

Prints, per scenario: trials/s of the whole ``simulate(..., engine="fast")`` (columns,
digests and summary) by the wall clock and per CPU second of this process, and the
same for the columns alone (``drsim.fast.columns.trial_columns``), which is what a
sweep's configurations cost beyond their summaries. Figures, never assertions: the
machine may be shared.

    python benchmarks/bench_fast.py [--trials 200000] [--seed 1] [NAME ...]
"""

from __future__ import annotations

import argparse
import time

from drsim.fast import coverage
from drsim.fast.columns import FastPlan, trial_columns
from drsim.scenario import load_scenario
from drsim.sim import TrialPlan, simulate
from drsim.sim.montecarlo import CHUNK_TRIALS

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


if __name__ == "__main__":
    main()
