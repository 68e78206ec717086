"""What DR is worth, in words and tables: the risk a configuration avoids against no DR
(the service waits for the region to return), set against its yearly DR spend.

The figures are in :mod:`drsim.report.figures` (``risk_vs_spend``, ``dr_worth``); the
numbers come from :func:`drsim.cost.dr_value` (through
:func:`drsim.compare.risk.scenario_dr_value` and the ``outcomes_table`` columns).
"""

from __future__ import annotations

import math

import pandas as pd

from drsim.report.tables import fmt_probability, fmt_usd


def pays_sentence(name: str, *, avoided_annual_usd: float, dr_yearly_usd: float,
                  probability: float, break_even: float) -> str:
    """One sentence: does ``name``'s DR pay for itself at ``probability``, and from which
    disaster probability on does it."""
    spend = f"its DR spend of {fmt_usd(dr_yearly_usd)} USD/year"
    if math.isinf(avoided_annual_usd) and avoided_annual_usd < 0:
        return (f"{name} never pays for itself: some trials never recover, so its DR "
                f"avoids no risk against {spend}.")
    verdict = "pays for itself" if avoided_annual_usd >= dr_yearly_usd else \
        "does not pay for itself"
    text = (f"{name} {verdict} at {probability:g} disasters/year: it avoids "
            f"{fmt_usd(avoided_annual_usd)} USD/year of expected disaster cost against {spend}")
    if math.isinf(break_even):
        return text + "; it avoids nothing, so no disaster probability makes it pay."
    if break_even > 1:
        return text + (f"; it would pay only from {fmt_probability(break_even)} disasters/year "
                       "on, more than one a year, so never.")
    return text + f"; it pays for itself from {fmt_probability(break_even)} disasters/year on."


def scenario_worth_note(report) -> str:
    """The scenario report's sentence on what its DR is worth (``report.dr_value``)."""
    w = report.dr_value
    if w is None:
        return report.no_cost_reason
    return pays_sentence(report.scenario.name, avoided_annual_usd=w.risk_avoided_annual_usd,
                         dr_yearly_usd=w.dr_yearly_usd,
                         probability=w.no_dr.annual_disaster_probability,
                         break_even=w.break_even_annual_disaster_probability)


WORTH_COLUMNS = {
    "scenario": ("scenario", str),
    "strategy": ("strategy", str),
    "dr_yearly_usd": ("DR spend [USD/year]", fmt_usd),
    "no_dr_risk_annual_usd": ("disasters, no DR [USD/year]", fmt_usd),
    "risk_annual_usd": ("disasters, with DR [USD/year]", fmt_usd),
    "risk_avoided_annual_usd": ("risk avoided [USD/year]", fmt_usd),
    "break_even_annual_disaster_probability": ("pays from [disasters/year]", fmt_probability),
    "pays_for_itself": ("pays for itself", lambda v: "-" if v is None else ("yes" if v else "no")),
}


def worth_frame(outcomes) -> pd.DataFrame:
    """What DR is worth for each priced configuration (``drsim.compare.Outcome`` list;
    those off AWS are left out), as numbers: scenario, strategy, dr_yearly_usd,
    no_dr_risk_annual_usd, risk_annual_usd, risk_avoided_annual_usd,
    break_even_annual_disaster_probability, pays_for_itself, and the
    annual_disaster_probability it was priced at."""
    rows = [{"scenario": o.label, "strategy": o.scenario.strategy,
             "dr_yearly_usd": o.dr_value.dr_yearly_usd,
             "no_dr_risk_annual_usd": o.dr_value.no_dr_risk_annual_usd,
             "risk_annual_usd": o.dr_value.risk_annual_usd,
             "risk_avoided_annual_usd": o.dr_value.risk_avoided_annual_usd,
             "break_even_annual_disaster_probability":
                 o.dr_value.break_even_annual_disaster_probability,
             "pays_for_itself": o.dr_value.pays_for_itself,
             "annual_disaster_probability": o.dr_value.no_dr.annual_disaster_probability}
            for o in outcomes if o.dr_value is not None]
    return pd.DataFrame(rows, columns=[*WORTH_COLUMNS, "annual_disaster_probability"])


def worth_display(frame: pd.DataFrame) -> pd.DataFrame:
    """A :func:`worth_frame` formatted for reading, columns labelled with their units."""
    return pd.DataFrame({label: [f(v) for v in frame[col]]
                         for col, (label, f) in WORTH_COLUMNS.items()})


def worth_note(frame: pd.DataFrame) -> str:
    """Which configurations pay for themselves at their disaster probability, and from
    which probability on each does (a :func:`worth_frame`)."""
    if frame.empty:
        return "No configuration here has an AWS bill, so none is set against its DR spend."
    return " ".join(pays_sentence(r.scenario, avoided_annual_usd=r.risk_avoided_annual_usd,
                                  dr_yearly_usd=r.dr_yearly_usd,
                                  probability=r.annual_disaster_probability,
                                  break_even=r.break_even_annual_disaster_probability)
                    for r in frame.itertuples())
