"""Notebook 01's explorer: a slider moved in a real kernel re-simulates and redraws, and the
curve moves the way the setting says (common random numbers: never the other way)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from drsim.report.explorer import CONTROLS, Explorer, _choices

pytestmark = pytest.mark.notebook


def test_set_resimulates_with_the_same_draws():
    ex = Explorer("warm-standby", trials=200, seed=4)
    start = ex.outcome
    ex.set("dns.ttl_s", 5)
    assert ex.variant().dns.ttl_s == 5 and ex.simulations == 2
    # the same draws, a shorter TTL: no trial's probe RTO grows
    before = start.summary.probe_rto_s
    after = ex.outcome.summary.probe_rto_s
    assert after.p50 <= before.p50 and after.max <= before.max
    ex.set("compute.standby_tasks", 0)  # the strategy follows the size
    assert ex.variant().strategy == "pilot_light"
    assert "pilot" not in ex.base.strategy


def test_a_refused_combination_is_said_not_raised():
    ex = Explorer("warm-standby", trials=50, seed=1)
    ex.set("health_check.interval_s", 15)  # Route 53 allows 10 or 30
    assert ex.outcome is None and "15 is not one of 10, 30" in ex.problem
    assert ex.caption().startswith("Not a valid configuration")
    ex.figure()  # still draws: the start, and a note instead of a bill


def test_every_control_offers_the_scenarios_own_value():
    ex = Explorer("seed-warm-standby", trials=20, seed=0)
    for setting in CONTROLS:
        assert ex.values[setting] in _choices(ex.base, setting), setting


def test_a_slider_moved_in_a_kernel_redraws(tmp_path):
    pytest.importorskip("ipywidgets")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    class ThisInterpreter(KernelManager):  # the kernel is this interpreter, as in drsim report
        @property
        def kernel_spec(self):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"], display_name="drsim test",
                              language="python")

    code = """
import json
from drsim.report.explorer import Explorer
ex = Explorer("active-active", trials=200, seed=2)
box = ex.widget()
before = ex.outcome.summary.probe_rto_s.p50
ex.controls["dns.ttl_s"].value = 5
print(json.dumps({"before": before, "after": ex.outcome.summary.probe_rto_s.p50,
                  "ttl": ex.variant().dns.ttl_s, "simulations": ex.simulations,
                  "drawn": len(ex._output.outputs),
                  "png": "image/png" in ex._output.outputs[0]["data"]}))
"""
    km = ThisInterpreter(ip="127.0.0.1")
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(code, timeout=300, output_hook=_collect(out := []))
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        km.shutdown_kernel(now=True)
    got = json.loads("".join(out).strip().splitlines()[-1])
    assert got["ttl"] == 5 and got["simulations"] == 2
    assert got["drawn"] == 1 and got["png"]
    assert got["after"] < got["before"]  # active/active's probe waits on the TTL


def _collect(sink: list):
    def hook(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            sink.append(msg["content"]["text"])
    return hook
