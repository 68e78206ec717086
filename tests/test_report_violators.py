"""The scenario report's TTL-violators section: its figure, note and table
(the sensitivity's numbers are tested against closed forms in test_sim_violators.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib", reason="the lab extra is not installed")

import drsim  # noqa: E402
from drsim.compare import violator_sensitivity  # noqa: E402
from drsim.report import figures, tables  # noqa: E402
from tests.test_figures import _overlaps, _texts, _unlabelled  # noqa: E402


@pytest.mark.parametrize("name", ["seed-warm-standby", "local-lab"])
def test_violators_figure_names_each_share_without_overlaps_and_with_units(name):
    sc = drsim.load_scenario(name)
    frame = violator_sensitivity(sc, trials=60, seed=1)
    result = drsim.simulate(sc, trials=60, seed=1)
    fig = figures.violator_sensitivity(frame, result.summary)
    assert _overlaps(fig) == []
    assert _unlabelled(fig) == []
    shown = " ".join(text for text, _ in _texts(fig))
    for case in frame["case"]:
        assert case in shown
    table = tables.sensitivity_table(frame)
    assert list(table["violators"]) == ["no violators", "as given", "doubled"]


def test_violators_note_flags_the_extra_delay_as_an_assumption():
    note = tables.violators_note(drsim.load_scenario("warm-standby"))
    assert "`dns.violation_extra_s`: *assumption* (" in note
    assert "upper=3600" in note
    fraction_line = next(line for line in note.splitlines()
                         if line.startswith("- `dns.ttl_violation_fraction`"))
    assert "ttl-violation-study.github.io" in fraction_line
    assert "*assumption*" not in fraction_line
