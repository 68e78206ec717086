"""A multi-field sweep in a report: its cost-risk frontier as a figure, table and note.

The frontier (:func:`drsim.sweep.frontier.pareto_frontier`) is Pareto-minimal over
three figures at once: the bill, the p95 of the RTO the objectives name and the
worst datastore's p95 RPO. A figure shows it as two projections, bill against
each percentile; a frontier point can look beaten in one projection by a point
that loses in the other, so the table, not the picture, is the frontier.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from drsim.report.figures import WIDTH_IN, _finite_max, in_unit, time_unit
from drsim.report.tables import fmt_p, fmt_probability, fmt_s, fmt_usd

FRONTIER_COLOR, CHEAPEST_COLOR, OTHER_COLOR = "C3", "#2ca02c", "#9a9a9a"


def frontier_figure(result) -> Figure:
    """Bill against p95 RTO and against p95 RPO for every configuration of a sweep
    (:class:`drsim.sweep.SweepResult`): the frontier's rows joined in red, the
    cheapest configuration meeting the objectives starred, the objectives dotted."""
    t = result.to_frame()
    priced = t[t["error"].isna() & np.isfinite(t["monthly_usd"].to_numpy(float))]
    fig = Figure(figsize=(WIDTH_IN + 2, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    objectives = _objectives(result)
    rto_metric = objectives["rto_metric"]
    panels = ((axes[0], "objective_rto_p95_s", f"p95 RTO ({rto_metric})"),
              (axes[1], "rpo_p95_s", "p95 RPO (worst datastore)"))
    for ax, col, what in panels:
        y = priced[col].to_numpy(float)
        unit, k = time_unit(_finite_max(y) if len(y) else 1.0)
        on = priced["on_frontier"].to_numpy(bool)
        ax.scatter(priced["monthly_usd"][~on], y[~on] / k, s=14, color=OTHER_COLOR,
                   label="configuration", zorder=2)
        front = priced[on].sort_values("monthly_usd")
        ax.plot(front["monthly_usd"], front[col] / k, color=FRONTIER_COLOR, marker="o",
                markersize=5, linewidth=1, label="frontier", zorder=3)
        best = result.cheapest_meeting_objectives
        if best is not None:
            row = priced[priced["config"] == best]
            ax.scatter(row["monthly_usd"], row[col] / k, marker="*", s=220,
                       color=CHEAPEST_COLOR, edgecolors="k", linewidths=0.6, zorder=4,
                       label="cheapest meeting the objectives")
        target_s = objectives.get("rto_s" if col == "objective_rto_p95_s" else "rpo_s")
        if target_s:
            name = "RTO" if col == "objective_rto_p95_s" else "RPO"
            ax.axhline(target_s / k, color="k", linestyle=":",
                       label=f"{name} objective {in_unit(target_s, unit, k)}")
        if col == "rpo_p95_s" and len(y) and np.nanmin(y) > 0:
            ax.set_yscale("log")  # replication lags and backup ages differ by decades
        ax.set_xlabel("bill [USD/month]")
        ax.set_ylabel(f"{what} [{unit}]")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.grid(alpha=0.3)
    # One legend for both panels: the same entries, and each panel's own objective.
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries), loc="outside lower center",
               ncols=min(len(entries), 5), fontsize=8, frameon=False)
    fig.suptitle(f"{len(priced):,} configurations: on the red line none is beaten on bill, "
                 "RTO and RPO at once")
    return fig


def frontier_display(result) -> pd.DataFrame:
    """The frontier's rows, cheapest first, as text for a report: the swept fields,
    then bill, p95 RTO, p95 RPO and P(objectives met); ``*`` marks the cheapest
    configuration meeting the objectives."""
    t = result.frontier_table()
    out = pd.DataFrame({"": ["*" if c == result.cheapest_meeting_objectives else ""
                             for c in t["config"]], "config": t["config"]})
    for path in result.fields:
        out[path] = t[path].map(str)
    if len(result.spec.bases) > 1:
        out.insert(2, "base", t["base"])
    out["strategy"] = t["strategy"]
    out["bill [USD/month]"] = t["monthly_usd"].map(fmt_usd)
    out["p95 RTO [s]"] = t["objective_rto_p95_s"].map(fmt_s)
    out["p95 RPO [s]"] = t["rpo_p95_s"].map(fmt_s)
    out["P(objectives met)"] = t["p_objectives_met"].map(fmt_probability)
    out["risk [USD/year]"] = t["risk_annual_usd"].map(fmt_usd)
    return out


def frontier_note(result) -> str:
    """What the sweep found, in a sentence or two (Markdown)."""
    t = result.table
    invalid = int(t["error"].notna().sum())
    fell_back = int(t["fallback"].notna().sum())
    parts = [f"{len(t):,} configurations ({result.spec.trials:,} trials each, seed "
             f"{result.spec.seed}); {len(result.frontier)} on the cost-risk frontier."]
    if invalid:
        parts.append(f"{invalid} combinations refused by the scenario checks "
                     "(their reasons are in the `error` column).")
    if fell_back:
        parts.append(f"{fell_back} ran on the SimPy engine (the fast path does not cover "
                     "them; see the `fallback` column).")
    best = result.cheapest_meeting_objectives
    if best is None:
        parts.append("No configuration meets the objectives at their confidence: "
                     "the frontier shows what each step in bill buys.")
    else:
        row = t[t["config"] == best].iloc[0]
        settings = ", ".join(f"{p} = {row[p]}" for p in result.fields)
        parts.append(f"Cheapest configuration meeting the objectives: **{settings}** "
                     f"({row['strategy']}), {fmt_usd(row['monthly_usd'])} USD/month, "
                     f"P(objectives met) {fmt_p(row['p_objectives_met'])} against a confidence "
                     f"of {row['confidence']:g}.")
    return " ".join(parts)


def _objectives(result) -> dict:
    """The RTO and RPO objectives [s] and the RTO metric every row is held to. Where the
    rows do not share them (a sweep over ``objectives.*``, or bases that differ in
    them), no objective line is drawn: one line would misstate the others' targets."""
    from drsim.sweep.configurations import load_bases

    held = {b.objectives for b in load_bases(result.spec).values()}
    if len(held) > 1 or any(f.startswith("objectives.") for f in result.fields):
        metrics = {o.rto_metric for o in held}
        metric = metrics.pop() if len(metrics) == 1 and "objectives.rto_metric" not in \
            result.fields else "each row's objectives.rto_metric"
        return {"rto_s": None, "rpo_s": None, "rto_metric": metric}
    (o,) = held
    rpo = o.rpo_s if o.rpo_s and math.isfinite(o.rpo_s) else None
    return {"rto_s": o.rto_s, "rpo_s": rpo, "rto_metric": o.rto_metric}
