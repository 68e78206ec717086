"""An interactive explorer for notebook 01: sliders for the settings most people change;
each change re-simulates a small number of trials and redraws the RTO CDF and the bill.

Every re-simulation uses the same seed, so a change of one setting is seen against the
same random draws for everything else (common random numbers): the curve moves by the
setting's effect, not by noise. The explorer works without a widget frontend too
(papermill, a script): :meth:`Explorer.set` changes a setting and re-simulates, and
:meth:`Explorer.figure` draws the current state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from drsim.compare.outcomes import Outcome, evaluate
from drsim.compare.sweeps import setting_overrides
from drsim.errors import DrsimError
from drsim.report.figures import BASE_COLOR, DR_COLOR, RISK_COLOR, WIDTH_IN, time_unit
from drsim.scenario import load_scenario
from drsim.scenario.checks import ROUTE53_INTERVALS_S
from drsim.scenario.paths import resolve

TTL_CHOICES_S = (0, 5, 10, 30, 60, 120, 300, 900)
"""DNS TTLs offered (the scenario's own is added). [s]"""
LOCAL_INTERVALS_S = (0.25, 0.5, 1.0, 2.0, 5.0)
"""Health-check intervals offered for a ``platform: local`` scenario (Route 53's for aws). [s]"""


def _choices(scenario, setting: str) -> tuple:
    """The values a control offers for ``setting``, the scenario's own included, sorted."""
    if setting == "health_check.interval_s":
        base = ROUTE53_INTERVALS_S if scenario.platform == "aws" else LOCAL_INTERVALS_S
    elif setting == "health_check.failure_threshold":
        base = tuple(range(1, 11))
    elif setting == "dns.ttl_s":
        base = TTL_CHOICES_S
    elif setting == "compute.standby_tasks":
        base = tuple(range(0, max(scenario.compute.required_tasks,
                                  scenario.compute.standby_tasks) + 1))
    else:
        return ("automatic", "manual")
    own = resolve(scenario, setting)
    return tuple(sorted({*base, own}))


CONTROLS = {
    "health_check.interval_s": "health-check interval [s]",
    "health_check.failure_threshold": "failure threshold [checks]",
    "dns.ttl_s": "DNS TTL [s]",
    "compute.standby_tasks": "standby tasks",
    "decision.mode": "decision",
}
"""The settings the explorer's controls change, with their labels."""


class Explorer:
    """Change a scenario's common settings and see its RTO distribution and bill.

    Parameters
    ----------
    scenario : a Scenario, a path or a bundled name (the starting point).
    trials : trials per re-simulation (small: each change waits for it). [-]
    seed : the same for every re-simulation (common random numbers).

    Attributes
    ----------
    values : the current value of each setting in :data:`CONTROLS`.
    outcome : the current configuration simulated and priced, or None when the
        current combination is one the scenario checks refuse (see ``problem``).
    problem : why the current combination is refused, or "".
    simulations : how many times the explorer has simulated. [-]
    """

    def __init__(self, scenario, *, trials: int = 500, seed: int = 0):
        if not isinstance(trials, int) or trials < 1:
            raise DrsimError(f"explorer trials: {trials!r} is not a whole number >= 1")
        self.base = load_scenario(scenario)
        self.trials, self.seed = trials, seed
        self.values: dict[str, Any] = {k: resolve(self.base, k) for k in CONTROLS}
        self.first: Outcome | None = None
        self.outcome: Outcome | None = None
        self.problem = ""
        self.simulations = 0
        self.controls: dict = {}
        self._output = None
        self._simulate()
        self.first = self.outcome

    # --- without widgets ----------------------------------------------------------------

    def variant(self):
        """The base scenario with the current values (raises DrsimError if refused)."""
        overrides: dict[str, Any] = {}
        for setting, value in self.values.items():
            overrides.update(setting_overrides(self.base, setting, value))
        return self.base.with_overrides(overrides)

    def set(self, setting: str, value) -> None:
        """Change one setting and re-simulate."""
        if setting not in CONTROLS:
            raise DrsimError(f"explorer: {setting!r} is not one of {', '.join(CONTROLS)}")
        self.values[setting] = value
        self._simulate()

    def _simulate(self) -> None:
        try:
            scenario = self.variant()
        except DrsimError as err:
            self.outcome, self.problem = None, str(err)
            return
        self.outcome = evaluate(scenario, self.trials, self.seed)
        self.problem = ""
        self.simulations += 1

    def caption(self) -> str:
        """One line on the current state: RTO p50/p95, P(met), the bill."""
        if self.outcome is None:
            return f"Not a valid configuration: {self.problem}"
        s, o = self.outcome.summary, self.outcome
        bill = (f"; bill {o.monthly_usd:,.0f} USD/month, disasters {o.risk_annual_usd:,.0f} "
                f"USD/year" if math.isfinite(o.monthly_usd) else "")
        return (f"{self.trials:,} trials, seed {self.seed}: RTO p50 {s.rto_s.p50:,.0f} s, "
                f"p95 {s.rto_s.p95:,.0f} s; probe RTO p50 {s.probe_rto_s.p50:,.0f} s; "
                f"P(RTO met) {s.p_rto_met:.2f}, P(RPO met) {s.p_rpo_met:.2f}{bill}")

    def figure(self) -> Figure:
        """Left: the RTO CDF now, beside the starting configuration's, with the objective.
        Right: the monthly bill (service and DR part) and the disasters per month."""
        fig = Figure(figsize=(WIDTH_IN, 3.6), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=(2.2, 1))
        now = self.outcome
        shown = [o for o in (self.first, now) if o is not None]
        finite = [x for o in shown for x in o.rto_s[np.isfinite(o.rto_s)]]
        unit, per = time_unit(max(finite, default=1.0))
        for o, label, style in ((self.first, "start", "--"), (now, "now", "-")):
            if o is None:
                continue
            x = np.sort(o.rto_s[np.isfinite(o.rto_s)]) / per
            left.step(x, np.arange(1, len(x) + 1) / len(o.rto_s), style, where="post",
                      label=label)
        rto_obj = self.base.objectives.rto_s / per
        left.axvline(rto_obj, color="grey", lw=1)
        left.text(rto_obj, 0.02, " RTO objective", color="grey", fontsize=8)
        left.set_xlabel(f"RTO [{unit}]")
        left.set_ylabel("share of trials [-]")
        left.set_ylim(0, 1.02)
        left.legend(loc="lower right", fontsize=8)
        self._bill_axes(right, now)
        fig.suptitle(self.caption(), fontsize=8)
        return fig

    def _bill_axes(self, ax, now) -> None:
        ax.set_ylabel("bill; disasters / 12 [USD/month]")
        if now is None or not math.isfinite(now.monthly_usd):
            ax.text(0.5, 0.5, "no bill" if now else "refused", ha="center",
                    transform=ax.transAxes)
            ax.set_xticks([])
            return
        service = now.monthly_usd - now.dr_monthly_usd
        ax.bar([0], [service], color=BASE_COLOR, label="service")
        ax.bar([0], [now.dr_monthly_usd], bottom=[service], color=DR_COLOR, label="DR part")
        ax.bar([1], [now.risk_annual_usd / 12], color=RISK_COLOR, label="disasters")
        ax.set_xticks([0, 1], ["bill", "disasters\n(yearly / 12)"])
        ax.set_xlabel("per month")
        ax.legend(fontsize=8)

    # --- with widgets -------------------------------------------------------------------

    def widget(self):
        """The controls and an output area (ipywidgets); each change re-simulates and
        redraws there. Needs ipywidgets (the ``lab`` extra)."""
        try:
            import ipywidgets as w
        except ImportError:
            raise DrsimError("the explorer's controls need ipywidgets: "
                             "pip install 'drsim[lab]'") from None
        self._output = w.Output()
        for setting, label in CONTROLS.items():
            options = _choices(self.base, setting)
            if setting == "decision.mode":
                control = w.ToggleButtons(options=options, value=self.values[setting],
                                          description=label)
            else:
                control = w.SelectionSlider(options=options, value=self.values[setting],
                                            description=label, continuous_update=False)
            control.style.description_width = "initial"
            control.observe(self._changed(setting), names="value")
            self.controls[setting] = control
        box = w.VBox([*self.controls.values(), self._output])
        self._redraw()
        return box

    def show(self, interactive: bool = True) -> None:
        """In a notebook: the controls, drawing into their output (``interactive`` and
        ipywidgets installed); else the current state as a still figure named
        ``explorer`` (a papermill report has no widget frontend to move a slider)."""
        from IPython.display import display

        from drsim.report.display import show_figure

        if interactive:
            try:
                display(self.widget())
                return
            except DrsimError:
                pass  # no ipywidgets: show the still figure
        show_figure(self.figure(), "explorer")

    def _changed(self, setting: str):
        def on_change(change):
            self.set(setting, change["new"])
            self._redraw()
        return on_change

    def _redraw(self) -> None:
        from drsim.report.display import figure_png

        if self._output is None:
            return
        # Set the Output widget's state in the kernel (not `with output: display(...)`, whose
        # capture the frontend does): the same in JupyterLab, and seen by code in the kernel.
        self._output.outputs = ({"output_type": "display_data", "metadata": {},
                                 "data": {"image/png": _b64(figure_png(self.figure())),
                                          "text/plain": self.caption()}},)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def show_explorer(scenario, *, trials: int, seed: int, interactive: bool = True) -> None:
    """Notebook 01's explorer: :meth:`Explorer.show` of ``scenario``; nothing for 0 trials."""
    if trials:
        Explorer(scenario, trials=trials, seed=seed).show(interactive)
