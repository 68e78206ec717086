"""The probe's RTO in the shared timeline: derived from ``probe_recovered`` the same way
for the simulator's trials and a game day's run, and measured from a probe journal."""

import math

import pandas as pd
import pytest

import drsim
from drsim.gameday.local.journals import PROBE_COLUMNS
from drsim.gameday.measure import probe_recovery_s
from drsim.timeline import PHASE_COLUMNS, Event, phases, to_frame

from .conftest import SCENARIOS


def test_timeline_phases_give_the_simulated_trials_probe_rto():
    scenario = drsim.load_scenario(SCENARIOS / "local-lab.yaml")
    r = drsim.simulate(scenario, trials=30, seed=5, timeline_trials=range(30))
    ph = phases(r.timeline).set_index("run_id")
    assert tuple(ph.columns[1:]) == PHASE_COLUMNS and PHASE_COLUMNS[-1] == "probe_rto_s"
    for i in range(30):
        want = r.trials.loc[i, "probe_rto_s"]
        got = ph.loc[f"{scenario.name}/seed-5/trial-{i}", "probe_rto_s"]
        assert got == want or (math.isinf(want) and math.isnan(got)), i


def test_a_run_without_probe_recovered_has_no_probe_rto():
    tl = to_frame([Event("r", "local", 0.0, "fault_injected"),
                   Event("r", "local", 2.5, "probe_recovered", "probe")])
    assert phases(tl).iloc[0]["probe_rto_s"] == 2.5
    assert math.isnan(phases(tl.iloc[:1]).iloc[0]["probe_rto_s"])


def test_the_probe_recovers_at_its_first_attempt_the_secondary_answered():
    fault = 100.0
    rows = [(99.5, 99.51, 0, "127.0.0.2", 200, "a", ""),     # before the fault
            (100.0, 101.0, 1, "127.0.0.2", 0, "", "timeout"),  # A hung
            (100.25, 100.3, 2, "127.0.0.3", 503, "b", ""),    # B not writable yet
            (100.5, 100.52, 3, "127.0.0.3", 200, "b", ""),
            (100.75, 100.76, 4, "127.0.0.3", 200, "b", "")]
    probe = pd.DataFrame(rows, columns=list(PROBE_COLUMNS))
    assert probe_recovery_s(probe, fault) == pytest.approx(0.52)
    assert math.isnan(probe_recovery_s(probe[probe["region"] != "b"], fault))
