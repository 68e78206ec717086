"""The typed summary: its JSON shape, its table, its text, its reprs, against hand-made inputs."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import pytest

from drsim.summary import STAT_NAMES, Stats, Summary

INF = math.inf


def _stats(mean: float, *, scale: float = 1.0) -> dict:
    """A distribution in the old dict shape: ``mean`` and percentiles around it."""
    return {"mean": mean, "p50": 0.9 * mean * scale, "p90": 1.5 * mean * scale,
            "p95": 1.75 * mean * scale, "p99": 2.5 * mean * scale, "max": 4.0 * mean * scale}


def old_dict(**changes) -> dict:
    """A summary in the shape ``drsim simulate --json`` has always printed (before the
    typed summary), with hand-picked figures."""
    d = {
        "scenario": "hand-made",
        "trials": 2500,
        "seed": 11,
        "rto_s": {"mean": 985.25, "p50": 943.125, "p90": 1283.5, "p95": 1432.875, "p99": 1771.5,
                  "max": 3313.25},
        "detect_s": _stats(90.5),
        "first_success_s": _stats(594.0),
        "phases": {"detect_s": _stats(90.5), "decide_s": _stats(81.0),
                   "recover_s": _stats(458.5), "cutover_s": _stats(355.25)},
        "rpo_s": {"orders_db": _stats(0.75), "assets": {**_stats(251.0), "p99": INF, "max": INF,
                                                        "mean": INF}},
        "lost_writes": {"orders_db": _stats(35.5), "assets": {**_stats(502.0), "max": INF,
                                                              "mean": INF}},
        "p_rto_met": 0.41333333333333333,
        "p_rpo_met": 0.6256,
        "p_rpo_met_by_datastore": {"orders_db": 1.0, "assets": 0.6256},
        "meets_objectives": False,  # P(RTO met) 0.413 < 0.9
        "objectives": {"rto_s": 900.0, "rpo_s": 60.0, "recovered_fraction": 0.99,
                       "confidence": 0.9},
    }
    d.update(changes)
    return d


def hand_summary(*, rto_mean_s: float = 985.25, lost_means: dict | None = None,
                 **changes) -> Summary:
    """A :class:`Summary` from hand-picked figures: the mean RTO, the mean lost writes
    per datastore (the datastores), and any other top-level field."""
    d = old_dict(**changes)
    d["rto_s"] = {**d["rto_s"], "mean": rto_mean_s}
    if lost_means is not None:
        d["lost_writes"] = {k: _stats(v) for k, v in lost_means.items()}
        d["rpo_s"] = {k: _stats(1.0) for k in lost_means}
        d["p_rpo_met_by_datastore"] = {k: 1.0 for k in lost_means}
    return Summary.from_dict(d)


def test_as_dict_is_the_json_shape_key_for_key_and_in_order():
    d = old_dict()
    s = Summary.from_dict(d)
    assert s.as_dict() == d
    # same order, same floats: the JSON text is the same, byte for byte
    assert json.dumps(s.as_dict()) == json.dumps(d)
    assert list(s.as_dict()) == ["scenario", "trials", "seed", "rto_s", "detect_s",
                                 "first_success_s", "phases", "rpo_s", "lost_writes",
                                 "p_rto_met", "p_rpo_met", "p_rpo_met_by_datastore",
                                 "meets_objectives", "objectives"]
    assert list(s.as_dict()["rto_s"]) == list(STAT_NAMES)
    assert Summary.from_dict(s.as_dict()) == s


def test_attributes_are_typed_and_the_summary_frozen():
    s = Summary.from_dict(old_dict())
    assert isinstance(s.rto_s, Stats) and s.rto_s.p95 == 1432.875
    assert s.rpo_s["assets"].p99 == INF and s.phases["cutover_s"].mean == 355.25
    assert s.objectives.rto_s == 900.0 and s.objectives.recovered_fraction == 0.99
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.p_rto_met = 1.0
    # the summary keeps its own mappings: changing the caller's dict changes nothing
    phases = {"detect_s": Stats(1, 1, 1, 1, 1, 1)}
    t = dataclasses.replace(s, phases=phases)
    phases["decide_s"] = Stats(2, 2, 2, 2, 2, 2)
    assert list(t.phases) == ["detect_s"]


def test_stats_with_a_count_lead_with_it_as_the_measured_percentiles_do():
    st = Stats.from_dict({"n": 3, "mean": 2.0, "p50": 2.0, "p90": 2.8, "p95": 2.9, "p99": 2.98,
                          "max": 3.0})
    assert list(st.as_dict()) == ["n", *STAT_NAMES] and st.as_dict()["n"] == 3
    assert "n" not in Stats(*range(6)).as_dict()


def test_to_frame_has_one_row_per_metric_with_its_unit_and_the_percentiles_as_columns():
    s = Summary.from_dict(old_dict())
    f = s.to_frame()
    assert list(f.columns) == list(STAT_NAMES)
    assert list(f.index) == [
        "RTO [s]", "first success [s]", "detect [s]", "phase: detect [s]", "phase: decide [s]",
        "phase: recover [s]", "phase: cut over [s]", "RPO orders_db [s]", "RPO assets [s]",
        "lost writes orders_db [writes]", "lost writes assets [writes]"]
    assert f.loc["RTO [s]"].tolist() == [985.25, 943.125, 1283.5, 1432.875, 1771.5, 3313.25]
    assert f.loc["RPO assets [s]", "max"] == INF
    assert f.dtypes.eq(float).all()
    shown = s.to_frame(formatted=True)
    assert shown.loc["RTO [s]"].tolist() == ["985.2", "943.1", "1,283.5", "1,432.9", "1,771.5",
                                             "3,313.2"]
    assert shown.loc["RPO assets [s]", "p99"] == "unbounded"
    assert shown.loc["lost writes assets [writes]", "mean"] == "unbounded"
    never = Summary.from_dict(old_dict(rto_s={**old_dict()["rto_s"], "max": INF}))
    assert never.to_frame(formatted=True).loc["RTO [s]", "max"] == "never"


def test_text_is_the_table_drsim_simulate_prints():
    s = Summary.from_dict(old_dict())
    expected = "\n".join([
        "hand-made: 2,500 trials, seed 11",
        "",
        "                                mean       p50       p90       p95       p99       max",
        "RTO [s]                        985.2     943.1   1,283.5   1,432.9   1,771.5   3,313.2",
        "first success [s]              594.0     534.6     891.0   1,039.5   1,485.0   2,376.0",
        "detect [s]                      90.5      81.5     135.8     158.4     226.2     362.0",
        "phases",
        "  detect [s]                    90.5      81.5     135.8     158.4     226.2     362.0",
        "  decide [s]                    81.0      72.9     121.5     141.8     202.5     324.0",
        "  recover [s]                  458.5     412.7     687.8     802.4   1,146.2   1,834.0",
        "  cutover [s]                  355.2     319.7     532.9     621.7     888.1   1,421.0",
        "RPO",
        "  orders_db [s]                  0.8       0.7       1.1       1.3       1.9       3.0",
        "  assets [s]               unbounded     225.9     376.5     439.2 unbounded unbounded",
        "lost writes",
        "  orders_db [writes]            35.5      31.9      53.2      62.1      88.8     142.0",
        "  assets [writes]          unbounded     451.8     753.0     878.5   1,255.0 unbounded",
        "",
        "P(RTO <= 900.0 s) = 0.413   (RTO: until 0.99 of the affected clients are served)",
        "P(RPO <= 60.0 s) = 0.626   (every datastore)",
        "objectives NOT met at confidence 0.9: RTO, RPO assets",
    ])
    assert s.to_text() == expected
    assert str(s) == expected


def test_repr_is_one_short_line_with_the_headline_figures():
    r = repr(Summary.from_dict(old_dict()))
    assert "\n" not in r and len(r) < 200
    assert r.startswith("Summary('hand-made'") and "2,500 trials" in r
    assert "p95 1,432.9 s" in r and "0.413" in r and "0.626" in r
    assert len(repr(Stats(1.0, 2.0, 3.0, 4.0, 5.0, INF))) < 100


def test_html_shows_the_figures_and_the_probabilities():
    s = Summary.from_dict(old_dict(scenario="a<b"))
    page = s._repr_html_()
    assert "a&lt;b" in page and "a<b" not in page
    for cell in ("985.2", "1,432.9", "3,313.2", "unbounded", "phase: cut over [s]",
                 "lost writes assets [writes]", "0.413", "0.626", "RPO &lt;= 60.0 s, assets"):
        assert cell in page, cell
    # the RTO row, cell by cell, as the formatted frame (and the CLI) has it
    row = re.search(r"<th>RTO \[s\]</th>(.*?)</tr>", page, re.DOTALL).group(1)
    cells = s.to_frame(formatted=True).loc["RTO [s]"].tolist()
    assert re.findall(r"<td>([^<]*)</td>", row) == cells


def test_simulation_result_and_cost_breakdown_have_short_reprs():
    from drsim import load_scenario, price_scenario, simulate
    from tests.conftest import SCENARIOS

    sc = load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    r = simulate(sc, trials=20, seed=1, timeline_trials=[0])
    text = repr(r)
    assert "\n" not in text and len(text) < 200, text
    assert "'seed-warm-standby'" in text and "20 trials" in text and "trials table 20 x" in text
    assert r.scenario is sc and isinstance(r.summary, Summary)
    assert r._repr_html_() == r.summary._repr_html_()
    b = price_scenario(sc)
    text = repr(b)
    assert "\n" not in text and len(text) < 200, text
    assert f"{b.monthly_usd:,.2f} USD/month" in text and f"{len(b.lines)} lines" in text


def test_json_of_a_summary_is_the_json_of_its_dict():
    from drsim.jsontext import plain, to_json

    s = Summary.from_dict(old_dict())
    assert to_json(s) == to_json(s.as_dict())
    assert plain({"simulated": s})["simulated"]["rpo_s"]["assets"]["max"] is None


def probe_dict(**changes) -> dict:
    """The old shape with the external probe's RTO, placed right after ``rto_s``."""
    d = old_dict(**changes)
    out = {}
    for k, v in d.items():
        out[k] = v
        if k == "rto_s":
            out["probe_rto_s"] = _stats(120.0)
    return out


def test_probe_rto_follows_rto_in_the_json_the_frame_and_the_text():
    d = probe_dict()
    s = Summary.from_dict(d)
    assert s.probe_rto_s == Stats.from_dict(_stats(120.0))
    assert json.dumps(s.as_dict()) == json.dumps(d)
    assert list(s.as_dict())[3:6] == ["rto_s", "probe_rto_s", "detect_s"]
    assert list(s.to_frame().index)[:3] == ["RTO [s]", "probe RTO [s]", "first success [s]"]
    lines = s.to_text().splitlines()
    assert lines[3].startswith("RTO [s]")
    assert lines[4] == ("probe RTO [s]                  120.0     108.0     180.0     210.0"
                        "     300.0     480.0")
    assert lines[5].startswith("first success [s]")
    # a summary from before the probe was simulated has none, and no row
    assert Summary.from_dict(old_dict()).probe_rto_s is None


def test_rto_metric_probe_names_the_probe_in_the_probability_line():
    d = probe_dict(objectives={"rto_s": 900.0, "rpo_s": 60.0, "recovered_fraction": 0.99,
                               "rto_metric": "probe", "confidence": 0.9})
    s = Summary.from_dict(d)
    assert s.objectives.rto_metric == "probe"
    assert s.as_dict() == d and list(s.as_dict()["objectives"])[-2] == "rto_metric"
    assert ("P(probe RTO <= 900.0 s) = 0.413   (probe RTO: until an external probe is served "
            "again)") in s.to_text().splitlines()
    assert s.objective_lines()[0] == (
        "probe RTO <= 900.0 s (until an external probe is served again)", s.p_rto_met)
    assert "P(probe RTO <= 900.0 s) 0.413" in repr(s)
    # the default metric keeps the objectives' old JSON and the old line
    plain = Summary.from_dict(old_dict())
    assert plain.objectives.rto_metric == "clients"
    assert "rto_metric" not in plain.as_dict()["objectives"]
    assert plain.objective_lines()[0][0] == ("RTO <= 900.0 s "
                                             "(until 0.99 of the affected clients are served)")


@pytest.mark.parametrize("p_rto, p_assets, confidence, meets, missed", [
    (0.95, 0.95, 0.9, True, []),
    (0.90, 0.90, 0.9, True, []),          # at the confidence counts as met
    (0.95, 0.6256, 0.9, False, ["RPO assets"]),
    (0.41, 0.95, 0.9, False, ["RTO"]),
    (0.41, 0.6256, 0.4, True, []),
    (0.41, 0.6256, 1.0, False, ["RTO", "RPO assets"]),
])
def test_objectives_are_met_when_every_probability_reaches_the_confidence(
        p_rto, p_assets, confidence, meets, missed):
    d = old_dict(p_rto_met=p_rto,
                 p_rpo_met_by_datastore={"orders_db": 1.0, "assets": p_assets})
    d["objectives"] = {**d["objectives"], "confidence": confidence}
    s = Summary.from_dict(d)
    assert s.meets_objectives is meets
    gaps = s.shortfalls()
    assert gaps["rto"] == pytest.approx(confidence - p_rto)
    assert gaps["rpo.assets"] == pytest.approx(confidence - p_assets)
    verdict = s.verdict()
    assert verdict.startswith("objectives met" if meets else "objectives NOT met")
    for name in missed:
        assert name in verdict
    assert s.as_dict()["meets_objectives"] is meets
