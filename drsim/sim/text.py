"""The simulation summary as text: the table ``drsim simulate`` prints and its number format."""

from __future__ import annotations

import math


def format_summary(summary: dict) -> str:
    """The summary as a readable table."""
    obj = summary["objectives"]
    lines = [
        f"{summary['scenario']}: {summary['trials']:,} trials, seed {summary['seed']}",
        "",
        f"{'':26s}{'mean':>10s}{'p50':>10s}{'p90':>10s}{'p95':>10s}{'p99':>10s}{'max':>10s}",
    ]

    def row(label, dist, unit="s", infinite="never"):
        cells = "".join(f"{fmt_s(dist[k], infinite):>10s}"
                        for k in ("mean", "p50", "p90", "p95", "p99", "max"))
        lines.append(f"{label + ' [' + unit + ']':26s}{cells}")

    row("RTO", summary["rto_s"])
    row("first success", summary["first_success_s"])
    row("detect", summary["detect_s"])
    lines.append("phases")
    for name, dist in summary["phases"].items():
        row("  " + name.removesuffix("_s"), dist)
    if summary["rpo_s"]:
        lines.append("RPO")
        for name, dist in summary["rpo_s"].items():
            row("  " + name, dist, infinite="unbounded")
        lines.append("lost writes")
        for name, dist in summary["lost_writes"].items():
            row("  " + name, dist, "writes", infinite="unbounded")
    lines += [
        "",
        f"P(RTO <= {fmt_s(obj['rto_s'])} s) = {summary['p_rto_met']:.3f}   "
        f"(RTO: until {obj['recovered_fraction']:g} of clients are served)",
        f"P(RPO <= {fmt_s(obj['rpo_s'])} s) = {summary['p_rpo_met']:.3f}   (every datastore)",
    ]
    return "\n".join(lines)


def fmt_s(x: float, infinite: str = "never") -> str:
    """A figure as the summary prints it: ``1,433.0``; ``-`` for none; an infinite
    time ``never`` (a trial that never recovers), an infinite loss ``unbounded``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return infinite
    return f"{x:,.1f}" if abs(x) < 1e6 else f"{x:.3g}"
