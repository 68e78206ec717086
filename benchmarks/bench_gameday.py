"""Time local game days per fault and print the measured figures beside the simulation.

    .venv/bin/python benchmarks/bench_gameday.py [--runs N] [--faults app_crash,partition]

Prints, per fault: wall time of one game day (start-up, teardown), detection, first
success, RTO, lost writes and RPO, the simulated RTO median and each run's percentile
in the simulated distribution. The performance goal: one game day under 30 s wall.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drsim.compare.gameday import beside_simulation
from drsim.gameday.gamedays import local_gamedays
from drsim.scenario import load_scenario
from drsim.scenario.model import FAILURE_MODES

SCENARIO = "local-lab"
"""The bundled platform: local scenario, by name."""


def fmt(values, digits=2) -> str:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return "-"
    vals = sorted(vals)
    mid = vals[len(vals) // 2] if len(vals) % 2 else 0.5 * (vals[len(vals) // 2 - 1] + vals[len(vals) // 2])
    return f"{mid:.{digits}f} [{vals[0]:.{digits}f}..{vals[-1]:.{digits}f}]"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--faults", default=",".join(FAILURE_MODES))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    scenario = load_scenario(SCENARIO)
    print(f"{'fault':<16}{'wall s':>22}{'start-up s':>22}{'detect s':>22}{'RTO s':>22}"
          f"{'sim RTO p50':>12}{'lost writes':>20}{'RPO s':>24}  percentiles")
    for fault in args.faults.split(","):
        t0 = time.monotonic()
        rep = beside_simulation(local_gamedays(scenario, fault=fault, runs=args.runs,
                                               seed=args.seed),
                                seed=args.seed, trials=4000)
        def col(key, rep=rep):
            return [getattr(r.summary, key) for r in rep.runs]

        pcts = " ".join(f"p{x:.0f}" if not math.isnan(x) else "-"
                        for x in rep.measured_rto_percentiles)
        print(f"{fault:<16}{fmt(col('wall_s'), 1):>22}{fmt(col('startup_s'), 1):>22}"
              f"{fmt(col('detect_s')):>22}{fmt(col('rto_s')):>22}"
              f"{rep.simulated['rto_s']['p50']:>12.2f}{fmt(col('lost_writes'), 0):>20}"
              f"{fmt(col('rpo_s'), 3):>24}  {pcts}", flush=True)
        print(f"{'':<16}total {time.monotonic() - t0:.1f} s for {args.runs} runs; "
              f"recovered {rep.measured['recovered_runs']} of {args.runs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
