"""Tables of the reports, as DataFrames of formatted strings.

Numbers are formatted the way the command line prints them (``drsim simulate``:
seconds with one decimal and thousands separators, ``never`` for a trial that
never recovers; probabilities with three decimals; ``drsim cost``: dollars with
two decimals), so a figure in a report can be found in the CLI's output.
"""

from __future__ import annotations

import math

import pandas as pd

from drsim.errors import DrsimError
from drsim.summary import Summary, fmt_s  # fmt_s: the figures and the index import it from here


def fmt_usd(x) -> str:
    """Dollars as ``drsim cost`` prints them: ``1,917.42``; ``-`` where there is none. [USD]"""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "unbounded"
    return f"{x:,.2f}"


def fmt_p(x) -> str:
    """A probability with three decimals, as ``drsim simulate`` prints it."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3f}"


def fmt_probability(p) -> str:
    """A yearly probability to three significant digits: ``0.00193``; ``never`` for inf."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    if math.isinf(p):
        return "never"
    return f"{p:.3g}"


def summary_table(summary: Summary) -> pd.DataFrame:
    """The rows of ``drsim simulate``'s table: RTO, first success, phases, RPO and lost
    writes per datastore; columns mean, p50, p90, p95, p99, max; figures formatted as
    the CLI prints them. (Detection is the detect phase, so it is shown once.)"""
    return summary.to_frame(formatted=True).drop(index="detect [s]").rename_axis(None)


def objectives_table(summary: Summary) -> pd.DataFrame:
    """P(meeting the objectives): RTO, RPO over every datastore, and RPO per datastore."""
    rows = summary.objective_lines()
    return pd.DataFrame({"objective": [r[0] for r in rows],
                         "probability": [fmt_p(r[1]) for r in rows]})


def cost_lines_table(breakdown) -> pd.DataFrame:
    """Every priced line of a :class:`drsim.cost.CostBreakdown`; ``*`` marks unconfirmed prices."""
    rows = []
    for ln in breakdown.lines:
        rows.append({
            "service": ln.service,
            "region": ln.region,
            "item": ln.item,
            "quantity": f"{ln.quantity:,.4g}",
            "unit": ln.unit,
            "USD/unit": f"{ln.usd_per_unit:g}",
            "USD/month": fmt_usd(ln.monthly_usd),
            "DR": "yes" if ln.dr else "",
            "price": "unconfirmed *" if ln.unconfirmed else "",
        })
    rows.append({"service": "total", "region": "", "item": "", "quantity": "", "unit": "",
                 "USD/unit": "", "USD/month": fmt_usd(breakdown.monthly_usd),
                 "DR": fmt_usd(breakdown.dr_monthly_usd), "price": ""})
    return pd.DataFrame(rows)


def reconciliation_table(breakdown) -> pd.DataFrame:
    """The bill beside the seed document's own estimate, item by item, with the reason for
    every difference (:func:`drsim.cost.reconcile.reconcile`). [USD/month]"""
    from drsim.cost.reconcile import reconcile

    rows = []
    for r in reconcile(breakdown):
        lo, hi = r["seed_low_usd"], r["seed_high_usd"]
        seed = "-" if lo is None else (f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}-{hi:,.0f}")
        rows.append({"item": r["item"], "seed's estimate": seed, "seed's basis": r["seed_basis"],
                     "drsim": fmt_usd(r["drsim_usd"]),
                     "beyond the seed's range": fmt_usd(r["difference_usd"]),
                     "why": r["reason"]})
    return pd.DataFrame(rows)


def risk_table(report) -> pd.DataFrame:
    """Expected downtime cost against DR spend, per year, and what DR is worth against no
    DR (risk avoided, whether and from which disaster probability on it pays for itself),
    with how each figure is made."""
    b, r = report.breakdown, report.risk
    if b is None:
        return pd.DataFrame({"figure": ["cost"], "USD/year": ["-"],
                             "how": [report.no_cost_reason]})
    rows = [("DR spend", fmt_usd(b.dr_yearly_usd),
             f"{fmt_usd(b.dr_monthly_usd)} USD/month x 12 (secondary region, replication, "
             "failover detection and runbook)"),
            ("whole bill", fmt_usd(b.yearly_usd), f"{fmt_usd(b.monthly_usd)} USD/month x 12")]
    if r is None:
        rows.append(("expected cost of disasters", "unbounded", report.no_cost_reason))
    else:
        rows += [
            ("expected cost of disasters", fmt_usd(r.expected_annual_usd),
             f"{r.annual_disaster_probability:g} disasters/year x "
             f"{fmt_usd(r.per_disaster_usd)} USD per disaster"),
            ("  downtime per disaster", fmt_usd(r.downtime_usd_per_disaster),
             f"{fmt_s(r.expected_downtime_s)} s mean RTO x "
             f"{fmt_usd(r.downtime_cost_usd_per_h)} USD/h"),
            ("  lost writes per disaster", fmt_usd(r.lost_writes_usd_per_disaster),
             f"{r.expected_lost_writes:,.1f} mean lost writes x {r.lost_write_cost_usd:g} USD"),
        ]
    if getattr(report, "dr_value", None) is not None:
        rows += _worth_rows(report.dr_value)
    return pd.DataFrame(rows, columns=["figure", "USD/year", "how"])


def _worth_rows(w) -> list[tuple[str, str, str]]:
    """The :func:`risk_table` rows of what DR is worth against no DR (a ``DrValue``)."""
    n = w.no_dr
    p_star = w.break_even_annual_disaster_probability
    when = ("no probability makes it pay" if math.isinf(p_star) or p_star > 1
            else f"it pays for itself from {p_star:.3g} disasters/year on")
    return [
        ("expected cost of disasters with no DR", fmt_usd(n.expected_annual_usd),
         f"{n.annual_disaster_probability:g} disasters/year x {fmt_usd(n.per_disaster_usd)} USD "
         "per disaster: the service waits for the region to return"),
        ("  downtime per disaster", fmt_usd(n.downtime_usd_per_disaster),
         f"{fmt_s(n.expected_downtime_s)} s mean region outage (objectives.region_outage_s) x "
         f"{fmt_usd(n.downtime_cost_usd_per_h)} USD/h"),
        ("  lost writes per disaster", fmt_usd(n.lost_writes_usd_per_disaster),
         f"{n.expected_lost_writes:,.1f} writes since the newest off-region backup x "
         f"{n.lost_write_cost_usd:g} USD"),
        ("risk avoided by DR", fmt_usd(w.risk_avoided_annual_usd),
         "expected cost of disasters with no DR minus with this configuration"),
        ("pays for itself", "yes" if w.pays_for_itself else "no",
         f"risk avoided {'>=' if w.pays_for_itself else '<'} DR spend at "
         f"{n.annual_disaster_probability:g} disasters/year; {when} (DR spend / risk avoided "
         "per disaster)"),
    ]


def sources_table(scenario, breakdown=None) -> pd.DataFrame:
    """Where each figure comes from: the scenario's ``sources`` and the price lines' sources.

    ``flag`` is ``assumption`` for a scenario figure no source backs (its source says
    ``assumption``, or ``unconfirmed``) and ``unconfirmed`` for a price no retrieved
    source confirms; empty where a source backs the figure.
    """
    from drsim.scenario.paths import PathError, resolve

    rows = []
    for key, src in scenario.sources.items():
        try:
            value = _value_text(resolve(scenario, key))
        except PathError:
            value = "-"
        flag = source_flag(src)
        rows.append({"figure": key, "value": value, "source": src, "flag": flag})
    if breakdown is not None:
        seen = set()
        for ln in breakdown.lines:
            p = ln.price
            if (p.table, p.key) in seen:
                continue
            seen.add((p.table, p.key))
            rows.append({"figure": f"price {p.key} ({ln.region})",
                         "value": f"{p.usd_per_unit:g} USD per {p.unit}",
                         "source": f"{p.source} (table {p.table})",
                         "flag": "unconfirmed" if p.unconfirmed else ""})
    return pd.DataFrame(rows, columns=["figure", "value", "source", "flag"])


def source_flag(source: str) -> str:
    """``assumption`` for a scenario source that backs nothing (it says ``assumption``,
    or ``unconfirmed``), else empty."""
    low = source.lower()
    return "assumption" if low.startswith("assumption") or "unconfirmed" in low else ""


def violators_note(scenario) -> str:
    """What the scenario assumes of the TTL violators, each figure with its source and
    *assumption* where no source backs it (Markdown, for the sensitivity section)."""
    dns = scenario.dns
    lines = [f"**TTL violators**: each client that can move sits behind a TTL-violating "
             f"resolver with probability {dns.ttl_violation_fraction:.4g} (their count is "
             f"drawn per trial: binomial over those of the {dns.clients:,} clients that can "
             f"move); such a resolver keeps "
             f"the old answer `{_value_text(dns.violation_extra_s)}` s past the TTL."]
    for key in ("dns.ttl_violation_fraction", "dns.violation_extra_s"):
        # The most specific entry that covers the field (a whole section may have one).
        covering = [k for k in scenario.sources if key == k or key.startswith(k + ".")]
        src = scenario.sources[max(covering, key=len)] if covering else None
        if src is None:
            lines.append(f"- `{key}`: *assumption* (the scenario's `sources` name none)")
        elif src.lower().startswith("assumption"):
            lines.append(f"- `{key}`: *assumption*{src[len('assumption'):]}")
        else:
            lines.append(f"- `{key}`: {'*assumption*: ' if source_flag(src) else ''}{src}")
    return "\n".join(lines)


def sensitivity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A :func:`drsim.compare.sensitivity.violator_sensitivity` frame, formatted."""
    return pd.DataFrame({
        "violators": frame["case"],
        "share": [f"{x:.2%}" for x in frame["share"]],
        "p50 RTO [s]": [fmt_s(x) for x in frame["rto_p50_s"]],
        "p95 RTO [s]": [fmt_s(x) for x in frame["rto_p95_s"]],
        "p50 probe RTO [s]": [fmt_s(x) for x in frame["probe_rto_p50_s"]],
        "p95 probe RTO [s]": [fmt_s(x) for x in frame["probe_rto_p95_s"]],
        "P(RTO met)": [fmt_p(x) for x in frame["p_rto_met"]],
    })


def _value_text(value) -> str:
    from pydantic import BaseModel

    from drsim.distributions import _Distribution

    if isinstance(value, _Distribution):
        return repr(value)
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def outcomes_display(table: pd.DataFrame, columns=None) -> pd.DataFrame:
    """A :func:`drsim.compare.outcomes.outcomes_table` (or ranked one) formatted for reading."""
    fmt = {
        "rto_p50_s": ("p50 RTO [s]", fmt_s), "rto_p95_s": ("p95 RTO [s]", fmt_s),
        "probe_rto_p50_s": ("p50 probe RTO [s]", fmt_s),
        "rpo_p95_s": ("p95 RPO [s]", fmt_s), "p_rto_met": ("P(RTO met)", fmt_p),
        "p_rpo_met": ("P(RPO met)", fmt_p), "monthly_usd": ("bill [USD/month]", fmt_usd),
        "dr_monthly_usd": ("DR part [USD/month]", fmt_usd),
        "risk_annual_usd": ("disasters [USD/year]", fmt_usd),
        "no_dr_risk_annual_usd": ("disasters, no DR [USD/year]", fmt_usd),
        "risk_avoided_annual_usd": ("risk avoided [USD/year]", fmt_usd),
        "break_even_annual_disaster_probability": (
            "pays from [disasters/year]", fmt_probability),
        "pays_for_itself": ("pays for itself", lambda v: "-" if v is None else
                            ("yes" if v else "no")),
        "total_annual_usd": ("bill + disasters [USD/year]", fmt_usd),
        "next_cheaper": ("next cheaper", lambda v: v or "-"),
        "extra_spend_annual_usd": ("extra spend [USD/year]", fmt_usd),
        "extra_risk_avoided_annual_usd": ("extra risk avoided [USD/year]", fmt_usd),
        "step_pays_for_itself": ("step pays for itself", lambda v: "-" if v is None else
                                 ("yes" if v else "no")),
        "frontier": ("on frontier", lambda v: "yes" if v else ""),
        "meets_objectives": ("meets objectives", lambda v: "yes" if v else "no"),
        "missed": ("misses", lambda v: v or "-"),
        "base": ("base", lambda v: "base" if v else ""),
    }
    columns = list(columns or table.columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DrsimError(f"no column {missing[0]!r} to show; columns are {', '.join(table.columns)}")
    out = pd.DataFrame(index=table.index)
    for col in columns:
        label, f = fmt.get(col, (col, lambda v: "" if v is None else str(v)))
        out[label] = [f(v) for v in table[col]]
    return out


def sources_note(sources: pd.DataFrame) -> str:
    """One sentence counting the figures without a source (a :func:`sources_table`)."""
    scen = sources[~sources["figure"].str.startswith("price ")]
    price = sources[sources["figure"].str.startswith("price ")]
    n_assumed = int((scen["flag"] == "assumption").sum())
    n_unconf = int((price["flag"] == "unconfirmed").sum())
    text = (f"{len(scen)} scenario figures name a source; {n_assumed} of them are assumptions "
            "(flagged *assumption*).")
    if len(price):
        text += (f" {len(price)} prices were used; {n_unconf} of them no retrieved source "
                 "confirms (flagged *unconfirmed*).")
    return text


def scenario_table(report) -> pd.DataFrame:
    """What was simulated: the scenario, its strategy and regions, trials, seed, overrides."""
    sc, s = report.scenario, report.summary
    rows = [("scenario", sc.name), ("description", " ".join(sc.description.split()) or "-"),
            ("file", str(report.path)), ("strategy", sc.strategy), ("platform", sc.platform),
            ("regions", f"{sc.regions.primary} -> {sc.regions.secondary}"),
            ("failure", sc.failure.mode), ("trials", f"{s.trials:,}"), ("seed", str(s.seed)),
            ("overrides", ", ".join(f"{k}={v}" for k, v in
                                    report.overrides.get("set", {}).items()) or "-"),
            ("objective overrides", ", ".join(f"{k}={v}" for k, v in
                                              report.overrides.get("objectives", {}).items()) or "-")]
    return pd.DataFrame(rows, columns=["", "value"])
