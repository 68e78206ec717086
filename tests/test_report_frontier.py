"""Notebook 01's grid of every setting together: a base given as a Scenario object, and
the frontier's note and table against the sweep's own rows."""

from __future__ import annotations

import pytest

from drsim import load_scenario
from drsim.report.frontier import frontier_display, frontier_figure, frontier_note
from drsim.sim import simulate
from drsim.sweep import run_sweep

TRIALS = 60


@pytest.fixture(scope="module")
def grid():
    # An override the spec itself does not sweep: the rows must carry it.
    base = load_scenario("seed-warm-standby", {"health_check.failure_threshold": 5})
    return base, run_sweep({"base": base, "trials": TRIALS, "seed": 3, "design": "grid",
                            "fields": {"dns.ttl_s": [10, 300],
                                       "compute.standby_tasks": [0, 3]}},
                           engine="simpy", progress=False)


def test_a_scenario_object_is_a_base_with_its_overrides(grid):
    base, result = grid
    assert set(result.table["base"]) == {"seed-warm-standby"}
    row = result.table[(result.table["dns.ttl_s"] == 300)
                       & (result.table["compute.standby_tasks"] == 0)].iloc[0]
    # the same configuration simulated directly: threshold 5 from the base, TTL 300 and
    # pilot light from the grid
    direct = simulate(base.with_overrides({"dns.ttl_s": 300, "compute.standby_tasks": 0,
                                           "strategy": "pilot_light"}),
                      trials=TRIALS, seed=3, keep_trials=False).summary
    assert row["rto_p95_s"] == direct.rto_s.p95
    assert row["strategy"] == "pilot_light"


def test_the_table_lists_the_frontier_cheapest_first_and_stars_the_cheapest_meeting(grid):
    _, result = grid
    shown = frontier_display(result)
    assert list(shown["config"]) == result.frontier
    bills = [float(b.replace(",", "")) for b in shown["bill [USD/month]"]]
    assert bills == sorted(bills)
    starred = list(shown.loc[shown[""] == "*", "config"])
    best = result.cheapest_meeting_objectives
    assert starred == ([best] if best is not None and best in result.frontier else [])
    note = frontier_note(result)
    assert f"{len(result.table)} configurations" in note
    assert f"{len(result.frontier)} on the cost-risk frontier" in note


def test_the_note_names_the_cheapest_configuration_meeting_the_objectives():
    # objectives loose enough that every configuration meets them: the cheapest is pilot
    # light, whatever the TTL
    base = load_scenario("seed-warm-standby", {"objectives.rto_s": 86400.0,
                                               "objectives.rpo_s": 86400.0,
                                               "objectives.confidence": 0.5})
    result = run_sweep({"base": base, "trials": TRIALS, "seed": 3, "design": "grid",
                        "fields": {"compute.standby_tasks": [0, 3]}},
                       engine="simpy", progress=False)
    best = result.cheapest_meeting_objectives
    assert result.table.loc[result.table["config"] == best, "strategy"].item() == "pilot_light"
    assert "compute.standby_tasks = 0" in frontier_note(result)
    assert "Cheapest configuration meeting the objectives" in frontier_note(result)


def test_the_figure_draws_every_priced_configuration(grid):
    _, result = grid
    fig = frontier_figure(result)
    left = fig.axes[0]
    drawn = sum(len(c.get_offsets()) for c in left.collections)
    star = 1 if result.cheapest_meeting_objectives is not None else 0
    assert drawn + len(result.frontier) == len(result.table) + star
    assert left.get_xlabel() == "bill [USD/month]"


def _legend(fig) -> list[str]:
    return [text.get_text() for legend in fig.legends for text in legend.get_texts()]


def test_the_objective_lines_are_those_every_row_is_held_to(grid):
    base, result = grid
    o = base.objectives
    labels = _legend(frontier_figure(result))
    assert f"RTO objective {o.rto_s / 60:.1f} min" in labels  # 900 s
    assert f"RPO objective {o.rpo_s:.1f} s" in labels
    # A sweep over an objective holds each row to its own target: no one line is drawn.
    varied = run_sweep({"base": base, "trials": TRIALS, "seed": 3, "design": "grid",
                        "fields": {"objectives.rto_s": [300, 900]}},
                       engine="simpy", progress=False)
    labels = _legend(frontier_figure(varied))
    assert not [label for label in labels if "objective" in label], labels
