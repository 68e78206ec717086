"""Sweeps and the engines: each row says which engine ran and why ``auto`` fell back;
``fast`` leaves a configuration it does not cover as a row with the reason."""

from __future__ import annotations

import math

from drsim.sim import simulate
from drsim.sweep import run_sweep

SPEC = {"base": "seed-warm-standby", "trials": 300, "seed": 1,
        "fields": {"failure.mode": ["region_outage", "brownout"], "dns.ttl_s": [10, 60]}}


def test_auto_runs_the_fast_path_where_it_covers_and_says_why_not_elsewhere():
    t = run_sweep(SPEC, engine="auto", progress=False).table.set_index("config")
    outage, brownout = t[t["failure.mode"] == "region_outage"], t[t["failure.mode"] == "brownout"]
    assert set(outage["engine"]) == {"fast"} and outage["fallback"].isna().all()
    assert set(brownout["engine"]) == {"simpy"}
    for why in brownout["fallback"]:
        assert "brownout" in why and "fast path covers" in why
    assert t["error"].isna().all()
    assert t["p_objectives_met"].between(0, 1).all()  # the joint probability, both engines


def test_fast_leaves_what_it_does_not_cover_as_a_row_with_the_reason():
    t = run_sweep(SPEC, engine="fast", progress=False).table
    brownout = t[t["failure.mode"] == "brownout"]
    assert brownout["engine"].isna().all() and brownout["rto_p95_s"].isna().all()
    for msg in brownout["error"]:
        assert "brownout" in msg
    outage = t[t["failure.mode"] == "region_outage"]
    assert set(outage["engine"]) == {"fast"} and outage["error"].isna().all()


def test_a_row_is_the_engine_s_own_summary_and_simpy_rows_agree_with_simulate():
    for engine in ("fast", "simpy"):
        row = run_sweep({**SPEC, "fields": {"dns.ttl_s": [60]}}, engine=engine,
                        progress=False).table.iloc[0]
        summary = simulate("seed-warm-standby", trials=300, seed=1, keep_trials=False,
                           progress=False, engine=engine).summary
        assert row["engine"] == engine
        assert row["rto_p95_s"] == summary.rto_s.p95
        assert row["p_objectives_met"] == summary.p_objectives_met


def test_cheapest_meeting_objectives_is_named_when_one_does():
    """Loose objectives every configuration of a hot standby meets: the cheapest is named."""
    spec = {"base": "seed-warm-standby", "trials": 300, "seed": 1, "fields": {
        "objectives.rto_s": [36000], "objectives.rpo_s": [36000],
        "compute.standby_tasks": [1, 3]}}
    r = run_sweep(spec, engine="auto", progress=False)
    assert (r.table["p_objectives_met"] >= r.table["confidence"]).all()
    cheapest = r.table.loc[r.table["monthly_usd"].idxmin(), "config"]
    assert r.cheapest_meeting_objectives == cheapest
    assert not math.isnan(r.table["p_objectives_met"].iloc[0])
