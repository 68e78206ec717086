"""The notebooks: stored clean, documented parameters, only drsim calls, each runs under
papermill at small trial counts, in this interpreter; JupyterLab serves them."""

from __future__ import annotations

import ast
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from tests.conftest import ROOT

papermill = pytest.importorskip("papermill", reason="the lab extra is not installed "
                                "(.venv/bin/pip install -e '.[lab]')")

from drsim.bundled import notebooks_dir
from drsim.report.run import run_notebook

NOTEBOOKS = notebooks_dir()

pytestmark = pytest.mark.notebook
MINE = ("01-explore-tradeoffs", "02-scenario-report", "03-compare-strategies", "05-aws-gameday",
        "06-postmortem")


def _nb(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", MINE)
def test_committed_notebook_carries_no_outputs(name):
    nb = _nb(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "papermill" not in nb.metadata
    nbformat.validate(nb)


@pytest.mark.parametrize("name", MINE)
def test_first_code_cell_is_parameters_and_every_parameter_is_typed_and_documented(name):
    nb = _nb(name)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assigned = [n.targets[0].id if isinstance(n, ast.Assign) else n.target.id
                for n in ast.parse(first.source).body]
    inferred = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    # papermill skips a line it cannot parse (e.g. a second '=' in the comment): every
    # assignment must come through, with a type and help text.
    assert list(inferred) == assigned
    for p in inferred.values():
        assert p["inferred_type_name"] in ("str", "int", "float", "bool", "list", "dict"), p
        assert len(p["help"]) > 10, p


def test_help_notebook_documents_the_parameters():
    out = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook",
                          str(NOTEBOOKS / "02-scenario-report.ipynb")],
                         check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for text in ("scenario: str", "trials: int", "seed: int", "overrides: dict",
                 "objectives: dict", "Monte Carlo trials [-]"):
        assert text in out.stdout


@pytest.mark.parametrize("name", MINE)
def test_notebooks_only_call_drsim(name):
    for cell in _nb(name).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] == "drsim" for a in node.names), cell.source
            if isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] == "drsim", cell.source
            # logic lives in the package: no functions, classes or lambdas in notebooks
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)), cell.source


def _finite(obj):
    """A summary as its JSON record holds it (JSON has no inf: null)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    return obj


def test_scenario_report_runs_and_records_the_simulators_numbers(tmp_path):
    from drsim import load_scenario
    from drsim.sim import simulate

    run = run_notebook(NOTEBOOKS / "02-scenario-report.ipynb", tmp_path,
                       {"scenario": "seed-warm-standby", "trials": 300, "seed": 3,
                        "objectives": {"rto_s": 1200}})
    assert run.ok, run.error
    expected = simulate(load_scenario("seed-warm-standby",
                                      {"objectives.rto_s": 1200}), trials=300, seed=3).summary
    assert run.records["summary"] == json.loads(json.dumps(_finite(expected.as_dict())))
    assert run.records["headline"]["rto_objective_s"] == 1200
    assert {p.name for p in run.figures} == {"rto-cdf.png", "rpo-cdf.png", "phases.png",
                                             "violators.png", "timeline.png", "cost.png",
                                             "risk-vs-spend.png"}
    for p in run.figures:
        assert p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000
    html = run.html.read_text()
    for section in ("Summary", "P(meeting the objectives)", "Monthly cost", "Sources of the figures",
                    "What DR is worth: risk avoided against DR spend", "unconfirmed", "assumption",
                    "TTL violators", "dns.violation_extra_s"):
        assert section in html
    # what DR is worth: the risk it avoids against no DR, not the residual risk
    head, worth = run.records["headline"], run.records["dr-worth"]
    assert head["risk_avoided_annual_usd"] == pytest.approx(
        head["no_dr_risk_annual_usd"] - head["risk_annual_usd"], rel=1e-12)
    assert head["pays_for_itself"] is (head["risk_avoided_annual_usd"] >= head["dr_yearly_usd"])
    assert worth["break_even_annual_disaster_probability"] * worth["avoided_per_disaster_usd"] \
        == pytest.approx(head["dr_yearly_usd"], rel=1e-12)
    assert "seed-warm-standby pays for itself at 0.02 disasters/year" in html
    # The scenario's warnings, as drsim validate prints them: no certificate, plain HTTP.
    assert [w.split(":")[0] for w in run.records["warnings"]] == ["security.certificate_arns"]
    assert "infra/ deploys plain-HTTP listeners" in html
    # The violators' sensitivity: share 0, as given, doubled; the given run is the report's
    # own, and the probe (a TTL-honouring resolver) does not move.
    rows = run.records["violators-sensitivity"]
    assert [r["share"] for r in rows] == [0.0, 0.0874, 0.1748]
    assert rows[1]["rto_p50_s"] == expected.rto_s.p50
    assert len({r["probe_rto_p50_s"] for r in rows}) == 1


def test_scenario_report_of_a_local_scenario_says_why_there_is_no_bill(tmp_path):
    run = run_notebook(NOTEBOOKS / "02-scenario-report.ipynb", tmp_path,
                       {"scenario": "local-lab", "trials": 200, "seed": 1})
    assert run.ok, run.error
    assert {p.name for p in run.figures} == {"rto-cdf.png", "rpo-cdf.png", "phases.png",
                                             "violators.png", "timeline.png"}
    assert "has no AWS bill" in run.html.read_text()
    assert run.records["headline"]["monthly_usd"] is None
    assert "warnings" not in run.records  # a local lab has no listener to warn about


def test_explore_tradeoffs_runs_a_small_sweep(tmp_path):
    run = run_notebook(NOTEBOOKS / "01-explore-tradeoffs.ipynb", tmp_path, {
        "scenario": "warm-standby", "trials": 60, "seed": 2, "health_check_intervals_s": [10],
        "failure_thresholds": [2], "ttls_s": [10], "standby_tasks": [3],
        "decision_modes": ["manual"], "explorer_trials": 40, "interactive": False})
    assert run.ok, run.error
    rows = run.records["sweep"]
    # each setting: the tried value and the base's own value
    assert len(rows) == 10
    assert {r["setting"] for r in rows} == {"health_check.interval_s", "dns.ttl_s",
                                            "health_check.failure_threshold",
                                            "compute.standby_tasks", "decision.mode"}
    standby3 = next(r for r in rows if r["setting"] == "compute.standby_tasks" and r["value"] == 3)
    assert standby3["strategy"] == "hot_standby"
    # five sweeps, the grid's frontier and the explorer's first state (a report has no
    # widget frontend)
    assert len(run.figures) == 7
    assert {"explorer.png", "sweep-frontier.png"} <= {p.name for p in run.figures}
    # every setting together: one value each here, so one configuration, on the frontier
    note = run.records["frontier-note"]
    assert note["configurations"] == 1 and note["frontier"] == [0]
    (row,) = run.records["frontier"]
    assert (row["health_check.interval_s"], row["dns.ttl_s"], row["decision.mode"]) == (
        10, 10, "manual")
    assert row["strategy"] == "hot_standby"


def test_compare_strategies_ranks_and_draws_the_frontier(tmp_path):
    run = run_notebook(NOTEBOOKS / "03-compare-strategies.ipynb", tmp_path, {
        "scenarios": ["backup-restore", "active-active", "seed-warm-standby"], "trials": 150,
        "seed": 1, "rank_by": "rto_p95_s"})
    assert run.ok, run.error
    ranking = run.records["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    p95 = [r["rto_p95_s"] for r in ranking]
    assert p95 == sorted(p95)
    assert ranking[0]["scenario"] == "active-active"
    assert {p.name for p in run.figures} == {"frontier.png", "rto-cdfs.png", "dr-worth.png"}
    # what DR is worth per strategy: risk avoided against no DR, and which pay for themselves
    worth = {r["scenario"]: r for r in run.records["dr-worth"]}
    assert set(worth) == {"backup-restore", "active-active", "seed-warm-standby"}
    for r in worth.values():
        ranked = next(x for x in ranking if x["scenario"] == r["scenario"])
        assert r["risk_avoided_annual_usd"] == pytest.approx(
            r["no_dr_risk_annual_usd"] - ranked["risk_annual_usd"], rel=1e-12)
        assert r["pays_for_itself"] is (r["risk_avoided_annual_usd"] >= r["dr_yearly_usd"])
    assert "pays for itself from" in run.html.read_text()
    # each step up in bill against the next cheaper configuration compared
    steps = run.records["step-ups"]
    bills = sorted((r["monthly_usd"], r["scenario"]) for r in ranking)
    assert [s["scenario"] for s in steps] == [name for _, name in bills[1:]]
    assert [s["next_cheaper"] for s in steps] == [name for _, name in bills[:-1]]
    # the recommendation meets the objectives, or says none does
    advice = run.records["recommendation"]
    if advice["scenario"] is None:
        assert advice["statement"].startswith("None of the 3 configurations")
        assert advice["closest"] in {"backup-restore", "active-active", "seed-warm-standby"}
    else:
        assert next(r for r in ranking if r["scenario"] == advice["scenario"])["meets_objectives"]
    diffs = {r["scenario"]: r["differences from the first"] for r in run.records["differences"]}
    assert diffs["backup-restore"] == "-"  # the first one compared
    assert "strategy: 'backup_restore' -> 'active_active'" in diffs["active-active"]


def test_a_failing_notebook_keeps_its_partial_output_and_names_the_cell(tmp_path):
    # a figure left by an earlier run in the same folder must not pass for this run's
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "rto-cdf.png").write_bytes(b"stale")
    # the override is valid YAML but Route 53 has no 15 s interval: the notebook raises
    run = run_notebook(NOTEBOOKS / "02-scenario-report.ipynb", tmp_path,
                       {"scenario": "seed-warm-standby", "trials": 50,
                        "overrides": {"health_check.interval_s": 15}})
    assert not run.ok
    assert run.error.startswith("02-scenario-report failed in cell In [")
    assert "ScenarioError" in run.error and "15 is not one of 10, 30" in run.error
    nb = nbformat.read(run.ipynb, as_version=4)
    failed = [c for c in nb.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    assert len(failed) == 1
    assert f"In [{failed[0].execution_count}]" in run.error
    assert "scenario_report(" in failed[0].source
    later = nb.cells[nb.cells.index(failed[0]) + 1:]
    assert all(not c.get("outputs") for c in later if c.cell_type == "code")
    assert run.html.is_file() and "15 is not one of 10, 30" in run.html.read_text()
    assert run.figures == [] and not list((tmp_path / "figures").glob("*.png"))


def test_the_kernel_is_this_interpreter(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    path = tmp_path / "which.ipynb"
    nbformat.write(nb, path)
    run = run_notebook(path, tmp_path / "out")
    assert run.ok, run.error
    out = nbformat.read(run.ipynb, as_version=4).cells[-1].outputs[0]["text"].strip()
    assert os.path.realpath(out) == os.path.realpath(sys.executable)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read()


def test_jupyterlab_serves_the_notebooks_over_its_rest_api(tmp_path):
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", f"--ServerApp.root_dir={ROOT}"]
    with open(tmp_path / "lab.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 90
        listing = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/contents/drsim/notebooks")
            except OSError:
                time.sleep(0.5)
                continue
            assert status == 200
            listing = json.loads(body)
            break
        assert listing is not None, "JupyterLab did not answer within 90 s"
        names = {c["name"]: c["type"] for c in listing["content"]}
        for name in MINE:
            assert names.get(f"{name}.ipynb") == "notebook"
        status, body = _get(f"http://127.0.0.1:{port}/api/contents/drsim/notebooks/"
                            "02-scenario-report.ipynb")
        model = json.loads(body)
        assert model["content"]["cells"][1]["metadata"]["tags"] == ["parameters"]
        status, body = _get(f"http://127.0.0.1:{port}/api/kernelspecs")
        assert "python3" in json.loads(body)["kernelspecs"]
        status, body = _get(f"http://127.0.0.1:{port}/lab")
        assert status == 200 and b"JupyterLab" in body
    finally:
        proc.terminate()  # by PID: the server we started, nothing else
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode is not None
