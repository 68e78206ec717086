"""``index.html`` of a report folder: a link to every report and a summary table.

The figures in the table are the ones each scenario report recorded (its
``headline`` record), so the index and the reports cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from drsim.report.tables import fmt_p, fmt_s, fmt_usd

HEADLINE = "headline"
"""The record name under which 02-scenario-report leaves its key figures."""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
tr.failed td { background: #fde8e8; }
.note { color: #555; font-size: 0.9em; max-width: 60em; }
"""


def _e(x) -> str:
    return html.escape(str(x))


def _link(run) -> str:
    if run.html is None:
        return _e(run.job.title)
    return f'<a href="{_e(run.job.slug)}/{_e(run.html.name)}">{_e(run.job.title)}</a>'


def _p_met(headline: dict) -> str:
    """P(RTO met), naming the probe's RTO when that is the one counted."""
    p = fmt_p(headline.get("p_rto_met"))
    return f"{p} (probe)" if headline.get("rto_metric") == "probe" else p


def _settings(job) -> tuple:
    """``(trials, seed, overrides)`` a run was made with (its notebook's parameters)."""
    p = job.parameters
    overrides = p.get("overrides") or {}
    return p.get("trials"), p.get("seed"), tuple(f"{k}={v}" for k, v in overrides.items())


def _settings_note(runs) -> str:
    """One sentence on trials, seed and overrides: shared by every run, or per row."""
    settings = {_settings(r.job) for r in runs}
    if len(settings) != 1:
        return "Trials, seed and overrides differ between the reports: see each row."
    trials, seed, overrides = settings.pop()
    set_text = (" with " + ", ".join(f"<code>--set {_e(o)}</code>" for o in overrides)
                if overrides else "")
    return f"{trials:,} simulated failures per scenario, seed {seed}{set_text}." if trials else ""


def _scenario_row(r) -> str:
    h = r.records.get(HEADLINE, {})
    trials, seed, overrides = _settings(r.job)
    status = "ran" if r.ok else f"failed: {r.error}"
    cells = [_link(r), _e(h.get("strategy", "-")), fmt_s(h.get("rto_p50_s")),
             fmt_s(h.get("rto_p95_s")), fmt_s(h.get("probe_rto_p50_s")),
             fmt_s(h.get("rto_objective_s")), _p_met(h), fmt_s(h.get("rpo_p95_s")),
             fmt_s(h.get("rpo_objective_s")), fmt_p(h.get("p_rpo_met")),
             fmt_usd(h.get("monthly_usd")), fmt_usd(h.get("dr_yearly_usd")),
             fmt_usd(h.get("risk_annual_usd")),
             f"{trials:,}" if trials else "-", _e(seed if seed is not None else "-"),
             _e(" ".join(overrides) or "-"), _e(status)]
    text_columns = (0, 1, 15, 16)
    cls = "" if r.ok else ' class="failed"'
    return f"<tr{cls}>" + "".join(
        f'<td class="text">{c}</td>' if i in text_columns else f"<td>{c}</td>"
        for i, c in enumerate(cells)) + "</tr>"


def write_index(out_dir: Path, runs) -> Path:
    """Write ``out_dir/index.html`` for ``runs`` (:class:`drsim.report.run.NotebookRun`),
    each row with the trials, seed and overrides it was made with."""
    from drsim.report.run import SCENARIO_REPORT

    scenario_runs = [r for r in runs if r.job.notebook == SCENARIO_REPORT]
    other_runs = [r for r in runs if r.job.notebook != SCENARIO_REPORT]
    head = ("scenario", "strategy", "p50 RTO [s]", "p95 RTO [s]", "p50 probe RTO [s]",
            "RTO objective [s]", "P(RTO met)", "p95 RPO [s]", "RPO objective [s]", "P(RPO met)",
            "bill [USD/month]", "DR spend [USD/year]", "disasters [USD/year]", "trials", "seed",
            "--set", "notebook")
    rows = [_scenario_row(r) for r in scenario_runs]
    others = []
    for r in other_runs:
        status = "" if r.ok else f' <span class="failed">failed: {_e(r.error)}</span>'
        trials, seed, _ = _settings(r.job)
        made = f" ({trials:,} trials, seed {seed})" if trials else ""
        others.append(f"<li>{_link(r)}{_e(made)}{status}</li>")
    failed = sum(not r.ok for r in runs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>drsim reports</title>
<style>{_STYLE}</style></head>
<body>
<h1>drsim reports</h1>
<p class="note">{len(scenario_runs)} scenario reports. {_settings_note(runs)} Index written
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.
{f'<strong>{failed} notebook(s) failed</strong>; their partial output is linked.' if failed else ''}</p>
<table>
<thead><tr>{''.join(f'<th>{_e(h)}</th>' for h in head)}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<p class="note">RTO: time from the fault until the objective's share of the affected clients
(those on the failed region) is served again; probe RTO: until an external probe that
resolves afresh is served again. p95 RPO: the largest of the datastores' p95 data loss
(replication lag, or backup age, at the fault).
P(met): share of trials within the objective. Bill: monthly AWS cost from the dated price
tables (platform: local scenarios have none). DR spend: what DR adds to the bill (the cost
lines marked DR: the secondary region's resources and replication), per year. Disasters: expected yearly
cost of downtime and lost writes (annual disaster probability x simulated mean outcome).
Notebook: whether the report's notebook ran through ("ran"), not whether the objectives
were met (that is P(met)).</p>
<h2>Trade-offs and comparison</h2>
<ul>
{chr(10).join(others) or '<li>none</li>'}
</ul>
</body></html>
"""
    path = Path(out_dir) / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
