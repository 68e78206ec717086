"""``drsim report`` end to end: files, embedded figures, the simulator's numbers, the
index, bad input, a failing notebook, and the HTML rendered in headless Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest

from drsim.bundled import notebooks_dir
from tests import browser
from tests.conftest import PYTHON_WITH_DEFAULT_SIGINT, ROOT, run_cli

pytest.importorskip("papermill", reason="the lab extra is not installed "
                    "(.venv/bin/pip install -e '.[lab]')")

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

TRIALS, SEED = 400, 7
SCENARIOS = ("seed-warm-standby", "local-lab", "active-active")
FIGURES_02 = {"rto-cdf", "rpo-cdf", "phases", "violators", "timeline", "cost",
              "risk-vs-spend"}
IMG = re.compile(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"')


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "out"
    proc = run_cli("report", *SCENARIOS, "--out", out, "--trials", TRIALS, "--seed", SEED)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_report_writes_every_notebook_html_and_figure(report):
    assert (report / "index.html").is_file()
    for name in SCENARIOS:
        d = report / name
        for suffix in (".ipynb", ".html", ".json"):
            assert (d / f"02-scenario-report{suffix}").is_file()
    assert {p.stem for p in (report / "seed-warm-standby" / "figures").glob("*.png")} == FIGURES_02
    # the local lab has no AWS bill: no cost figures
    assert {p.stem for p in (report / "local-lab" / "figures").glob("*.png")} == \
        FIGURES_02 - {"cost", "risk-vs-spend"}
    assert (report / "explore-seed-warm-standby" / "01-explore-tradeoffs.html").is_file()
    assert len(list((report / "explore-seed-warm-standby" / "figures").glob("*.png"))) == 7
    # the comparison covers the platform: aws scenarios only
    ranking = json.loads((report / "compare-strategies" / "03-compare-strategies.json")
                         .read_text())["records"]["ranking"]
    assert sorted(r["scenario"] for r in ranking) == ["active-active", "seed-warm-standby"]


def test_executed_notebooks_hold_outputs_and_the_injected_parameters(report):
    nb = nbformat.read(report / "seed-warm-standby" / "02-scenario-report.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and f"trials = {TRIALS}" in injected[0].source
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


def test_html_hides_the_code_and_embeds_the_svg_figures(report):
    html = (report / "seed-warm-standby" / "02-scenario-report.html").read_text()
    assert "scenario_report(" not in html and "show_figure(" not in html
    embedded = {base64.b64decode(m) for m in IMG.findall(html)}
    figures = report / "seed-warm-standby" / "figures"
    files = {p.read_bytes() for p in figures.glob("*.svg")}
    assert len(files) == len(FIGURES_02) and embedded == files
    # the same figures as PNG, for pasting elsewhere
    assert {p.stem for p in figures.glob("*.png")} == {p.stem for p in figures.glob("*.svg")}


def _cli_rto_cells(scenario: str) -> list[str]:
    """The RTO row of ``drsim simulate``'s table: mean, p50, p90, p95, p99, max."""
    proc = run_cli("simulate", scenario, "--trials", TRIALS,
                   "--seed", SEED)
    assert proc.returncode == 0, proc.stderr
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RTO [s]"))
    return row.split()[2:]


@pytest.mark.parametrize("scenario", ["seed-warm-standby", "local-lab"])
def test_report_shows_the_numbers_drsim_simulate_gives(report, scenario):
    proc = run_cli("simulate", scenario, "--trials", TRIALS,
                   "--seed", SEED, "--json")
    summary = json.loads(proc.stdout)
    # the report runs the SimPy engine, simulate's default (its JSON names the engine)
    assert (summary.pop("engine"), summary.pop("engine_fallback")) == ("simpy", None)
    record = json.loads((report / scenario / "02-scenario-report.json").read_text())
    assert record["records"]["summary"] == summary
    html = (report / scenario / "02-scenario-report.html").read_text()
    mean, p50, p90, p95, p99, mx = _cli_rto_cells(scenario)
    # the summary table's RTO row, cell by cell, formatted as the CLI formats it
    row = re.search(r"<th>RTO \[s\]</th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == [mean, p50, p90, p95, p99, mx]
    assert f"{summary['p_rto_met']:.3f}" in html


def test_the_seed_report_sets_risk_avoided_against_dr_spend(report):
    records = json.loads((report / "seed-warm-standby" / "02-scenario-report.json")
                         .read_text())["records"]
    head = records["headline"]
    # risk avoided against no DR (the service waits for the region), not the residual risk
    assert head["risk_avoided_annual_usd"] == pytest.approx(
        head["no_dr_risk_annual_usd"] - head["risk_annual_usd"], rel=1e-12)
    assert head["no_dr_risk_annual_usd"] > head["risk_annual_usd"]
    assert head["pays_for_itself"] is (head["risk_avoided_annual_usd"] >= head["dr_yearly_usd"])
    assert (head["break_even_annual_disaster_probability"]
            * records["dr-worth"]["avoided_per_disaster_usd"]
            == pytest.approx(head["dr_yearly_usd"], rel=1e-12))
    html = (report / "seed-warm-standby" / "02-scenario-report.html").read_text()
    assert "What DR is worth: risk avoided against DR spend" in html
    assert "seed-warm-standby pays for itself at 0.02 disasters/year" in html
    # the local lab has no bill, so nothing to set against
    local = json.loads((report / "local-lab" / "02-scenario-report.json").read_text())
    assert local["records"]["headline"]["risk_avoided_annual_usd"] is None


def test_index_links_every_report_and_shows_its_p50_and_p95(report):
    index = (report / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    for link in links:
        assert (report / link).is_file(), link
    assert {f"{s}/02-scenario-report.html" for s in SCENARIOS} <= set(links)
    assert "explore-seed-warm-standby/01-explore-tradeoffs.html" in links
    assert "compare-strategies/03-compare-strategies.html" in links
    for s in SCENARIOS:
        _, p50, _, p95, _, _ = _cli_rto_cells(s)
        row = re.search(rf'<tr><td class="text"><a href="{s}/[^"]+">{s}</a>.*?</tr>', index, re.DOTALL)
        assert row and f"<td>{p50}</td>" in row.group(0) and f"<td>{p95}</td>" in row.group(0)


def test_a_partial_rerun_keeps_the_other_reports_in_the_index(report, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(report, out)
    proc = run_cli("report", "local-lab", "--out", out, "--trials", 200, "--seed", 8)
    assert proc.returncode == 0, proc.stderr[-3000:]
    index = (out / "index.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', index))
    assert {f"{s}/02-scenario-report.html" for s in SCENARIOS} <= links
    assert "compare-strategies/03-compare-strategies.html" in links
    for s, trials, seed in (("seed-warm-standby", TRIALS, SEED), ("active-active", TRIALS, SEED),
                            ("local-lab", 200, 8)):
        row = re.search(rf'<tr><td class="text"><a href="{s}/[^"]+">{s}</a>.*?</tr>', index,
                        re.DOTALL).group(0)
        assert f"<td>{trials:,}</td><td>{seed}</td>" in row, row
    assert "differ between the reports" in index
    # the fresh local-lab report is the one linked: seed 8's
    assert "seed = 8" in (out / "local-lab" / "02-scenario-report.ipynb").read_text()


def test_the_sources_are_links(report):
    html = (report / "seed-warm-standby" / "02-scenario-report.html").read_text()
    sources = html[html.index("sources"):]
    links = re.findall(r'<a href="(https?://[^"]+)">', sources)
    assert any("docs.aws.amazon.com" in u for u in links), links[:5]
    # each link is the text it shows, never cut at a closing bracket or a full stop
    for url in links:
        assert f'<a href="{url}">{url}</a>' in sources and not url.endswith((".", ")", ","))


def test_every_report_page_links_back_to_the_index(report):
    for page in report.glob("*/*.html"):
        assert '<a href="../index.html">' in page.read_text(), page


def test_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    proc = run_cli("report", "no-such-scenario", "--out", out)
    assert proc.returncode == 2
    assert "no bundled scenario of that name" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("report", "seed-warm-standby", "--out", out, "--set",
                   "health_check.interval_s=15")
    assert proc.returncode == 2 and "15 is not one of 10, 30" in proc.stderr
    proc = run_cli("report", "--out", out, "--trials", "0")
    assert proc.returncode == 2 and "--trials" in proc.stderr
    assert not out.exists()


def test_a_failing_notebook_keeps_partial_output_and_the_command_names_the_cell(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), notebooks)
    path = notebooks / "02-scenario-report.ipynb"
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "rpo_cdf" in c.source)
    nb.cells.insert(at, nbformat.v4.new_code_cell("raise RuntimeError('boom in the report')"))
    nbformat.write(nb, path)
    out = tmp_path / "out"
    proc = run_cli("report", "seed-warm-standby", "--out", out, "--trials", 100,
                   "--notebooks", notebooks)
    assert proc.returncode == 2
    executed = nbformat.read(out / "seed-warm-standby" / "02-scenario-report.ipynb", as_version=4)
    failed = next(c for c in executed.cells if c.cell_type == "code"
                  and any(o.output_type == "error" for o in c.outputs))
    assert "boom in the report" in failed.source
    assert (f"seed-warm-standby: 02-scenario-report failed in cell "
            f"In [{failed.execution_count}]") in proc.stderr
    assert "RuntimeError: boom in the report" in proc.stderr and "Traceback" not in proc.stderr
    # what ran before the failing cell is kept: the RTO figure and the summary
    figures = {p.stem for p in (out / "seed-warm-standby" / "figures").glob("*.png")}
    assert figures == {"rto-cdf"}
    html = (out / "seed-warm-standby" / "02-scenario-report.html").read_text()
    assert len(IMG.findall(html)) == 1 and "boom in the report" in html
    index = (out / "index.html").read_text()
    assert 'class="failed"' in index and "seed-warm-standby" in index
    # the other notebook ran through
    assert (out / "explore-seed-warm-standby" / "01-explore-tradeoffs.html").is_file()


def test_the_html_report_renders_its_figures_in_headless_chromium(report, tmp_path):
    exe = browser.chromium()
    page = report / "seed-warm-standby" / "02-scenario-report.html"
    # A copy of the page that writes, once loaded, how many images decoded.
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-images", ok + "/" + imgs.length);
});
</script></body>"""))
    dom = browser.dump_dom(probe, tmp_path / "p1")
    loaded = re.search(r'data-images="(\d+)/(\d+)"', dom.stdout)
    assert loaded, dom.stderr[-2000:]
    assert loaded.group(1) == loaded.group(2) == str(len(FIGURES_02))

    shot = tmp_path / "shot.png"
    proc = subprocess.run([exe, *browser.CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p2'}",
                           f"--screenshot={shot}", "--window-size=1200,3000", page.as_uri()],
                          check=False, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), proc.stderr[-2000:]
    from matplotlib.image import imread

    rgb = imread(shot)[..., :3]
    # plot lines and bars; a page of text with blue links has about 0.2 % such pixels
    colourful = (rgb.max(axis=2) - rgb.min(axis=2)) > 0.25
    assert colourful.mean() > 0.006, f"only {colourful.mean():.4%} coloured pixels"
    assert np.unique(rgb.reshape(-1, 3), axis=0).shape[0] > 100


def test_the_index_renders_in_headless_chromium_with_every_link(report, tmp_path):
    dom = browser.dump_dom(report / "index.html", tmp_path / "p")
    assert dom.stdout.count("02-scenario-report.html") == len(SCENARIOS)
    assert "drsim reports" in dom.stdout


def _descendants(pid: int) -> set[int]:
    """PIDs of every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_every_worker_and_kernel(tmp_path, jobs):
    import os
    import signal
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen([*PYTHON_WITH_DEFAULT_SIGINT, "-m", "drsim", "report",
                             "seed-warm-standby", "active-active", "--out", str(out),
                             "--trials", "3000", "--jobs", str(jobs)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        below: set[int] = set()
        while time.monotonic() < deadline:  # until each worker runs a kernel
            below = _descendants(proc.pid)
            kernels = [p for p in below if "ipykernel_launcher" in _cmdline(p)]
            if len(kernels) >= jobs:
                break
            time.sleep(0.2)
        assert len(kernels) >= jobs, f"no {jobs} kernels started within 60 s"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "drsim report: interrupted" in err
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in below if _alive(p)], "workers or kernels outlived the command"


PAGES = ("seed-warm-standby/02-scenario-report.html", "local-lab/02-scenario-report.html",
         "active-active/02-scenario-report.html",
         "explore-seed-warm-standby/01-explore-tradeoffs.html",
         "compare-strategies/03-compare-strategies.html")

@pytest.mark.parametrize("page", PAGES)
def test_every_figure_label_stands_clear_with_its_unit_in_headless_chromium(report, tmp_path,
                                                                            page):
    figures = browser.figure_labels(report / page, tmp_path)
    assert len(figures) == len(IMG.findall((report / page).read_text()))
    assert browser.label_faults(figures) == []


def test_the_comparison_of_every_bundled_strategy_keeps_its_labels_clear(tmp_path):
    # The crowded case: every bundled aws configuration on one frontier and one CDF.
    from drsim.report.run import run_notebook

    run = run_notebook(notebooks_dir() / "03-compare-strategies.ipynb", tmp_path / "out", {
        "scenarios": ["backup-restore", "pilot-light", "warm-standby", "hot-standby",
                      "active-active", "seed-warm-standby"], "trials": 300, "seed": SEED})
    assert run.ok, run.error
    figures = browser.figure_labels(run.html, tmp_path)
    assert len(figures) == 3
    assert browser.label_faults(figures) == []
    shown = {t["text"] for fig in figures for t in fig["texts"]}
    assert {"backup-restore", "pilot-light", "warm-standby", "hot-standby",
            "active-active", "seed-warm-standby"} <= shown


def test_the_label_check_finds_overlaps_and_cut_off_labels():
    a = {"text": "pilot-light", "x0": 10, "y0": 10, "x1": 60, "y1": 20}
    b = {"text": "warm-standby", "x0": 40, "y0": 15, "x1": 110, "y1": 25}
    c = {"text": "hot-standby", "x0": 60.5, "y0": 10, "x1": 100, "y1": 20}  # touches a only
    assert browser.overlaps([a, b, c]) == ["'pilot-light' over 'warm-standby'",
                                           "'warm-standby' over 'hot-standby'"]
    assert browser.clipped({"width": 100, "height": 50, "texts": [a, b, c]}) == ["warm-standby"]
    seconds = {"axis": "x", "label": "RTO", "ticks": ["0", "1,000", "\u22125"]}
    assert browser.axis_faults(seconds, browser.UNIT) and not browser.axis_faults(
        {**seconds, "label": "RTO [s]"}, browser.UNIT)
    phases = {"axis": "y", "label": "", "ticks": ["detect", "decide"]}
    assert browser.axis_faults(phases, browser.UNIT) and not browser.axis_faults(
        {**phases, "label": "phase"}, browser.UNIT)
    assert browser.axis_faults({"axis": "y", "label": "", "ticks": []}, browser.UNIT) == []
