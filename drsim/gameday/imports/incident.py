"""A generic incident CSV: ``timestamp,event[,component,detail]``, one row per moment,
as an incident channel or a postmortem document lists them.

``timestamp`` is ISO-8601 with ``Z`` or any offset (rows may mix offsets; a time
without one is refused: the zone it was written in is unknown). Default mapping:
an ``event`` that is one of :data:`drsim.timeline.EVENTS` is that event (with the
row's component; ``step_started``/``step_finished``/``step_failed`` name the
runbook step in ``component``); any other text is unplaced until ``--map``
places it (``--map "paged on-call=paged"``). The fault moment is the
``fault_injected`` row, or ``--fault-at``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from drsim.errors import DrsimError
from drsim.gameday.imports.mapping import Record, Target
from drsim.gameday.imports.times import epoch_s
from drsim.timeline import EVENTS

FORMAT = "incident"
REQUIRED = ("timestamp", "event")
OPTIONAL = ("component", "detail")
DEFAULT_MAPPING = (("a row whose event is a drsim event", ("that event (component: the row's; "
                    "for step_* the runbook step)")),
                   ("any other event text", "unplaced"),
                   ("the fault_injected row", "the fault moment (t = 0)"))
NO_FAULT_HINT = "a fault_injected row"


def read(path: Path) -> list[Record]:
    """Every row as a record named by its ``event`` text."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DrsimError(f"{path}: not a CSV ({err})") from None
    cols = list(df.columns)
    expected = f"an incident CSV has columns {','.join(REQUIRED)}[,{','.join(OPTIONAL)}]"
    if cols[:2] != list(REQUIRED) or not set(cols[2:]) <= set(OPTIONAL):
        raise DrsimError(f"{path}: line 1: columns {','.join(cols)}; {expected}")
    run_id = path.stem
    out = []
    for i, row in enumerate(df.to_dict(orient="records")):
        where = f"{path}: row {i + 1} (line {i + 2})"
        event = row["event"].strip()
        if not event:
            raise DrsimError(f"{where}: event is empty; {expected}")
        out.append(Record(event, epoch_s(row["timestamp"], f"{where}: timestamp"), where,
                          kind="row", component=row.get("component", "").strip(),
                          detail=row.get("detail", "").strip(), run_id=run_id))
    return out


def default_target(rec: Record, steps: tuple[str, ...]) -> Target | None:
    if rec.name not in EVENTS:
        return None
    return Target(rec.name)
