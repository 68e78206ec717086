"""Parquet results: written as rows finish, a crash keeps complete rows, the same spec
resumes and skips them, another spec at the same place is refused and nothing is
overwritten."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from drsim.errors import DrsimError
from drsim.sweep import evaluate, run, run_sweep
from drsim.sweep.store import MANIFEST
from tests.conftest import run_cli

SPEC = {"base": "seed-warm-standby", "trials": 60, "seed": 2, "design": "latin", "samples": 6,
        "fields": {"dns.ttl_s": {"low": 5, "high": 300},
                   "health_check.failure_threshold": {"low": 1, "high": 5}}}


def parts(out):
    return sorted(p.name for p in out.glob("part-*.parquet"))


def test_out_holds_the_table_and_a_rerun_skips_everything(tmp_path):
    out = tmp_path / "r.parquet"
    first = run_sweep(SPEC, out=out, progress=False)
    assert (out / MANIFEST).is_file() and parts(out)
    on_disk = pd.read_parquet(out)  # any Parquet reader opens the folder whole
    assert sorted(on_disk["config"]) == list(range(6))
    again = run_sweep(SPEC, out=out, progress=False)
    assert again.skipped == 6
    pd.testing.assert_frame_equal(again.table, first.table)
    memory = run_sweep(SPEC, progress=False)
    pd.testing.assert_frame_equal(memory.table, first.table)


def test_a_crash_keeps_complete_rows_and_the_rerun_resumes(tmp_path, monkeypatch):
    out = tmp_path / "r.parquet"
    full = run_sweep(SPEC, progress=False).table
    real = evaluate.evaluate_task

    def crash_at_4(task):
        if task.config.index == 4:
            raise RuntimeError("worker lost")
        return real(task)

    monkeypatch.setattr(run, "FLUSH_ROWS", 3)
    monkeypatch.setattr("drsim.sweep.runners.evaluate_task", crash_at_4)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_sweep(SPEC, out=out, progress=False)
    kept = pd.read_parquet(out)
    assert sorted(kept["config"]) == [0, 1, 2, 3]  # a full part of 3, then the 1 row finished
    assert not list(out.glob(".*"))  # no temporary part left behind
    monkeypatch.setattr("drsim.sweep.runners.evaluate_task", real)
    resumed = run_sweep(SPEC, out=out, progress=False)
    assert resumed.skipped == 4
    pd.testing.assert_frame_equal(resumed.table, full)


def test_another_spec_at_the_same_out_is_refused_and_nothing_is_overwritten(tmp_path):
    out = tmp_path / "r.parquet"
    run_sweep(SPEC, out=out, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DrsimError, match="holds the results of another sweep"):
        run_sweep({**SPEC, "seed": 3}, out=out, progress=False)
    with pytest.raises(DrsimError, match="another sweep"):
        run_sweep(SPEC, out=out, engine="simpy", progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_resume_says_how_many_were_skipped(tmp_path, monkeypatch):
    spec = tmp_path / "s.yaml"
    spec.write_text(json.dumps(SPEC))
    out = tmp_path / "r.parquet"
    monkeypatch.setattr(run, "FLUSH_ROWS", 4)
    run_sweep(SPEC, out=out, progress=False)
    assert len(parts(out)) == 2
    (out / parts(out)[-1]).unlink()  # as if the run had stopped before its last part
    done = run_cli("sweep", spec, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "resumed: 4 configurations were already in" in done.stdout
    other = tmp_path / "other.yaml"
    other.write_text(json.dumps({**SPEC, "trials": 61}))
    refused = run_cli("sweep", other, "--out", out)
    assert refused.returncode == 2 and "another sweep" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_out_that_is_a_file_or_a_foreign_folder_is_refused(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_text("not mine")
    with pytest.raises(DrsimError, match="is a file"):
        run_sweep(SPEC, out=f, progress=False)
    d = tmp_path / "d.parquet"
    d.mkdir()
    (d / "data.csv").write_text("a\n")
    with pytest.raises(DrsimError, match="holds no sweep results"):
        run_sweep(SPEC, out=d, progress=False)
    assert f.read_text() == "not mine" and [p.name for p in d.iterdir()] == ["data.csv"]


def test_without_pyarrow_a_clear_message_before_any_work(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *a, **kw):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(DrsimError, match=r"needs pyarrow.*drsim\[parquet\]"):
        run_sweep(SPEC, out=tmp_path / "r.parquet", progress=False)
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.slow
def test_ctrl_c_keeps_the_rows_finished_and_the_same_command_resumes(tmp_path):
    """The real command in 2 processes, interrupted by SIGINT (by PID) once its first part
    is on disk: exit 130, every finished row kept whole, and the same command resumes.
    2,000 configurations, so that much is left when the first 200 are written."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import PYTHON_WITH_DEFAULT_SIGINT, ROOT

    spec = tmp_path / "s.yaml"
    spec.write_text(json.dumps({"base": "seed-warm-standby", "trials": 50, "seed": 1,
                                "design": "random", "samples": 2000,
                                "fields": {"dns.ttl_s": {"low": 5, "high": 300}}}))
    out = tmp_path / "r.parquet"
    args = ["-m", "drsim", "sweep", str(spec), "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen([*PYTHON_WITH_DEFAULT_SIGINT, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not parts(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the first part to appear, not for a time
        assert parts(out), f"no part appeared; {proc.poll()=}"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    kept = pd.read_parquet(out)
    assert 200 <= len(kept) < 2000 and kept["rto_p95_s"].notna().all()
    assert kept["config"].is_unique
    again = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                           timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert f"resumed: {len(kept):,} configurations were already in" in again.stdout
    assert sorted(pd.read_parquet(out)["config"]) == list(range(2000))
