"""The figures of the reports, each a function that returns a matplotlib ``Figure``.

Figures are built with ``matplotlib.figure.Figure`` directly, not pyplot: no
global figure state, nothing shown behind the caller's back (the inline
backend would otherwise display every pyplot figure a second time), and safe
in worker processes. A notebook shows one with :func:`drsim.report.show_figure`.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from drsim.report.tables import fmt_p, fmt_probability, fmt_s
from drsim.rules import PHASES
from drsim.summary import Summary

# Keyed in the order of drsim.rules.PHASES, which the figures draw them in.
PHASE_LABELS = dict(zip(PHASES, ("detect", "alarm", "decide", "recover", "cut over"),
                        strict=True))
PHASE_COLORS = dict(zip(PHASES, ("#4c72b0", "#8172b3", "#dd8452", "#55a868", "#c44e52"),
                        strict=True))
DR_COLOR, BASE_COLOR, RISK_COLOR = "#c44e52", "#8da0cb", "#e5ae38"
AVOIDED_COLOR = "#55a868"
WIDTH_IN = 9.0


def time_unit(max_s: float) -> tuple[str, float]:
    """A readable unit for durations up to ``max_s``: ``(name, seconds per unit)``."""
    if not math.isfinite(max_s) or max_s <= 600:
        return "s", 1.0
    if max_s <= 3 * 3600:
        return "min", 60.0
    return "h", 3600.0


def in_unit(value_s: float, unit: str, per_unit_s: float) -> str:
    """A duration written in the figure's own unit (``time_unit``): ``312 s``, ``5.2 min``,
    so a title or legend never states seconds beside an axis in minutes."""
    if not math.isfinite(value_s):
        return "never"
    if unit == "s":
        return f"{fmt_s(value_s)} s"
    return f"{value_s / per_unit_s:,.1f} {unit}"


def _ecdf(values) -> tuple[np.ndarray, np.ndarray]:
    """Sorted finite values and the share of all values at or below each (ends below 1
    when some values are infinite: those trials never got there)."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    x = np.sort(v[np.isfinite(v)])
    return x, np.arange(1, len(x) + 1) / max(n, 1)


def _finite_max(*arrays) -> float:
    m = [float(np.max(a[np.isfinite(a)])) for a in map(np.asarray, arrays)
         if np.isfinite(a).any()]
    return max(m) if m else 1.0


def rto_cdf(trials: pd.DataFrame, summary: Summary) -> Figure:
    """CDF of the RTO, of the probe's RTO and of time to first success, with the RTO
    objective line (its P(met) counts the RTO ``objectives.rto_metric`` names)."""
    rto, first = trials["rto_s"].to_numpy(float), trials["first_success_s"].to_numpy(float)
    curves = [(first, "first success", "--"), (rto, "RTO (affected clients)", "-")]
    if "probe_rto_s" in trials.columns:
        curves.insert(1, (trials["probe_rto_s"].to_numpy(float), "probe RTO", "-."))
    obj = summary.objectives.rto_s
    unit, k = time_unit(max(_finite_max(rto), obj))
    fig = Figure(figsize=(WIDTH_IN, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for values, label, style in curves:
        x, y = _ecdf(values)
        (line,) = ax.step(x / k, y, where="post", linestyle=style, label=label)
        if values is rto:
            rto_color = line.get_color()
    ax.axvline(obj / k, color="k", linestyle=":",
               label=(f"RTO objective {in_unit(obj, unit, k)}: "
                      f"P({summary.objectives.rto_label()} met) = "
                      f"{fmt_p(summary.p_rto_met)}"))
    for q in ("p50", "p95"):
        v = getattr(summary.rto_s, q)
        if math.isfinite(v):
            ax.plot([v / k], [0.5 if q == "p50" else 0.95], "o", color=rto_color)
            ax.annotate(f"{q} {in_unit(v, unit, k)}", (v / k, 0.5 if q == "p50" else 0.95),
                        textcoords="offset points", xytext=(6, -12), fontsize=8)
    ax.set_xlabel(f"time since the fault [{unit}]")
    ax.set_ylabel("share of trials [-]")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{summary.scenario}: RTO (until {summary.objectives.recovered_fraction:g}"
                 f" of the affected clients are served), {summary.trials:,} trials")
    return fig


def rpo_cdf(trials: pd.DataFrame, summary: Summary) -> Figure:
    """CDF of RPO per datastore (log time axis: lags span milliseconds to hours), with the
    RPO objective line."""
    obj = summary.objectives.rpo_s
    fig = Figure(figsize=(WIDTH_IN, 4.2), layout="constrained")
    ax = fig.add_subplot()
    names = list(summary.rpo_s)
    floor_s = 1e-3  # a zero lag is drawn at 1 ms: a log axis has no zero
    for name in names:
        x, y = _ecdf(np.maximum(trials[f"rpo_s.{name}"].to_numpy(float), floor_s))
        p = summary.p_rpo_met_by_datastore[name]
        ax.step(x, y, where="post", label=f"{name}: P(RPO <= objective) = {fmt_p(p)}")
    if obj > 0:
        ax.axvline(obj, color="k", linestyle=":", label=f"RPO objective {fmt_s(obj)} s")
    ax.set_xscale("log")
    ax.set_xlabel("data lost: replication lag or backup age at the fault [s]")
    ax.set_ylabel("share of trials [-]")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3, which="both")
    if not names:
        ax.text(0.5, 0.5, "no datastores to recover", transform=ax.transAxes, ha="center")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{summary.scenario}: RPO per datastore; every datastore within the "
                 f"objective: P = {fmt_p(summary.p_rpo_met)}")
    return fig


def phase_breakdown(trials: pd.DataFrame, summary: Summary) -> Figure:
    """Where the time goes: each phase's spread (box 25-75 %, whiskers 5-95 %) and the
    mean phases stacked into the mean RTO."""
    cols = [c for c in PHASE_LABELS if c in trials.columns]
    data = [trials[c].to_numpy(float) for c in cols]
    data = [d[np.isfinite(d)] for d in data]
    unit, k = time_unit(_finite_max(*data) if any(len(d) for d in data) else 1.0)
    fig = Figure(figsize=(WIDTH_IN, 4.2), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    ax.boxplot([d / k for d in data], vert=False, whis=(5, 95), showfliers=False,
               tick_labels=[PHASE_LABELS[c] for c in cols])
    ax.invert_yaxis()
    ax.set_xlabel(f"duration [{unit}]")
    ax.set_ylabel("phase")
    ax.set_title("phase durations (box 25-75 %, whiskers 5-95 %)", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    left = 0.0
    for c, d in zip(cols, data):
        mean = float(np.mean(d)) / k if len(d) else 0.0
        ax2.barh([0], [mean], left=left, color=PHASE_COLORS[c], label=PHASE_LABELS[c])
        left += mean
    ax2.set_yticks([0], ["mean"])
    ax2.set_ylim(-0.6, 1.3)  # room above the bar for the legend
    ax2.set_xlabel(f"mean duration [{unit}]")
    ax2.set_ylabel("all trials")
    ax2.set_title(f"mean phases; mean RTO {in_unit(summary.rto_s.mean, unit, k)}", fontsize=10)
    ax2.legend(fontsize=8, loc="upper center", ncol=2)
    fig.suptitle(f"{summary.scenario}: detect, decide, recover, cut over")
    return fig


MARKERS = {"dns_switched": ("DNS switched", "^"), "database_writable": ("database writable", "s"),
           "capacity_ready": ("capacity ready", "D"), "first_success": ("first success", "o"),
           "recovered": ("recovered", "*"), "probe_recovered": ("probe recovered", "P")}


def timeline_chart(timeline: pd.DataFrame, picked: dict[str, int]) -> Figure:
    """One panel per picked trial: its phases in the top lane, runbook steps (and
    retries) below, and the moments DNS switched, the database became writable,
    capacity was ready, the first client and enough clients were served."""
    runs = list(dict.fromkeys(timeline["run_id"]))
    by_trial = {int(r.rsplit("trial-", 1)[1]): r for r in runs}
    return gantt_chart(timeline, [(f"{name} trial #{i}", by_trial[i])
                                  for name, i in picked.items() if i in by_trial])


def _finite_or_none(x) -> float | None:
    return float(x) if pd.notna(x) and math.isfinite(float(x)) else None


def _phase_spans(p: pd.Series, g: pd.DataFrame) -> list[tuple[str, float, float]]:
    """``(phase, start_s, duration_s)`` of each phase of one run's row ``p`` of
    :func:`drsim.timeline.phases` (its events ``g``), end to end from the fault; cut over
    starts when both the runbook and the decision are done. After a phase the record does
    not measure, the chain's moments are unknown until the decision (``failover_decided``)
    or the runbook's end anchors them again; a phase without a known start is left out.
    [s]"""
    decided = g.loc[g.event == "failover_decided", "t_s"]
    decided_s = float(decided.min()) if len(decided) else None
    finished = g.loc[g.event == "step_finished", "t_s"]
    end_s = float(finished.max()) if len(finished) else decided_s
    anchors = {"recover_s": decided_s,
               "cutover_s": None if end_s is None else max(end_s, decided_s or end_s)}
    spans, start, from_fault = [], 0.0, True
    for col in PHASE_LABELS:
        d = _finite_or_none(p[col])
        if col == "cutover_s" and from_fault:
            start = sum(_finite_or_none(p[c]) for c in ("detect_s", "alarm_lag_s", "decide_s",
                                                        "recover_s"))
        elif col in anchors and (start is None or not from_fault):
            start = anchors[col]
        if d is None:
            start, from_fault = None, False
            continue
        if start is not None:
            spans.append((col, start, d))
            start += d
    return spans


def gantt_chart(timeline: pd.DataFrame, panels: list[tuple[str, str]]) -> Figure:
    """One panel per ``(title, run_id)`` on one time axis, for runs of any source (a
    simulated trial, a measured run): the phases in the top lane, runbook steps (and
    retries) below, and the moments of :data:`MARKERS`. A phase the record does not
    measure is not drawn (:func:`_phase_spans`); an RTO it does not give is "not in the
    record"."""
    from drsim.timeline import phases

    panels = [(title, i, run) for i, (title, run) in enumerate(panels)]
    ph = phases(timeline).set_index("run_id")
    ends = timeline.loc[np.isfinite(timeline["t_s"]), "t_s"]
    unit, k = time_unit(float(ends.max()) if len(ends) else 1.0)
    steps_per_run = [sorted(set(timeline.loc[(timeline.run_id == r) &
                                              (timeline.event == "step_started"), "component"]),
                            key=lambda s, r=r: _first_t(timeline, r, "step_started", s))
                     for _, _, r in panels]
    lanes = max((len(s) for s in steps_per_run), default=0) + 1
    fig = Figure(figsize=(WIDTH_IN, 1.2 + 0.45 * lanes * len(panels) + 0.6 * len(panels)),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True)) if panels else []
    for ax, (title, _, run), steps in zip(axes, panels, steps_per_run):
        p = ph.loc[run]
        g = timeline[timeline.run_id == run]
        spans = {col: (start, d) for col, start, d in _phase_spans(p, g)}
        for col in PHASE_LABELS:
            start, d = spans.get(col, (0.0, 0.0))  # not measured: no length, still in the legend
            ax.barh(0, d / k, left=start / k, color=PHASE_COLORS[col], edgecolor="white",
                    label=PHASE_LABELS[col])
        for lane, step in enumerate(steps, start=1):
            st = g[(g.component == step) & g.event.isin(["step_started", "step_finished",
                                                           "step_failed"])]
            t0 = None
            for ev in st.itertuples():
                if ev.event == "step_started":
                    t0 = ev.t_s
                elif t0 is not None:
                    failed = ev.event == "step_failed"
                    ax.barh(lane, (ev.t_s - t0) / k, left=t0 / k, color="#999999",
                            hatch="//" if failed else None, edgecolor="white")
                    t0 = None
        for event, (label, marker) in MARKERS.items():
            t = g.loc[g.event == event, "t_s"]
            if len(t):
                ax.plot(float(t.min()) / k, 0, marker, color="k", markersize=7, label=label,
                        linestyle="none")
        ax.set_yticks(range(len(steps) + 1), ["phases", *steps])
        ax.set_ylabel("lane", fontsize=8)
        ax.invert_yaxis()
        rto = float(p["rto_s"])
        said = "not in the record" if math.isnan(rto) else in_unit(rto, unit, k)
        ax.set_title(f"{title}: RTO {said}", fontsize=10, loc="left")
        ax.grid(alpha=0.3, axis="x")
    if panels:
        axes[-1].set_xlabel(f"time since the fault [{unit}]  (hatched: a failed attempt)")
        handles, labels = axes[0].get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        fig.legend(uniq.values(), uniq.keys(), loc="outside lower center", ncol=5, fontsize=8)
    return fig


def _first_t(timeline, run, event, component) -> float:
    t = timeline.loc[(timeline.run_id == run) & (timeline.event == event) &
                     (timeline.component == component), "t_s"]
    return float(t.min()) if len(t) else math.inf


def cost_breakdown(breakdown) -> Figure:
    """Monthly cost per service, split into what runs the service and what DR adds;
    hatched parts use prices no retrieved source confirms."""
    services = list(breakdown.by_service)
    parts = {s: {"base": 0.0, "dr": 0.0, "base_unc": 0.0, "dr_unc": 0.0} for s in services}
    for ln in breakdown.lines:
        key = ("dr" if ln.dr else "base") + ("_unc" if ln.unconfirmed else "")
        parts[ln.service][key] += ln.monthly_usd
    fig = Figure(figsize=(WIDTH_IN, 0.8 + 0.38 * len(services)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(services))
    left = np.zeros(len(services))
    for key, color, hatch, label in (("base", BASE_COLOR, None, "runs the service"),
                                     ("base_unc", BASE_COLOR, "//", "runs the service (unconfirmed price)"),
                                     ("dr", DR_COLOR, None, "DR"),
                                     ("dr_unc", DR_COLOR, "//", "DR (unconfirmed price)")):
        w = np.array([parts[s][key] for s in services])
        if w.any():
            ax.barh(y, w, left=left, color=color, hatch=hatch, edgecolor="white", label=label)
        left += w
    for yi, total in zip(y, left):
        ax.text(total, yi, f" {total:,.0f}", va="center", fontsize=8)
    ax.set_yticks(y, services)
    ax.set_ylabel("service")
    ax.invert_yaxis()
    ax.set_xlabel("bill [USD/month]")
    ax.set_xlim(0, left.max() * 1.15 if left.max() > 0 else 1)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(f"{breakdown.scenario}: {breakdown.monthly_usd:,.0f} USD/month, of which DR "
                 f"{breakdown.dr_monthly_usd:,.0f}")
    return fig


def risk_vs_spend(report) -> Figure:
    """What DR is worth: the yearly DR spend against the expected yearly cost of disasters
    it avoids (no DR, the service waiting for the region, minus this configuration), and,
    beside it, both against the annual disaster probability: DR pays for itself where the
    risk avoided reaches the spend (the break-even probability)."""
    b, w = report.breakdown, report.dr_value
    fig = Figure(figsize=(WIDTH_IN, 3.6), layout="constrained")
    bars, by_p = fig.subplots(1, 2, width_ratios=(1.1, 1))
    spend, p = b.dr_yearly_usd, w.no_dr.annual_disaster_probability
    avoided = w.risk_avoided_annual_usd
    bars.barh([0], [spend], color=DR_COLOR)
    bars.text(spend, 0, f" {spend:,.0f}", va="center", fontsize=8)
    if math.isfinite(avoided):
        bars.barh([1], [max(avoided, 0.0)], color=AVOIDED_COLOR)
        bars.text(max(avoided, 0.0), 1, f" {avoided:,.0f}", va="center", fontsize=8)
    else:
        bars.text(0, 1, " none: some trials never recover", va="center", fontsize=8)
    bars.set_yticks([0, 1], ["DR spend", "risk avoided"])
    bars.invert_yaxis()
    bars.set_xlabel("DR spend, risk avoided [USD/year]")
    bars.set_ylabel("per year")
    bars.set_xlim(0, bars.get_xlim()[1] * 1.18)  # room for the value labels
    bars.xaxis.set_major_locator(MaxNLocator(4))
    bars.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    bars.grid(alpha=0.3, axis="x")
    bars.set_title(f"at {p:g} disasters/year (no DR: {w.no_dr_risk_annual_usd:,.0f} USD/year)",
                   fontsize=9)
    _worth_by_probability(by_p, w)
    verdict = "pays for itself" if w.pays_for_itself else "does not pay for itself"
    fig.suptitle(f"{report.scenario.name}: DR {verdict} at {p:g} disasters/year "
                 f"(break-even {_probability_text(w.break_even_annual_disaster_probability)})",
                 fontsize=10)
    return fig


def _probability_text(p: float) -> str:
    return "never" if math.isinf(p) else f"{p:.3g}/year"


def _worth_by_probability(ax, w) -> None:
    """Risk avoided (a line through the origin: p x avoided per disaster) and the DR spend
    against the annual disaster probability, log-log, the break-even marked."""
    ps = np.logspace(-4, 0, 200)
    ax.plot(ps, np.full_like(ps, w.dr_yearly_usd), color=DR_COLOR, label="DR spend")
    per = w.avoided_per_disaster_usd
    if per > 0:
        ax.plot(ps, ps * per, color=AVOIDED_COLOR, label="risk avoided")
        p_star = w.break_even_annual_disaster_probability
        if p_star <= 1:
            ax.axvline(p_star, color="k", linestyle=":", label=f"break-even {p_star:.3g}/year")
    p = w.no_dr.annual_disaster_probability
    if p > 0 and per > 0:
        ax.plot([p], [p * per], "o", color="k", label=f"scenario: {p:g}/year")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("annual disaster probability [1/year]")
    ax.set_ylabel("DR spend, risk avoided [USD/year]")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper left")


def dr_worth(frame: pd.DataFrame) -> Figure:
    """Per configuration, its yearly DR spend beside the risk it avoids against no DR (a
    :func:`drsim.report.worth.worth_frame`), on a log axis; each label says from which
    disaster probability on it pays for itself."""
    t = frame.reset_index(drop=True)
    fig = Figure(figsize=(WIDTH_IN, 1.2 + 0.55 * max(len(t), 1)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(t))
    avoided = t["risk_avoided_annual_usd"].to_numpy(float)
    shown = np.where(np.isfinite(avoided) & (avoided > 0), avoided, np.nan)
    ax.barh(y - 0.2, t["dr_yearly_usd"].to_numpy(float), 0.4, color=DR_COLOR, label="DR spend")
    ax.barh(y + 0.2, shown, 0.4, color=AVOIDED_COLOR, label="risk avoided against no DR")
    labels = [f"{r.scenario}\n{'pays' if r.pays_for_itself else 'does not pay'} at "
              f"{r.annual_disaster_probability:g}/year; from "
              f"{fmt_probability(r.break_even_annual_disaster_probability)}"
              for r in t.itertuples()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylabel("configuration")
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("DR spend, risk avoided [USD/year] (log scale)")
    ax.grid(alpha=0.3, axis="x", which="both")
    fig.legend(fontsize=8, loc="outside lower center", ncol=2)
    values = np.concatenate([t["dr_yearly_usd"].to_numpy(float), shown])
    values = values[np.isfinite(values) & (values > 0)]
    if len(values):  # the bars start at the axis: leave room left of the smallest
        ax.set_xlim(values.min() / 3, values.max() * 1.5)
    ax.set_title("what DR is worth: its yearly spend against the disaster cost it avoids",
                 fontsize=10)
    return fig


def sweep_figure(outcomes, setting: str, label: str | None = None) -> Figure:
    """One swept setting: RTO and worst-datastore RPO CDFs per value, and the monthly
    bill (DR part marked) with the expected yearly cost of disasters per value."""
    rows = [o for o in outcomes if o.setting == setting]
    label = label or setting
    fig = Figure(figsize=(WIDTH_IN + 3, 3.8), layout="constrained")
    a_rto, a_rpo, a_cost = fig.subplots(1, 3, width_ratios=[3, 3, 2])
    unit, k = time_unit(_finite_max(*[o.rto_s for o in rows]))
    for i, o in enumerate(rows):
        name = f"{o.value}" + (" (base)" if o.is_base else "")
        x, y = _ecdf(o.rto_s)
        a_rto.step(x / k, y, where="post", color=f"C{i}", label=name,
                   linewidth=2.2 if o.is_base else 1.3)
        x, y = _ecdf(np.maximum(o.rpo_s, 1e-3))
        a_rpo.step(x, y, where="post", color=f"C{i}", linewidth=2.2 if o.is_base else 1.3)
    if rows:
        obj = rows[0].scenario.objectives
        a_rto.axvline(obj.rto_s / k, color="k", linestyle=":", label="objective")
        if obj.rpo_s > 0:
            a_rpo.axvline(obj.rpo_s, color="k", linestyle=":")
    a_rto.set_xlabel(f"RTO [{unit}]")
    a_rto.set_ylabel("share of trials [-]")
    a_rto.legend(fontsize=8, title=label, title_fontsize=8, loc="lower right")
    a_rpo.set_xscale("log")
    a_rpo.set_xlabel("worst RPO over datastores [s]")
    a_rpo.set_ylabel("share of trials [-]")
    for ax in (a_rto, a_rpo):
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    xs = np.arange(len(rows))
    dr = np.array([o.dr_monthly_usd for o in rows], dtype=float)
    base = np.array([o.monthly_usd for o in rows], dtype=float) - dr
    risk = np.array([o.risk_annual_usd for o in rows], dtype=float) / 12
    if np.isfinite(base).any():
        a_cost.bar(xs - 0.2, base, 0.4, color=BASE_COLOR, label="runs the service")
        a_cost.bar(xs - 0.2, dr, 0.4, bottom=base, color=DR_COLOR, label="DR")
        a_cost.bar(xs + 0.2, np.where(np.isfinite(risk), risk, np.nan), 0.4, color=RISK_COLOR,
                   label="disasters (expected, /12)")
        a_cost.legend(fontsize=7)
    else:
        a_cost.text(0.5, 0.5, "no AWS bill\n(platform: local)", ha="center",
                    transform=a_cost.transAxes)
    a_cost.set_xticks(xs, [str(o.value) for o in rows], rotation=30)
    a_cost.set_ylabel("bill; disasters / 12 [USD/month]")
    a_cost.set_xlabel(textwrap.fill(label, 28))  # a narrow panel: long names on two lines
    a_cost.grid(alpha=0.3, axis="y")
    fig.suptitle(f"{rows[0].scenario.name if rows else ''}: varying {label}")
    return fig


CONFIG_MARKERS = "osD^vP*Xhp<>"
"""One marker per configuration (with its colour) in the frontier figure's legend
(not ``MARKERS``: the timeline chart's events have that name)."""
POINT_COLORS = ("C0", "C1", "C2", "C4", "C5", "C6", "C7", "C8", "C9")
"""Their colours: every default colour but red (C3), which marks the frontier."""


def frontier_figure(table: pd.DataFrame, objectives: dict | None = None) -> Figure:
    """Monthly bill against p95 RTO and against p95 RPO, one point per configuration;
    the frontier (no other configuration is both cheaper and faster) is joined up.

    Each configuration has its own marker and colour, named in one legend below the
    panels: labels beside the points would overlap wherever two configurations have
    nearly the same bill and percentile (as pilot light and warm standby can).
    """
    from drsim.compare.strategies import frontier

    t = table[table["monthly_usd"].notna()].reset_index(drop=True)
    fig = Figure(figsize=(WIDTH_IN + 2, 4.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, col, what in ((axes[0], "rto_p95_s", "p95 RTO"), (axes[1], "rpo_p95_s",
                                                               "p95 RPO (worst datastore)")):
        unit, k = time_unit(_finite_max(t[col].to_numpy(float)) if len(t) else 1.0)
        if col == "rpo_p95_s":
            unit, k = "s", 1.0
        on = frontier(t, risk=col) if len(t) else pd.Series(dtype=bool)
        f = t[on.to_numpy()].sort_values("monthly_usd") if len(t) else t
        ax.plot(f["monthly_usd"], f[col] / k, color="C3", linewidth=1, zorder=2,
                label="frontier")
        for i, row in t.iterrows():
            ax.scatter([row["monthly_usd"]], [row[col] / k],
                       marker=CONFIG_MARKERS[i % len(CONFIG_MARKERS)],
                       color=POINT_COLORS[i % len(POINT_COLORS)], s=45, zorder=3, label=row["label"],
                       edgecolors="C3" if on.iloc[i] else "none", linewidths=1.5)
        if objectives and col == "rto_p95_s":
            ax.axhline(objectives["rto_s"] / k, color="k", linestyle=":", label="objective")
        if objectives and col == "rpo_p95_s" and objectives["rpo_s"] > 0:
            ax.axhline(objectives["rpo_s"], color="k", linestyle=":", label="objective")
        if col == "rpo_p95_s":
            ax.set_yscale("log")
        ax.set_xlabel("bill [USD/month]")
        ax.set_ylabel(f"{what} [{unit}]")
        # Few bill ticks: a long last one would reach into the next panel's tick labels.
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
               fontsize=8, frameon=False)
    fig.suptitle("cost against risk: points ringed in red, on the red line, are not beaten "
                 "on both")
    return fig


def rto_cdfs(outcomes, objectives: dict | None = None) -> Figure:
    """RTO CDFs of several configurations on one log time axis (configurations differ by
    orders of magnitude), in the unit the slowest needs."""
    fig = Figure(figsize=(WIDTH_IN, 4.2), layout="constrained")
    ax = fig.add_subplot()
    unit, k = time_unit(_finite_max(*[o.rto_s for o in outcomes]) if outcomes else 1.0)
    for i, o in enumerate(outcomes):
        x, y = _ecdf(np.maximum(o.rto_s, 1e-3))
        ax.step(x / k, y, where="post", color=f"C{i}", label=o.label)
    if objectives:
        ax.axvline(objectives["rto_s"] / k, color="k", linestyle=":",
                   label=f"RTO objective {in_unit(objectives['rto_s'], unit, k)}")
    ax.set_xscale("log")
    ax.set_xlabel(f"RTO [{unit}] (log scale)")
    ax.set_ylabel("share of trials [-]")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title("RTO by configuration")
    return fig


def violator_sensitivity(frame: pd.DataFrame, summary: Summary) -> Figure:
    """p50 and p95 of the RTO and of the probe's RTO against the TTL violators' share
    (a :func:`drsim.compare.sensitivity.violator_sensitivity` frame), with the RTO
    objective line. The probe resolves through a TTL-honouring resolver: its lines
    stay flat. A percentile that never recovers is left out of its line."""
    fig = Figure(figsize=(WIDTH_IN, 4.0), layout="constrained")
    ax = fig.add_subplot()
    share = frame["share"].to_numpy(float) * 100
    cols = ("rto_p50_s", "rto_p95_s", "probe_rto_p50_s", "probe_rto_p95_s")
    unit, k = time_unit(_finite_max(*[frame[c].to_numpy(float) for c in cols]))
    for col, label, style, color in (("rto_p95_s", "p95 RTO (affected clients)", "-", "C3"),
                                     ("rto_p50_s", "p50 RTO (affected clients)", "-", "C0"),
                                     ("probe_rto_p95_s", "p95 probe RTO", "--", "C3"),
                                     ("probe_rto_p50_s", "p50 probe RTO", "--", "C0")):
        y = frame[col].to_numpy(float)
        ax.plot(share, np.where(np.isfinite(y), y, np.nan) / k, style, color=color,
                marker="o", label=label)
    ax.axhline(summary.objectives.rto_s / k, color="k", linestyle=":", label="RTO objective")
    ticks: dict[float, list[str]] = {}  # equal shares (a given share of 1, doubled) share one
    for x, case in zip(share, frame["case"], strict=True):
        ticks.setdefault(x, []).append(case)
    ax.set_xticks(list(ticks), [f"{x:.3g}\n{' = '.join(c)}" for x, c in ticks.items()])
    ax.set_xlabel("clients behind a TTL-violating resolver, probability per client [%]")
    ax.set_ylabel(f"fault to recovery [{unit}]")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("RTO against the TTL violators' share (same seed and trials)")
    return fig
