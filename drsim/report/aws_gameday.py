"""What notebook 05-aws-gameday shows: the plan, the guarded run, the replay beside the
simulation.

The notebook's cells are short calls; the choices live here:

- :func:`prepare` deploys nothing: ``plan`` synthesizes infra/ offline
  (:func:`drsim.compare.aws_plan.aws_plan`); ``run`` first checks the two guards a person
  types (``account``, ``max_usd``), then makes the same plan, so the page shows what the
  run will deploy and cost before it starts; ``replay`` reads and measures recorded run
  directories (default: the shipped CONSTRUCTED run, which the page says loudly).
- :func:`compare` runs the game day in AWS in mode ``run``
  (:func:`drsim.compare.aws_run.run_aws_gameday`, which checks every guard again) and sets
  the runs beside the simulation of the scenario they played
  (:func:`drsim.compare.gameday.beside_simulation`), as the local game day is.
  :func:`aws_gameday` is the two in one call.
- A refused guard raises :class:`drsim.gameday.aws.guards.GuardRefused` out of the cell, so
  a papermill run fails (the executed notebook and HTML keep the message) instead of
  passing with nothing in it; the page says first, in words, which parameters to set.
- The plan's tables and the comparison's tables and figures are built below, from what
  :mod:`drsim.gameday.aws.plan` and :mod:`drsim.compare.gameday` return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.errors import DrsimError

MODES = ("plan", "run", "replay")
"""What the notebook does: show the plan (offline), run in AWS (guarded), replay records."""
RUNS_COLUMNS = ("detect_s", "first_success_s", "probe_rto_s", "rto_s", "lost_writes", "rpo_s",
                "wall_s")
"""The measured figures of each run in the runs table (those of notebook 04's). [s], [-]"""
RECORDED = "recorded"
"""A run's ``provenance`` when its manifest says it was polled from AWS."""


@dataclass(frozen=True)
class AwsGameday:
    """What the notebook has so far: :func:`prepare` fills ``plan`` (modes plan, run) or
    ``gamedays`` (replay); :func:`compare` adds the runs and their ``comparison``.

    mode : ``plan``, ``run`` or ``replay``.
    plan : the plan (:class:`drsim.gameday.aws.plan.AwsPlan`), in modes plan and run.
    gamedays : the runs, measured (:class:`drsim.gameday.GamedayReport`), once read.
    comparison : the runs beside the simulation
        (:class:`drsim.compare.gameday.GamedayComparison`), once compared.
    run_dirs : the run directories read. [paths]
    """

    mode: str
    plan: object | None = None
    gamedays: object | None = None
    comparison: object | None = None
    run_dirs: tuple[Path, ...] = ()

    @property
    def constructed(self) -> list[str]:
        """The provenance of each run read that was not recorded from AWS."""
        if self.gamedays is None:
            return []
        return [r.summary.provenance for r in self.gamedays.runs
                if r.summary.provenance != RECORDED]

    def headline(self) -> str:
        """One paragraph (Markdown): what this page shows, and loudly when the runs are
        CONSTRUCTED rather than recorded."""
        parts = []
        if self.plan is not None:
            p = self.plan
            what = ("**Plan only** (mode `plan`): what a game day" if self.mode == "plan" else
                    "**The plan of this run** (mode `run`, its two guards given): what the game "
                    "day")
            parts.append(f"{what} of `{p.fault}` on `{p.scenario}` ({p.regions['primary']} → "
                         f"{p.regions['secondary']}) deploys, injects, watches and costs, from "
                         f"an offline synthesis of infra/ ({p.synth_s:.0f} s)."
                         + (" Nothing is deployed and no AWS API is called."
                            if self.mode == "plan" else ""))
        if self.gamedays is not None:
            g = self.gamedays
            where = ", ".join(f"`{d}`" for d in self.run_dirs)
            how = "ran in AWS and were replayed" if self.mode == "run" else "replayed"
            parts.append(f"**{len(g.runs)} run(s) of `{g.scenario.name}`** ({g.runs[0].fault}, "
                         f"played as the scenario's `{g.scenario.failure.mode}`), {how} from "
                         f"{where}" + (f", beside {self.comparison.simulated.trials:,} simulated "
                                       "trials of the same scenario." if self.comparison
                                       else "."))
        if self.constructed:
            parts.append("**CONSTRUCTED, NOT A MEASUREMENT.** This record was built, not polled "
                         "from AWS; its figures show what the replay and this page do and "
                         f"measure nothing. The manifest says: *{self.constructed[0]}*")
        return "\n\n".join(parts)

    def record(self) -> dict:
        """Plain data for the report runner."""
        out = {"mode": self.mode, "run_dirs": [str(d) for d in self.run_dirs],
               "constructed": bool(self.constructed)}
        if self.plan is not None:
            out.update(scenario=self.plan.scenario, fault=self.plan.fault,
                       estimated_usd=self.plan.estimated_usd)
        if self.gamedays is not None:
            out.update(scenario=self.gamedays.scenario.name, fault=self.gamedays.runs[0].fault,
                       provenance=[r.summary.provenance for r in self.gamedays.runs])
        return out


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`, else DrsimError listing them."""
    if mode not in MODES:
        raise DrsimError(f"mode: {mode!r} is not one of {', '.join(MODES)}")
    return mode


def guard_values(account: str, max_usd: float) -> tuple[str | None, float | None]:
    """The notebook's ``account`` and ``max_usd`` as the guards take them: an empty
    account and a ``max_usd`` of 0 are "not given" (None); the guards judge the rest.
    [-], [USD]"""
    if not isinstance(account, str):
        # papermill's -p reads 012345678901 as a number and drops the leading 0
        raise DrsimError(f"account: {account!r} must be text, the 12 digits as given "
                         "(papermill: -r account ID, not -p)")
    if not isinstance(max_usd, (int, float)):
        raise DrsimError(f"max_usd: {max_usd!r} is not a number of USD")
    return account.strip() or None, None if max_usd == 0 else float(max_usd)


def prepare(mode: str, *, scenario: str = "seed-warm-standby", fault: str = "region_isolation",
            hours: float | None = None, account: str = "", max_usd: float = 0.0,
            runs: int = 1, run_dir: str = "", out_dir: str = "") -> AwsGameday:
    """The first stage of the page, which deploys nothing.

    ``plan``: synthesize infra/ and make the plan. ``run``: first the two guards a person
    types (``account``, ``max_usd``) and the run's own input, so a run without them
    refuses in the guard's words before anything slow or anything that could reach AWS
    is imported; then the plan of what the run will deploy. ``replay``: read and measure
    the run directories (default: the shipped CONSTRUCTED run).

    Parameters: as :func:`aws_gameday`'s.
    """
    from drsim.gameday.aws.plan import check_fault, check_hours

    check_mode(mode)
    if hours is not None:
        check_hours(hours)
    if mode == "replay":
        from drsim.gameday.aws import aws_gamedays
        from drsim.gameday.aws.fixture import fixture_run_dir
        from drsim.gameday.aws.replay import run_dirs

        dirs = run_dirs(run_dir or fixture_run_dir())
        return AwsGameday(mode, gamedays=aws_gamedays(dirs), run_dirs=tuple(dirs))
    if mode == "run":
        from drsim.gameday.aws.guards import check_request

        check_request(*guard_values(account, max_usd))
        if not isinstance(runs, int) or runs < 1:
            raise DrsimError(f"runs: {runs!r} is not a whole number >= 1")
        if not out_dir:
            raise DrsimError("out_dir: empty; a run writes its raw records there (give a folder)")
    from drsim.compare.aws_plan import aws_plan
    from drsim.gameday.aws.plan import DEFAULT_HOURS

    return AwsGameday(mode, plan=aws_plan(scenario, fault=check_fault(fault),
                                          hours=DEFAULT_HOURS if hours is None else hours))


def compare(gd: AwsGameday, *, scenario: str = "seed-warm-standby",
            fault: str = "region_isolation", hours: float | None = None, account: str = "",
            max_usd: float = 0.0, runs: int = 1, out_dir: str = "",
            trials: int = defaults.TRIALS, seed: int = defaults.SEED) -> AwsGameday:
    """The second stage: in mode ``run`` the game day in AWS
    (:func:`drsim.compare.aws_run.run_aws_gameday`, which checks every guard again, then
    deploys, injects, polls and tears down), its run directories read; then, in modes
    ``run`` and ``replay``, the runs beside ``trials`` simulated trials of the scenario they
    played (a run also writes the comparison into ``out_dir``). Mode ``plan``: ``gd``.
    """
    from dataclasses import replace

    from drsim.compare.gameday import beside_simulation, write_comparison

    if gd.mode == "plan":
        return gd
    if gd.mode == "run":
        from drsim.compare.aws_run import run_aws_gameday
        from drsim.gameday import write_report
        from drsim.gameday.aws import aws_gamedays
        from drsim.gameday.aws.plan import DEFAULT_HOURS

        confirm_account, budget_usd = guard_values(account, max_usd)
        dirs = list(run_aws_gameday(scenario, account=confirm_account, max_usd=budget_usd,
                                    fault=fault, runs=runs, out_dir=Path(out_dir),
                                    hours=DEFAULT_HOURS if hours is None else hours))
        gd = replace(gd, gamedays=aws_gamedays(dirs), run_dirs=tuple(dirs))
        comparison = beside_simulation(gd.gamedays, seed=seed, trials=trials)
        write_report(gd.gamedays, out_dir)
        write_comparison(comparison, out_dir)
    else:
        comparison = beside_simulation(gd.gamedays, seed=seed, trials=trials)  # reads only
    return replace(gd, comparison=comparison)


def aws_gameday(mode: str, *, scenario: str = "seed-warm-standby",
                fault: str = "region_isolation", hours: float | None = None,
                account: str = "", max_usd: float = 0.0, runs: int = 1, run_dir: str = "",
                out_dir: str = "", trials: int = defaults.TRIALS,
                seed: int = defaults.SEED) -> AwsGameday:
    """Plan, run or replay an AWS game day, as notebook 05 does (:func:`prepare`, then
    :func:`compare`).

    Parameters
    ----------
    mode : ``plan`` | ``run`` | ``replay``.
    scenario : a ``platform: aws`` scenario file or bundled name (plan, run).
    fault : the FIS fault (:data:`drsim.gameday.aws.plan.FAULTS`) (plan, run).
    hours : hours one run's stack lives, for the estimate and the run's budget guard
        (default :data:`drsim.gameday.aws.plan.DEFAULT_HOURS`). [h]
    account : the 12-digit account the credentials must belong to; empty: not given (run).
    max_usd : the most the runs may cost; 0: not given (run). [USD]
    runs : game days, each deployed, injected and torn down (run). [-]
    run_dir : a run directory or a folder of them; empty: the shipped CONSTRUCTED run
        (replay).
    out_dir : where a run writes its run directories and the comparison (run; a replay
        writes nothing).
    trials, seed : the simulation the runs are set beside. [-]

    Raises
    ------
    GuardRefused
        in mode ``run`` without ``account`` and ``max_usd`` (before anything slow is done
        or anything that could reach AWS imported), or when a guard of the run refuses;
        nothing was deployed.
    DrsimError
        for bad input.
    """
    gd = prepare(mode, scenario=scenario, fault=fault, hours=hours, account=account,
                 max_usd=max_usd, runs=runs, run_dir=run_dir, out_dir=out_dir)
    return compare(gd, scenario=scenario, fault=fault, hours=hours, account=account,
                   max_usd=max_usd, runs=runs, out_dir=out_dir, trials=trials, seed=seed)


def refusal_note(mode: str, account: str, max_usd: float) -> str | None:
    """What the page says before a run refuses for want of its two guards, naming the
    notebook's parameters (the guard's own message names the CLI options); None when
    the mode is not ``run`` or both are given."""
    if mode != "run":
        return None
    missing = [name for name, v in zip(("account", "max_usd"), guard_values(account, max_usd))
               if v is None]
    if not missing:
        return None
    return ("**Refused: nothing was deployed.** `mode = \"run\"` deploys the stack into a real "
            "AWS account and costs money, so it needs " + " and ".join(f"`{m}`" for m in missing)
            + " set in the parameters cell (`account`: the 12-digit account your credentials "
            "belong to; `max_usd`: the most the run may cost [USD]). Run `mode = \"plan\"` "
            "first to see the estimate. The error below is the guard's.")


def show_refusal(mode: str, account: str, max_usd: float) -> None:
    """Display :func:`refusal_note` (named ``refused``) when there is one; else nothing."""
    from drsim.report.display import show_note

    note = refusal_note(mode, account, max_usd)
    if note is not None:
        show_note(note, "refused", {"mode": mode, "refused": True})


# ---- the plan's tables ------------------------------------------------------------------

def plan_stacks_table(plan) -> pd.DataFrame:
    """The stacks in deployment order: region, what each waits for, resources. [-]"""
    return pd.DataFrame([{"order": i, "stack": s["name"], "region": s["region"],
                          "after": ", ".join(s["depends_on"]) or "-",
                          "resources": s["resources"]}
                         for i, s in enumerate(plan.stacks, start=1)]).set_index("order")


def plan_fis_table(plan) -> pd.DataFrame | None:
    """The fault's FIS experiment: one row per action (template, action, duration,
    stop conditions); None when infra/ has no template for the fault."""
    rows = []
    for t in plan.fis_templates:
        stops = ", ".join(f"{c['source']} {c['value']}" for c in t["stop_conditions"]) or "none"
        for a in t["actions"]:
            rows.append({"template": f"{t['stack']}/{t['logical_id']}", "region": t["region"],
                         "action": a["action_id"], "duration": a["duration"] or "-",
                         "targets": ", ".join(f"{k}: {v}" for k, v in a["targets"].items()),
                         "stop condition": stops})
    return pd.DataFrame(rows) if rows else None


def plan_probes_table(plan) -> pd.DataFrame:
    """The probes: drsim's own on this machine, then those infra/ deploys."""
    rows = []
    for p in plan.probes:
        if p["kind"] == "drsim_probe":
            what = (f"{'writes' if p['writes'] else 'reads'} through "
                    f"{', '.join(p['resolves']) or 'the service record'} every "
                    f"{p['interval_s']:g} s; {p['resolver']}")
            rows.append({"probe": "drsim probe", "where": p["where"], "what": what})
        elif p["kind"] == "route53_health_check":
            rows.append({"probe": "Route 53 health check", "where": p["stack"],
                         "what": f"{p['type']} :{p['port']}{p['path'] or ''} every "
                                 f"{p['interval_s']} s, unhealthy after "
                                 f"{p['failure_threshold']} failures"})
        else:
            rows.append({"probe": "Synthetics canary", "where": f"{p['stack']} ({p['region']})",
                         "what": f"{p['name']}: {p['schedule']}"})
    return pd.DataFrame(rows)


def plan_pollers_table(plan) -> pd.DataFrame:
    """The AWS APIs a run polls for its timeline, with their intervals. [s]"""
    return pd.DataFrame([{"API": f"{p.service} {p.operation}", "every [s]": p.interval_s,
                          "regions": ", ".join(p.regions),
                          "timestamps": "its own (UTC)" if p.stamped else "the poll's",
                          "what": p.what} for p in plan.pollers])


def plan_steps_table(plan) -> pd.DataFrame:
    """The steps of a run, in order, with the calls each makes."""
    return pd.DataFrame([{"step": s["step"], "what": s["what"],
                          "calls": "; ".join(s["calls"]) or "-"}
                         for s in plan.steps], index=pd.RangeIndex(1, len(plan.steps) + 1))


def plan_cost_table(plan) -> pd.DataFrame:
    """The estimate for the plan's hours: each service's share of the prorated bill, FIS,
    and the total. [USD]"""
    from drsim.report.tables import fmt_usd

    e = plan.estimate.as_dict()
    rows = [{"item": k, "USD": fmt_usd(v)}
            for k, v in sorted(e["by_service_usd"].items(), key=lambda kv: -kv[1])]
    rows.append({"item": "FIS action-minutes", "USD": fmt_usd(e["fis_usd"])})
    rows.append({"item": f"total for {e['hours']:g} h", "USD": fmt_usd(e["total_usd"])})
    return pd.DataFrame(rows).set_index("item")


def plan_cost_note(plan) -> str:
    """How the estimate is made and what it leaves out (Markdown)."""
    e = plan.estimate
    missing = "\n".join(f"- {m}" for m in e.missing)
    return (f"Estimated **{plan.estimated_usd:,.2f} USD** for {e.hours:g} h: drsim's monthly "
            f"bill of the scenario ({e.monthly_usd:,.2f} USD/month) x {e.hours:g} / "
            f"{e.hours_per_month:g} h, plus FIS where priced. `max_usd` must be at least this "
            f"for a run. Not in the estimate:\n\n{missing}")


# ---- the comparison's tables and figures ----------------------------------------------

def runs_table(comparison) -> pd.DataFrame:
    """Each run's measured figures and where its RTO and probe RTO fall in the simulated
    distributions (notebook 04's table), and whether it was recorded or constructed.
    [s], [-], [%]"""
    table = pd.DataFrame([r.summary.as_dict() for r in comparison.runs])[list(RUNS_COLUMNS)]
    table["sim_percentile"] = comparison.measured_rto_percentiles
    table["probe_sim_percentile"] = comparison.measured_probe_rto_percentiles
    table["provenance"] = [RECORDED if r.summary.provenance == RECORDED else "CONSTRUCTED"
                           for r in comparison.runs]
    # run ids are long (a path, or drsim-<UTC>-<hex>): last, so the figures stay in view
    table["run_id"] = [r.run_id for r in comparison.runs]
    return table.rename_axis("run").round(3)


def unmeasured_note(comparison) -> str | None:
    """Which figures a run could not measure and why (Markdown), None when all were."""
    lines = [f"- `{r.run_id}`: {figure} {why}" for r in comparison.runs
             for figure, why in r.summary.unmeasured.items()]
    return ("Not measured:\n\n" + "\n".join(lines)) if lines else None


def run_timeline(comparison, index: int = 0) -> pd.DataFrame:
    """One run's timeline without the individual failed checks (each checker's first
    failure is there as ``checker_unhealthy``). [s]"""
    tl = comparison.runs[index].timeline
    return tl[tl["event"] != "check_failed"][["t_s", "event", "component", "detail"]].round(3)


def _label(comparison) -> str:
    constructed = any(r.summary.provenance != RECORDED for r in comparison.runs)
    return "CONSTRUCTED run, not measured" if constructed else "measured in AWS"


def rto_figure(comparison):
    """The simulated RTO and probe RTO distributions, each measured run a line
    (:func:`drsim.compare.gameday.plot_rto`), the kind of the runs in the title."""
    from matplotlib.figure import Figure

    from drsim.compare.gameday import plot_rto
    from drsim.report.figures import WIDTH_IN

    fig = Figure(figsize=(WIDTH_IN, 3.6), layout="constrained")
    ax_rto, ax_probe = fig.subplots(1, 2)
    trials = comparison.simulated_trials
    plot_rto([r.summary.rto_s for r in comparison.runs], trials["rto_s"], ax=ax_rto,
             title="RTO: recovered_fraction of the clients served")
    plot_rto([r.summary.probe_rto_s for r in comparison.runs], trials["probe_rto_s"],
             ax=ax_probe, title="probe RTO: the external probe served", xlabel="probe RTO [s]")
    for ax in (ax_rto, ax_probe):
        ax.title.set_fontsize(10)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"{comparison.scenario.name}, {comparison.runs[0].fault}: "
                 f"{_label(comparison)}")
    return fig


PHASE_NAMES = {"detect_s": "detect", "alarm_lag_s": "alarm", "decide_s": "decide",
               "recover_s": "recover", "cutover_s": "cut over", "first_success_s": "first success",
               "rto_s": "RTO", "probe_rto_s": "probe RTO"}
"""The phase table's rows as the figure names them."""


def phase_figure(comparison):
    """Phase by phase: the simulated spread (bar 5-95 %, tick at the median) and the
    measured median (a dot; at the right edge with an arrow when a run never got there)."""
    from matplotlib.figure import Figure

    from drsim.report.figures import WIDTH_IN

    table = comparison.phases
    trials = comparison.simulated_trials
    names = [PHASE_NAMES.get(p, p) for p in table["phase"]]
    fig = Figure(figsize=(WIDTH_IN, 0.45 * len(names) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))
    sim = [trials[p].to_numpy(float) if p in trials else np.array([]) for p in table["phase"]]
    sim = [s[np.isfinite(s)] for s in sim]
    lo = [float(np.percentile(s, 5)) if len(s) else math.nan for s in sim]
    hi = [float(np.percentile(s, 95)) if len(s) else math.nan for s in sim]
    ax.barh(y, np.subtract(hi, lo), left=lo, height=0.5, color="#9ab",
            label="simulated 5-95 %")
    ax.plot(table["simulated_p50_s"], y, "|", color="#345", markersize=14,
            label="simulated median")
    measured = table["measured_p50_s"].to_numpy(float)
    right = max([*(m for m in measured if math.isfinite(m)), *(h for h in hi if
                                                                 math.isfinite(h))], default=1.0)
    finite = np.isfinite(measured)
    ax.plot(measured[finite], y[finite], "o", color="#c33", label="measured (median of runs)")
    if (~finite).any():
        ax.plot(np.full((~finite).sum(), right * 1.02), y[~finite], ">", color="#c33",
                label="measured: never reached")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_ylabel("phase")
    ax.set_xlabel("duration since its start (RTO, first success: since the fault) [s]")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="upper right", fontsize=8)  # the short detect and alarm rows leave room
    ax.set_title(f"{comparison.scenario.name}: measured against "
                 f"{comparison.simulated.trials:,} simulated trials ({_label(comparison)})", fontsize=10)
    return fig
