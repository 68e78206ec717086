"""Sweeps on Dask: a real dask.distributed cluster on loopback gives the same table as
the local run; an unreachable scheduler is a clear message within the timeout."""

from __future__ import annotations

import socket
import time

import pandas as pd
import pytest

from drsim.errors import DrsimError
from drsim.sweep import run_sweep

distributed = pytest.importorskip("distributed")

SPEC = {"bases": ["seed-warm-standby", "hot-standby"], "trials": 80, "seed": 5,
        "fields": {"health_check.failure_threshold": [1, 3, 11], "dns.ttl_s": [10, 120]}}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None, worker_dashboard_address=None,
                                  host="127.0.0.1") as c:
        yield c


def test_the_cluster_gives_the_local_table(cluster, tmp_path):
    local = run_sweep(SPEC, progress=False)
    on_dask = run_sweep(SPEC, scheduler=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(on_dask.table, local.table)
    assert on_dask.frontier == local.frontier
    assert local.table["error"].notna().sum() == 4  # threshold 11 refused on aws, per row
    assert list(local.table["base"]) == ["seed-warm-standby"] * 6 + ["hot-standby"] * 6
    # and into a Parquet folder, resumable like a local run
    out = tmp_path / "r.parquet"
    first = run_sweep(SPEC, scheduler=cluster.scheduler_address, out=out, progress=False)
    pd.testing.assert_frame_equal(first.table, local.table)
    again = run_sweep(SPEC, out=out, progress=False)
    assert again.skipped == len(local.table)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_an_unreachable_scheduler_fails_within_the_timeout(tmp_path):
    address = f"tcp://127.0.0.1:{closed_port()}"
    start = time.monotonic()
    with pytest.raises(DrsimError, match=f"--scheduler {address}: cannot reach a Dask "):
        run_sweep(SPEC, scheduler=address, connect_timeout_s=2, out=tmp_path / "r.parquet",
                  progress=False)
    assert time.monotonic() - start < 15
    assert not (tmp_path / "r.parquet").exists()  # nothing written


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")  # the other cluster's, loopback
def test_worker_processes_give_the_local_table():
    """Workers in their own processes: the tasks travel pickled and drsim is imported there."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, worker_dashboard_address=None,
                                  host="127.0.0.1") as c:
        on_dask = run_sweep(SPEC, scheduler=c.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(on_dask.table, run_sweep(SPEC, progress=False).table)


def test_dask_batches_hold_one_base_each():
    from drsim.sweep.configurations import Configuration
    from drsim.sweep.evaluate import Task
    from drsim.sweep.runners import _batches

    tasks = [Task(Configuration(i, "ab"[i >= 5], {}), None, 1, 1, "auto") for i in range(9)]
    assert [[t.config.index for t in b] for b in _batches(tasks, 3)] == [
        [0, 1, 2], [3, 4], [5, 6, 7], [8]]
