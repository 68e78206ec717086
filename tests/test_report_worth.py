"""What DR is worth in the reports: the sentences, the per-strategy frame and the figures,
without notebooks (the notebooks are run in tests/test_notebooks.py and test_report.py)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from drsim import compare, load_scenario
from drsim.report import figures, scenario_report, tables
from drsim.report.worth import pays_sentence, scenario_worth_note, worth_display, worth_frame
from tests.test_figures import STRATEGIES, _overlaps, _texts


def test_pays_sentence_says_whether_and_from_which_probability_on():
    assert pays_sentence("x", avoided_annual_usd=3800, dr_yearly_usd=1900, probability=0.02,
                         break_even=0.01) == (
        "x pays for itself at 0.02 disasters/year: it avoids 3,800.00 USD/year of expected "
        "disaster cost against its DR spend of 1,900.00 USD/year; it pays for itself from "
        "0.01 disasters/year on.")
    assert "x does not pay for itself at 0.005 disasters/year" in pays_sentence(
        "x", avoided_annual_usd=950, dr_yearly_usd=1900, probability=0.005, break_even=0.01)
    assert pays_sentence("x", avoided_annual_usd=10, dr_yearly_usd=1900, probability=0.001,
                         break_even=190.0).endswith("more than one a year, so never.")
    assert pays_sentence("x", avoided_annual_usd=-5, dr_yearly_usd=10, probability=0.02,
                         break_even=math.inf).endswith("no disaster probability makes it pay.")
    assert pays_sentence("x", avoided_annual_usd=-math.inf, dr_yearly_usd=10, probability=0.02,
                         break_even=math.inf).startswith("x never pays for itself: some trials")


@pytest.fixture(scope="module")
def seed_report():
    return scenario_report("seed-warm-standby", trials=150, seed=4)


def test_scenario_report_sets_risk_avoided_against_spend(seed_report):
    w, head = seed_report.dr_value, seed_report.headline()
    assert head["risk_avoided_annual_usd"] == w.risk_avoided_annual_usd
    assert w.risk_avoided_annual_usd == pytest.approx(
        w.no_dr_risk_annual_usd - seed_report.risk.expected_annual_usd, rel=1e-12)
    assert w.dr_yearly_usd == seed_report.breakdown.dr_yearly_usd
    assert scenario_worth_note(seed_report).startswith(
        "seed-warm-standby pays for itself at 0.02 disasters/year")
    rows = tables.risk_table(seed_report)
    assert list(rows["figure"])[-2:] == ["risk avoided by DR", "pays for itself"]
    fig = figures.risk_vs_spend(seed_report)
    bars, by_p = fig.axes
    assert bars.get_xlabel() == "DR spend, risk avoided [USD/year]"
    assert [t.get_text() for t in bars.get_yticklabels()] == ["DR spend", "risk avoided"]
    assert by_p.get_xlabel() == "annual disaster probability [1/year]"
    assert by_p.get_ylabel() == "DR spend, risk avoided [USD/year]"
    assert _overlaps(fig) == []


def test_unbounded_dr_is_drawn_as_avoiding_nothing(seed_report):
    from drsim.compare.risk import scenario_dr_value

    worse = dataclasses.replace(seed_report, risk=None,
                                dr_value=scenario_dr_value(seed_report.scenario, None, 100.0))
    assert not worse.dr_value.pays_for_itself
    figures.risk_vs_spend(worse)  # draws without a risk-avoided bar or line
    assert scenario_worth_note(worse).startswith("seed-warm-standby never pays for itself")


def test_worth_frame_per_strategy_and_its_figure():
    outcomes = compare.compare_scenarios([load_scenario("backup-restore"),
                                          load_scenario("local-lab")], trials=60, seed=1)
    frame = worth_frame(outcomes)
    assert list(frame["scenario"]) == ["backup-restore"]  # local-lab has no bill
    row = frame.iloc[0]
    assert row["risk_avoided_annual_usd"] == pytest.approx(
        row["no_dr_risk_annual_usd"] - row["risk_annual_usd"], rel=1e-12)
    assert row["break_even_annual_disaster_probability"] * (
        row["risk_avoided_annual_usd"] / row["annual_disaster_probability"]) == \
        pytest.approx(row["dr_yearly_usd"], rel=1e-9)
    shown = worth_display(frame)
    assert list(shown.columns)[2:4] == ["DR spend [USD/year]", "disasters, no DR [USD/year]"]
    fig = figures.dr_worth(frame)
    assert fig.axes[0].get_xlabel() == "DR spend, risk avoided [USD/year] (log scale)"
    assert _overlaps(fig) == []


def test_dr_worth_of_every_bundled_strategy_has_no_overlapping_labels():
    outcomes = compare.compare_scenarios(compare.load_all(STRATEGIES), trials=100, seed=1)
    fig = figures.dr_worth(worth_frame(outcomes))
    assert _overlaps(fig) == []
    shown = {text.split("\n")[0] for text, _ in _texts(fig)}
    assert set(STRATEGIES) <= shown
