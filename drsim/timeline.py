"""The timeline: one event per row, shared by the simulator, game days and incidents.

Columns: ``run_id``, ``source`` (``sim`` | ``local`` | ``aws`` | ``incident``),
``t_s`` (seconds since the fault), ``event``, ``component``, ``detail``.
Phases are derived from events the same way for every source
(:func:`phases`), which is what makes a measured run comparable with a
simulated one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.rules import PHASES, PHASES_WITH_RECOVERY, phase_durations

COLUMNS = ("run_id", "source", "t_s", "event", "component", "detail")
SOURCES = ("sim", "local", "aws", "incident")
EVENTS = (
    "fault_injected",
    "check_failed",
    "checker_unhealthy",
    "checker_healthy",
    "unhealthy_declared",
    "healthy_declared",
    "alarm",
    "paged",
    "acknowledged",
    "failover_decided",
    "step_started",
    "step_failed",
    "step_finished",
    "database_writable",
    "primary_fenced",
    "task_healthy",
    "capacity_ready",
    "dns_switched",
    "first_success",
    "recovered",
    "probe_recovered",
    "write_lost",
)
PHASE_COLUMNS = (*PHASES_WITH_RECOVERY, "probe_rto_s")
"""What :func:`phases` gives per run: the phases, first success and RTO, then the
probe's RTO (fault to ``probe_recovered``)."""
__all__ = ["COLUMNS", "EVENTS", "PHASES", "PHASE_COLUMNS", "SOURCES", "Event", "check_frame",
           "phases", "read_timeline", "to_frame", "write_timeline"]


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline row. ``t_s`` is seconds since the fault. [s]"""

    run_id: str
    source: str
    t_s: float
    event: str
    component: str = ""
    detail: str = ""


def to_frame(events: Iterable[Event]) -> pd.DataFrame:
    """Events as a DataFrame with the timeline columns, ordered by run and time."""
    df = pd.DataFrame([astuple(e) for e in events], columns=list(COLUMNS))
    df["t_s"] = df["t_s"].astype(float)
    return df.sort_values(["run_id", "t_s"], kind="stable").reset_index(drop=True)


def check_frame(df: pd.DataFrame, name: str = "timeline") -> pd.DataFrame:
    """Raise a clear :class:`DrsimError` unless ``df`` has the timeline columns and values."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DrsimError(f"{name}: missing columns {', '.join(missing)}; a timeline has "
                         f"{', '.join(COLUMNS)}")
    bad_source = sorted(set(df["source"]) - set(SOURCES))
    if bad_source:
        raise DrsimError(f"{name}: source {bad_source[0]!r} is not one of {', '.join(SOURCES)}")
    t = pd.to_numeric(df["t_s"], errors="coerce")
    if t.isna().any():
        row = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise DrsimError(f"{name}: row {row + 1}: t_s {df['t_s'].iloc[row]!r} is not a number")
    out = df.copy()
    out["t_s"] = t.astype(float)
    for col in ("component", "detail"):
        out[col] = out[col].fillna("").astype(str)
    return out


def write_timeline(df: pd.DataFrame, path: str | Path, fmt: str | None = None) -> None:
    """Write a timeline as CSV (``.csv``) or JSON lines (``.jsonl``).

    ``fmt`` (``".csv"`` or ``".jsonl"``) overrides the format the suffix implies.
    """
    path = Path(path)
    if (fmt or path.suffix) == ".jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_csv(path, index=False)


def read_timeline(path: str | Path) -> pd.DataFrame:
    """Read and check a timeline written by :func:`write_timeline` (or by hand)."""
    path = Path(path)
    if not path.is_file():
        raise DrsimError(f"{path}: no such timeline file")
    try:
        if path.suffix == ".jsonl":
            df = pd.read_json(path, lines=True, dtype={"run_id": str})
        else:
            df = pd.read_csv(path, dtype={"run_id": str, "component": str, "detail": str})
    except ValueError as err:
        raise DrsimError(f"{path}: not a readable timeline ({err})") from None
    return check_frame(df, str(path))


def _first(group: pd.DataFrame, *events: str) -> float:
    t = group.loc[group["event"].isin(events), "t_s"]
    return float(t.min()) if len(t) else np.nan


def phases(df: pd.DataFrame) -> pd.DataFrame:
    """Phase durations per run, derived from events the same way for every source
    (by :func:`drsim.rules.phase_durations`, as the simulator's trials are).

    detect_s : fault to the first of ``unhealthy_declared`` or ``alarm``. [s]
    alarm_lag_s : detection to the alarm the decision waited for: the first
        ``paged`` when people decided (``failover_decided``'s detail starts with
        ``manual``), the decision itself when automatic on the alarm (detail
        ``automatic (alarm)``); 0 when the decision followed the health check. [s]
    decide_s : detection, or that alarm, to ``failover_decided``. [s]
    recover_s : decision to the last ``step_finished`` of the runbook. [s]
    cutover_s : end of the runbook (or the decision, if later) to ``recovered``,
        never negative: DNS may move clients before the runbook ends. [s]
    first_success_s, rto_s : fault to ``first_success`` / ``recovered``. [s]
    probe_rto_s : fault to ``probe_recovered``, the external probe's first served
        attempt (the simulator logs it at its trial's ``probe_rto_s``). [s]

    A phase whose events are missing is NaN.
    """
    rows = []
    for run_id, g in df.groupby("run_id", sort=False):
        decided = _first(g, "failover_decided")
        how = g.loc[g["event"] == "failover_decided", "detail"]
        how = str(how.iloc[0]) if len(how) else ""
        signalled = (_first(g, "paged") if how.startswith("manual")
                     else decided if how == "automatic (alarm)" else None)
        finished = g.loc[g["event"] == "step_finished", "t_s"]
        rows.append({
            "run_id": run_id,
            "source": g["source"].iloc[0],
            **phase_durations(detected_s=_first(g, "unhealthy_declared", "alarm"),
                              decided_s=decided,
                              runbook_end_s=float(finished.max()) if len(finished) else decided,
                              recovered_s=_first(g, "recovered"),
                              first_success_s=_first(g, "first_success"),
                              signalled_s=signalled),
            "probe_rto_s": _first(g, "probe_recovered"),
        })
    return pd.DataFrame(rows, columns=["run_id", "source", *PHASE_COLUMNS])
