"""``drsim simulate --engine``: the fast path from the command line, its JSON and text,
and the timeline options, which only the SimPy engine can serve."""

from __future__ import annotations

import json

from drsim.sim import simulate
from tests.conftest import run_cli


def test_fast_prints_the_fast_paths_summary_and_names_it():
    out = run_cli("simulate", "seed-warm-standby", "--trials", "3000", "--seed", "4",
                   "--engine", "fast", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["engine"] == "fast" and d["engine_fallback"] is None
    direct = simulate("seed-warm-standby", trials=3000, seed=4, engine="fast",
                      keep_trials=False).summary
    assert d["rto_s"]["p95"] == direct.rto_s.p95
    text = run_cli("simulate", "seed-warm-standby", "--trials", "3000", "--seed", "4",
                    "--engine", "fast")
    assert "engine: fast path" in text.stdout


def test_auto_says_why_it_fell_back_on_a_brownout():
    out = run_cli("simulate", "seed-warm-standby", "--trials", "200", "--engine", "auto",
                   "--set", "failure.mode=brownout", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["engine"] == "simpy" and "brownout" in d["engine_fallback"]


def test_the_default_engine_is_simpy_and_the_text_does_not_change():
    out = run_cli("simulate", "seed-warm-standby", "--trials", "300", "--json")
    assert json.loads(out.stdout)["engine"] == "simpy"
    text = run_cli("simulate", "seed-warm-standby", "--trials", "300").stdout
    assert "engine:" not in text


def test_a_timeline_with_the_fast_path_is_refused_with_the_way_out(tmp_path):
    tl = tmp_path / "t.csv"
    out = run_cli("simulate", "seed-warm-standby", "--trials", "100", "--engine", "fast",
                   "--timeline", str(tl))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--engine simpy" in out.stderr and not tl.exists()
    # auto runs the SimPy engine for a timeline (trial i must be the timeline's trial i)
    out = run_cli("simulate", "seed-warm-standby", "--trials", "100", "--engine", "auto",
                   "--timeline", str(tl), "--timeline-percentile", "95", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["engine"] == "simpy" and tl.exists()
