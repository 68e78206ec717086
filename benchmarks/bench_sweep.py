"""Benchmark of ``drsim sweep``: configurations per second, CPU per configuration, memory.

    .venv/bin/python benchmarks/bench_sweep.py [--configs 1000] [--small 100]
        [--trials 2000] [--workers 2] [--engine auto] [--dask]

Runs a latin-hypercube sweep of the seed scenario (interval, threshold, TTL, standby
size) of ``--small`` and of ``--configs`` configurations, each in a fresh process, and
prints for each: wall time, configurations per second, CPU seconds per configuration
(the parent and its workers together, what a cluster bills), and the peak memory (max
RSS) of the parent and of its workers; memory flat in the number of configurations means
the two runs' peaks agree. Then what a 10^5-configuration study costs in CPU-hours at
that rate. ``--dask`` runs the larger sweep again on a local ``dask.distributed``
cluster of ``--workers`` processes (the path ``--scheduler`` takes). Prints figures,
asserts nothing. Target (issue 15): 1,000 configurations x 2,000 trials on 2 cores in
under 5 minutes with the fast path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

STUDY_CONFIGS = 100_000
"""The study size the CPU-hours are estimated for. [-]"""

RUN = """
import json, resource, sys, time
from drsim.sweep import run_sweep
configs, trials, workers, engine, dask = sys.argv[1:6]
spec = {"base": "seed-warm-standby", "trials": int(trials), "seed": 1, "design": "latin",
        "samples": int(configs), "fields": {
            "health_check.interval_s": [10, 30],
            "health_check.failure_threshold": {"low": 1, "high": 5},
            "dns.ttl_s": {"low": 10, "high": 300},
            "compute.standby_tasks": {"low": 0, "high": 3}}}
cluster = None
kwargs = {"workers": int(workers)}
if dask == "1":
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                           dashboard_address=None, worker_dashboard_address=None,
                           host="127.0.0.1")
    kwargs = {"scheduler": cluster.scheduler_address}
t = time.perf_counter()
r = run_sweep(spec, engine=engine, progress=False, **kwargs)
elapsed = time.perf_counter() - t
if cluster is not None:
    cluster.close()
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu_s = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"configs": len(r.table), "elapsed_s": elapsed, "cpu_s": cpu_s,
                  "parent_mb": own.ru_maxrss / 1024, "worker_mb": kids.ru_maxrss / 1024,
                  "engines": r.table["engine"].value_counts().to_dict(),
                  "invalid": int(r.table["error"].notna().sum()),
                  "frontier": len(r.frontier)}))
"""


def run(configs: int, trials: int, workers: int, engine: str, dask: bool) -> dict:
    """One sweep in a fresh process (so its peak memory is its own)."""
    out = subprocess.run([sys.executable, "-c", RUN, str(configs), str(trials), str(workers),
                          engine, "1" if dask else "0"],
                         capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    n = r["configs"]
    print(f"{label}: {n:,} configurations in {r['elapsed_s']:,.1f} s = "
          f"{n / r['elapsed_s']:,.2f} configurations/s; {r['cpu_s'] / n:.3f} CPU s per "
          f"configuration; peak RSS parent {r['parent_mb']:,.0f} MB, workers "
          f"{r['worker_mb']:,.0f} MB; engines {r['engines']}, invalid {r['invalid']}, "
          f"frontier {r['frontier']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", type=int, default=1000)
    p.add_argument("--small", type=int, default=100)
    p.add_argument("--trials", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--engine", default="auto", choices=("auto", "fast", "simpy"))
    p.add_argument("--dask", action="store_true",
                   help="also run --configs on a local dask.distributed cluster")
    a = p.parse_args()
    print(f"{a.trials:,} trials per configuration, {a.workers} workers, engine {a.engine}, "
          f"load average {os.getloadavg()[0]:.2f}")
    small = run(a.small, a.trials, a.workers, a.engine, False)
    show("small", small)
    big = run(a.configs, a.trials, a.workers, a.engine, False)
    show("large", big)
    print(f"memory: parent {small['parent_mb']:,.0f} -> {big['parent_mb']:,.0f} MB, workers "
          f"{small['worker_mb']:,.0f} -> {big['worker_mb']:,.0f} MB from {a.small:,} to "
          f"{a.configs:,} configurations")
    cpu_h = big["cpu_s"] / big["configs"] * STUDY_CONFIGS / 3600
    print(f"a {STUDY_CONFIGS:,}-configuration study at {a.trials:,} trials: about "
          f"{cpu_h:,.1f} CPU-hours ({cpu_h / 64:,.2f} h on 64 cores)")
    if a.dask:
        show("dask LocalCluster", run(a.configs, a.trials, a.workers, a.engine, True))


if __name__ == "__main__":
    main()
