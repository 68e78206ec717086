"""A regular (non-editable) install works like the checkout: build the wheel, install it
into a fresh venv, and run the bundled scenarios, prices and notebooks from there.

The venv reuses this interpreter's installed dependencies through a ``.pth`` line (no
download), but not its drsim: the outer site-packages joins ``sys.path`` after the venv's
own, and its ``.pth`` files (the editable install's finder) are not run. The test checks
that the drsim imported is the wheel's, from a working directory outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.slow

BUNDLED = {"drsim/data/scenarios/seed-warm-standby.yaml", "drsim/data/scenarios/local-lab.yaml",
           "drsim/data/prices/README.md", "drsim/data/prices/aws_us-east-1_2026-11-28.csv",
           "drsim/notebooks/01-explore-tradeoffs.ipynb", "drsim/notebooks/02-scenario-report.ipynb",
           "drsim/notebooks/03-compare-strategies.ipynb", "drsim/notebooks/04-local-gameday.ipynb",
           "drsim/notebooks/05-aws-gameday.ipynb", "drsim/notebooks/06-postmortem.ipynb"}


def _run(cmd, cwd, timeout=600, **env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # no checkout on the path
    env.update(env_extra)
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _tracked_source(dest: Path) -> Path:
    """pyproject, README and drsim/ as git tracks them (no build/ or caches of the checkout)."""
    files = subprocess.run(["git", "ls-files", "-z", "pyproject.toml", "README.md", "drsim"],
                           cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, wheel, a working directory outside the checkout)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the wheel is built from the tracked files")
    top = tmp_path_factory.mktemp("wheel")
    src = _tracked_source(top / "src")
    # First with this interpreter's setuptools (no download); if that one is too old for
    # pyproject.toml, in pip's usual isolated build (which fetches build-system.requires).
    wheel_cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", top / "dist", src]
    built = _run([*wheel_cmd, "--no-build-isolation"], cwd=top)
    if built.returncode != 0:
        first = built.stderr[-1500:]
        built = _run(wheel_cmd, cwd=top)
        assert built.returncode == 0, first + "\n---\n" + built.stderr[-1500:]
    (wheel,) = (top / "dist").glob("drsim-*.whl")
    venv = top / "venv"
    made = _run([sys.executable, "-m", "venv", venv], cwd=top)
    assert made.returncode == 0, made.stderr[-3000:]
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=top).stdout.strip())
    outer = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_outer_dependencies.pth").write_text("".join(f"{p}\n" for p in outer))
    done = _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], cwd=top)
    assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = top / "elsewhere"
    elsewhere.mkdir()
    return venv, wheel, elsewhere


def test_the_wheel_carries_the_scenarios_prices_and_notebooks(installed):
    _, wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert BUNDLED <= names
    assert {n for n in names if n.startswith("drsim/data/scenarios/")} == {
        f"drsim/data/scenarios/{p.name}" for p in (ROOT / "drsim/data/scenarios").glob("*.yaml")}


def test_the_installed_drsim_is_the_wheels_and_finds_its_data(installed):
    venv, _, elsewhere = installed
    probe = ("import drsim, drsim.bundled as b, drsim.scenario.locate as l; "
             "print(drsim.__file__); print(l.bundled_dir()); print(b.notebooks_dir()); "
             "print(b.prices_dir())")
    proc = _run([venv / "bin" / "python", "-c", probe], cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    module, scenarios, notebooks, prices = map(Path, proc.stdout.split())
    assert module.is_relative_to(venv) and not module.is_relative_to(ROOT), module
    for folder in (scenarios, notebooks, prices):
        assert folder.is_relative_to(venv) and folder.is_dir(), folder


def test_validate_and_simulate_by_name_match_the_checkout(installed):
    venv, _, elsewhere = installed
    drsim = venv / "bin" / "drsim"
    ok = _run([drsim, "validate", "seed-warm-standby"], cwd=elsewhere)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: seed-warm-standby (seed-warm-standby: warm_standby")
    args = ["simulate", "seed-warm-standby", "--trials", "200", "--json"]
    installed_run = _run([drsim, *args], cwd=elsewhere)
    checkout_run = run_cli(*args)
    assert installed_run.returncode == 0, installed_run.stderr
    assert checkout_run.returncode == 0, checkout_run.stderr
    assert installed_run.stdout == checkout_run.stdout
    assert json.loads(installed_run.stdout)["trials"] == 200
    cost = _run([drsim, "cost", "seed-warm-standby", "--no-risk", "--json"], cwd=elsewhere)
    assert cost.returncode == 0, cost.stderr
    assert cost.stdout == run_cli("cost", "seed-warm-standby", "--no-risk", "--json").stdout
    assert list(elsewhere.iterdir()) == []


def test_report_finds_its_notebooks_in_the_install(installed):
    venv, _, elsewhere = installed
    drsim = venv / "bin" / "drsim"
    helped = _run([drsim, "report", "--help"], cwd=elsewhere)
    assert helped.returncode == 0 and "--notebooks DIR" in helped.stdout
    # run_reports checks the notebooks before the scenarios: an answer about the scenario
    # means the bundled notebooks were found.
    proc = _run([drsim, "report", "no-such-scenario", "--out", "never"], cwd=elsewhere)
    assert proc.returncode == 2
    assert "no-such-scenario: no such file, and no bundled scenario" in proc.stderr
    assert "ipynb" not in proc.stderr and "Traceback" not in proc.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.notebook
def test_a_report_runs_from_the_install(installed):
    pytest.importorskip("papermill", reason="the lab extra is not installed")
    venv, _, elsewhere = installed
    drsim = venv / "bin" / "drsim"
    out = elsewhere.parent / "report"
    # nbconvert's HTML templates are data files of the interpreter that has the lab extra,
    # not importable modules: point Jupyter at them as an install with the extra would.
    jupyter_path = os.pathsep.join([str(Path(sys.prefix) / "share" / "jupyter"),
                                    os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    proc = _run([drsim, "report", "local-lab", "--trials", "50", "--seed", "1", "--out", out],
                cwd=elsewhere, JUPYTER_PATH=jupyter_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((out / "local-lab" / "02-scenario-report.json").read_text())
    simulated = _run([drsim, "simulate", "local-lab", "--trials", "50", "--seed", "1", "--json"],
                     cwd=elsewhere)
    summary = json.loads(simulated.stdout)
    assert summary.pop("engine") == "simpy"  # what ran; the report's summary has no such key
    summary.pop("engine_fallback")
    assert record["records"]["summary"] == summary
    assert (out / "index.html").is_file() and (out / "local-lab" / "02-scenario-report.html").is_file()
    assert list(elsewhere.iterdir()) == []
