"""Typed simulation summaries: what ``drsim simulate`` reports, as objects to read and show.

A :class:`Summary` holds the figures of one Monte Carlo run: the RTO of the clients,
the RTO an external probe measures, detection, first success and the phases as
:class:`Stats` (mean, percentiles, max), RPO and lost writes per datastore, and the
probabilities of meeting the objectives. It shows itself as the text table
``drsim simulate`` prints (:meth:`Summary.to_text`), as a DataFrame
(:meth:`Summary.to_frame`), as HTML in a notebook, and as the JSON ``drsim simulate
--json`` prints (:meth:`Summary.as_dict`).

This module sits below the engine, the comparisons and the reports, and imports
none of them: the engine builds a summary, everyone else reads it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

STAT_NAMES = ("mean", "p50", "p90", "p95", "p99", "max")
"""The figures of every metric, in the order the JSON and the tables hold them."""

NEVER_DETECTED = "neither the health check nor the alarm saw the fault"
"""What ``p_never_detected`` counts, in the words the text and HTML show."""


def fmt_s(x: float | None, infinite: str = "never") -> str:
    """A figure as the summary prints it: ``1,433.0``; ``-`` for none; an infinite
    time ``never`` (a trial that never recovers), an infinite loss ``unbounded``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return infinite
    return f"{x:,.1f}" if abs(x) < 1e6 else f"{x:.3g}"


@dataclass(frozen=True)
class Stats:
    """One metric over many trials (or runs): its mean, percentiles and maximum.

    The unit is the metric's (``rto_s`` in seconds, ``lost_writes`` in writes);
    inf where some trial never got there (the mean, and a percentile once it
    reaches those trials), NaN for no trials at all.

    n : how many values, where the count belongs to the metric (measured game
        days, whose runs may lack a value); None for a simulated metric, whose
        count is the summary's ``trials``. [-]
    """

    mean: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    n: int | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Stats:
        """From ``{"mean", "p50", "p90", "p95", "p99", "max"}`` (and ``"n"`` if given)."""
        return cls(*(d[k] for k in STAT_NAMES), n=d.get("n"))

    def as_dict(self) -> dict:
        """``{"mean", "p50", "p90", "p95", "p99", "max"}``, led by ``"n"`` where it is known."""
        out = {} if self.n is None else {"n": self.n}
        out.update((k, getattr(self, k)) for k in STAT_NAMES)
        return out

    def __repr__(self) -> str:
        n = "" if self.n is None else f"n={self.n}, "
        return "Stats(" + n + ", ".join(f"{k}={getattr(self, k):.6g}" for k in STAT_NAMES) + ")"


@dataclass(frozen=True)
class SummaryObjectives:
    """The objectives a summary's probabilities were counted against.

    rto_s : RTO objective. [s]
    rpo_s : RPO objective of the datastores that set none of their own. [s]
    recovered_fraction : share of the affected clients served again that ends the RTO. [-]
    rto_metric : the RTO held against ``rto_s``: ``clients`` (the summary's ``rto_s``)
        or ``probe`` (its ``probe_rto_s``).
    confidence : the objectives are met when each probability of meeting one is at
        least this. [-]
    rpo_by_datastore_s : ``{datastore: its RPO objective}``. [s]
    """

    rto_s: float
    rpo_s: float
    recovered_fraction: float
    rto_metric: str = "clients"
    confidence: float = 0.9
    rpo_by_datastore_s: dict[str, float] | None = None

    def as_dict(self) -> dict:
        """The objectives' JSON; ``rto_metric`` only where it is not the default
        ``clients``, so the JSON of a scenario that does not choose keeps its shape."""
        out = {"rto_s": self.rto_s, "rpo_s": self.rpo_s,
               "recovered_fraction": self.recovered_fraction}
        if self.rto_metric != "clients":
            out["rto_metric"] = self.rto_metric
        out["confidence"] = self.confidence
        if self.rpo_by_datastore_s is not None:
            out["rpo_by_datastore_s"] = dict(self.rpo_by_datastore_s)
        return out

    def rpo_of(self, datastore: str) -> float:
        """The RPO objective of ``datastore``. [s]"""
        return (self.rpo_by_datastore_s or {}).get(datastore, self.rpo_s)

    def rto_label(self) -> str:
        """The RTO ``p_rto_met`` counts, as the text names it: ``RTO`` or ``probe RTO``."""
        return "probe RTO" if self.rto_metric == "probe" else "RTO"

    def rto_definition(self) -> str:
        """What ends that RTO, in words: ``until 0.99 of the affected clients are served``."""
        if self.rto_metric == "probe":
            return "until an external probe is served again"
        return f"until {self.recovered_fraction:g} of the affected clients are served"


@dataclass(frozen=True)
class Flaps:
    """How often the health check declared the primary healthy again after declaring it
    unhealthy (while checking went on; see :mod:`drsim.sim.trial`).

    mean : flaps per trial. [-]
    p_flapped : share of trials with at least one flap. [-]
    """

    mean: float
    p_flapped: float

    def as_dict(self) -> dict:
        return {"mean": self.mean, "p_flapped": self.p_flapped}

    def to_text(self) -> str:
        return (f"P(flapped) = {self.p_flapped:.3f}   (health check declared the primary "
                f"healthy again; {self.mean:.3f} flaps per trial)")


@dataclass(frozen=True)
class Summary:
    """The summary of one simulation (what ``drsim simulate`` prints).

    scenario : the scenario's name.
    trials : trials simulated. [-]
    seed : the root seed.
    rto_s : time until ``objectives.recovered_fraction`` of the affected clients (those
        on the failed primary) are served again. [s]
    detect_s : time until the failure is detected. [s]
    first_success_s : time until the first affected client is served again. [s]
    phases : each phase's duration (:data:`drsim.rules.PHASES`: detect, alarm_lag,
        decide, recover, cutover), then the delay terms inside them
        (:data:`drsim.rules.DELAY_TERMS`: dns_propagation, standby_ready). [s]
    rpo_s : ``{datastore: data lost}``: replication lag or backup age at the fault. [s]
    lost_writes : ``{datastore: writes lost}``. [writes]
    p_rto_met : share of trials whose RTO (``rto_s``, or ``probe_rto_s`` when
        ``objectives.rto_metric`` is ``probe``) is within ``objectives.rto_s``. [-]
    p_rpo_met : share of trials with every datastore within its RPO objective. [-]
    p_rpo_met_by_datastore : ``{datastore: share of trials within its RPO objective}``. [-]
    objectives : the objectives counted against.
    probe_rto_s : time until an external probe (resolving afresh every few seconds)
        is served again; None in a summary from before it was simulated. [s]
    flaps : how the health check flapped (a brownout's can declare the primary
        healthy again); None for a fault whose checks cannot recover.
    p_never_detected : share of trials in which neither the health check declared the
        primary unhealthy nor the alarm fired (a fault nothing watched can see); None
        in a summary from before it was counted. [-]
    p_objectives_met : share of trials meeting the RTO objective and every datastore's
        RPO objective in the same trial (jointly, not the product of the shares); None
        in a summary from before it was counted. [-]

    The mappings keep the order the JSON prints (phases in time order, datastores
    in the scenario's order); treat them as read-only.
    """

    scenario: str
    trials: int
    seed: int
    rto_s: Stats
    detect_s: Stats
    first_success_s: Stats
    phases: dict[str, Stats]
    rpo_s: dict[str, Stats]
    lost_writes: dict[str, Stats]
    p_rto_met: float
    p_rpo_met: float
    p_rpo_met_by_datastore: dict[str, float]
    objectives: SummaryObjectives
    probe_rto_s: Stats | None = None
    flaps: Flaps | None = None
    p_never_detected: float | None = None
    p_objectives_met: float | None = None

    def __post_init__(self):
        # Own copies, so a caller's later change to its dicts cannot change a frozen summary.
        for name in ("phases", "rpo_s", "lost_writes", "p_rpo_met_by_datastore"):
            object.__setattr__(self, name, dict(getattr(self, name)))

    # --- the objectives -----------------------------------------------------------------

    def shortfalls(self) -> dict[str, float]:
        """``{objective: confidence - P(met)}`` for each objective: the RTO (``rto``) and
        each datastore's RPO (``rpo.<name>``); positive where it is missed. [-]"""
        c = self.objectives.confidence
        out = {"rto": c - self.p_rto_met}
        out.update((f"rpo.{k}", c - p) for k, p in self.p_rpo_met_by_datastore.items())
        return out

    @property
    def meets_objectives(self) -> bool:
        """P(RTO met) and, for every datastore, P(RPO met) are at least the confidence."""
        return all(gap <= 0 for gap in self.shortfalls().values())

    # --- the JSON shape -----------------------------------------------------------------

    def as_dict(self) -> dict:
        """The JSON of ``drsim simulate --json``: same keys, order and values as ever
        (inf stays inf here; :func:`drsim.jsontext.to_json` writes it as null)."""
        out = {
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "rto_s": self.rto_s.as_dict(),
        }
        if self.probe_rto_s is not None:
            out["probe_rto_s"] = self.probe_rto_s.as_dict()
        return out | {
            "detect_s": self.detect_s.as_dict(),
            "first_success_s": self.first_success_s.as_dict(),
            "phases": {k: v.as_dict() for k, v in self.phases.items()},
            "rpo_s": {k: v.as_dict() for k, v in self.rpo_s.items()},
            "lost_writes": {k: v.as_dict() for k, v in self.lost_writes.items()},
            "p_rto_met": self.p_rto_met,
            "p_rpo_met": self.p_rpo_met,
            "p_rpo_met_by_datastore": dict(self.p_rpo_met_by_datastore),
        } | ({} if self.p_objectives_met is None else
             {"p_objectives_met": self.p_objectives_met}) | {
            "meets_objectives": self.meets_objectives,
        } | ({} if self.flaps is None else {"flaps": self.flaps.as_dict()}) \
          | self._detection_dict() | {
            "objectives": self.objectives.as_dict(),
        }

    def _detection_dict(self) -> dict:
        if self.p_never_detected is None:
            return {}
        return {"p_never_detected": self.p_never_detected}

    @classmethod
    def from_dict(cls, d: dict) -> Summary:
        """The summary :meth:`as_dict` gave (inf as inf, not as JSON's null); one from
        before ``probe_rto_s`` was simulated has None there."""
        def stats(m: dict) -> dict[str, Stats]:
            return {k: Stats.from_dict(v) for k, v in m.items()}

        probe, flaps = d.get("probe_rto_s"), d.get("flaps")
        return cls(d["scenario"], d["trials"], d["seed"], Stats.from_dict(d["rto_s"]),
                   Stats.from_dict(d["detect_s"]), Stats.from_dict(d["first_success_s"]),
                   stats(d["phases"]), stats(d["rpo_s"]), stats(d["lost_writes"]),
                   d["p_rto_met"], d["p_rpo_met"], dict(d["p_rpo_met_by_datastore"]),
                   SummaryObjectives(**d["objectives"]),
                   None if probe is None else Stats.from_dict(probe),
                   None if flaps is None else Flaps(**flaps),
                   d.get("p_never_detected"), d.get("p_objectives_met"))

    # --- tables ---------------------------------------------------------------------------

    def metrics(self) -> list[tuple[str, Stats, str]]:
        """``(label with its unit, stats, word for an infinite figure)`` per metric, in the
        order the tables show them: RTO, probe RTO (where simulated), first success,
        detection, phases, RPO and lost writes per datastore. An infinite time never came
        (``never``); an infinite RPO or loss has no bound (``unbounded``)."""
        rows = [("RTO [s]", self.rto_s, "never")]
        if self.probe_rto_s is not None:
            rows.append(("probe RTO [s]", self.probe_rto_s, "never"))
        rows += [("first success [s]", self.first_success_s, "never"),
                 ("detect [s]", self.detect_s, "never")]
        rows += [(f"phase: {_phase_label(k)} [s]", v, "never") for k, v in self.phases.items()]
        rows += [(f"RPO {k} [s]", v, "unbounded") for k, v in self.rpo_s.items()]
        rows += [(f"lost writes {k} [writes]", v, "unbounded")
                 for k, v in self.lost_writes.items()]
        return rows

    def to_frame(self, formatted: bool = False) -> pd.DataFrame:
        """One row per metric (labelled with its unit: ``RTO [s]``, ``RPO orders_db [s]``,
        ``lost writes orders_db [writes]``), columns mean, p50, p90, p95, p99, max.

        formatted : the figures as text the way ``drsim simulate`` prints them
            (``1,433.0``, ``never``, ``unbounded``) instead of floats.
        """
        rows = self.metrics()
        if formatted:
            data = [[fmt_s(getattr(st, k), inf) for k in STAT_NAMES] for _, st, inf in rows]
        else:
            data = [[float(getattr(st, k)) for k in STAT_NAMES] for _, st, _inf in rows]
        index = pd.Index([label for label, _, _ in rows], name="metric")
        return pd.DataFrame(data, index=index, columns=list(STAT_NAMES))

    def objective_lines(self) -> list[tuple[str, float]]:
        """``(objective, probability of meeting it)``: RTO, RPO over every datastore, and
        RPO per datastore."""
        o = self.objectives
        rows = [(f"{o.rto_label()} <= {fmt_s(o.rto_s)} s ({o.rto_definition()})",
                 self.p_rto_met),
                ("RPO within its objective, every datastore", self.p_rpo_met)]
        rows += [(f"RPO <= {fmt_s(o.rpo_of(name))} s, {name}", p)
                 for name, p in self.p_rpo_met_by_datastore.items()]
        return rows

    def verdict(self) -> str:
        """One line: whether the objectives are met at the confidence, and which are not."""
        c = self.objectives.confidence
        missed = [k for k, gap in self.shortfalls().items() if gap > 0]
        if not missed:
            return f"objectives met (each P(met) >= {c:g})"
        names = ", ".join("RTO" if k == "rto" else f"RPO {k.removeprefix('rpo.')}" for k in missed)
        return f"objectives NOT met at confidence {c:g}: {names}"

    # --- showing it -----------------------------------------------------------------------

    def to_text(self) -> str:
        """The table ``drsim simulate`` prints."""
        obj = self.objectives
        lines = [
            f"{self.scenario}: {self.trials:,} trials, seed {self.seed}",
            "",
            f"{'':26s}" + "".join(f"{k:>10s}" for k in STAT_NAMES),
        ]

        def row(label, stats, unit="s", infinite="never"):
            cells = "".join(f"{fmt_s(getattr(stats, k), infinite):>10s}" for k in STAT_NAMES)
            lines.append(f"{label + ' [' + unit + ']':26s}{cells}")

        row("RTO", self.rto_s)
        if self.probe_rto_s is not None:
            row("probe RTO", self.probe_rto_s)
        row("first success", self.first_success_s)
        row("detect", self.detect_s)
        lines.append("phases")
        for name, stats in self.phases.items():
            row("  " + name.removesuffix("_s"), stats)
        if self.rpo_s:
            lines.append("RPO")
            for name, stats in self.rpo_s.items():
                row("  " + name, stats, infinite="unbounded")
            lines.append("lost writes")
            for name, stats in self.lost_writes.items():
                row("  " + name, stats, "writes", infinite="unbounded")
        lines += [
            "",
            (f"P({obj.rto_label()} <= {fmt_s(obj.rto_s)} s) = {self.p_rto_met:.3f}   "
             f"({obj.rto_label()}: {obj.rto_definition()})"),
            f"P(RPO <= {fmt_s(obj.rpo_s)} s) = {self.p_rpo_met:.3f}   (every datastore)"
            if not self._own_rpo_objectives() else
            f"P(RPO met) = {self.p_rpo_met:.3f}   (every datastore within its own objective)",
        ]
        lines += [f"  {name}: P(RPO <= {fmt_s(obj.rpo_of(name))} s) = {p:.3f}"
                  for name, p in self.p_rpo_met_by_datastore.items()
                  if self._own_rpo_objectives()]
        if self.flaps is not None:
            lines.append(self.flaps.to_text())
        if self.p_never_detected is not None:
            lines.append(f"P(never detected) = {self.p_never_detected:.3f}   ({NEVER_DETECTED})")
        lines.append(self.verdict())
        return "\n".join(lines)

    def _own_rpo_objectives(self) -> bool:
        """Whether some datastore has an RPO objective other than ``objectives.rpo_s``."""
        o = self.objectives
        return any(v != o.rpo_s for v in (o.rpo_by_datastore_s or {}).values())

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        o = self.objectives
        return (f"Summary({self.scenario!r}: {self.trials:,} trials, seed {self.seed}; "
                f"RTO p50 {fmt_s(self.rto_s.p50)} s, p95 {fmt_s(self.rto_s.p95)} s; "
                f"P({o.rto_label()} <= {fmt_s(o.rto_s)} s) {self.p_rto_met:.3f}, "
                f"P(RPO <= {fmt_s(o.rpo_s)} s) {self.p_rpo_met:.3f})")

    def _repr_html_(self) -> str:
        """A notebook's view: the heading line, the metrics table, the probabilities."""
        table = self.to_frame(formatted=True).to_html(border=0, classes="drsim-table")
        lines = self.objective_lines()
        if self.p_never_detected is not None:
            lines.append((f"never detected ({NEVER_DETECTED})", self.p_never_detected))
        probs = "".join(f"<tr><td>{html.escape(text)}</td><td>{p:.3f}</td></tr>"
                        for text, p in lines)
        head = (f"<p><b>{html.escape(self.scenario)}</b>: {self.trials:,} trials, "
                f"seed {self.seed}</p>")
        return (f"<div>{head}{table}<table class=\"drsim-table\"><tr><th>objective</th>"
                f"<th>probability</th></tr>{probs}</table></div>")


def _phase_label(column: str) -> str:
    """``cutover_s`` -> ``cut over``: a phase column as the reports name it."""
    return column.removesuffix("_s").replace("cutover", "cut over")
