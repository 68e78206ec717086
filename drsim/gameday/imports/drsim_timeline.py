"""drsim's own timelines (CSV or JSON lines): the simulator's (``drsim explain``), the
local game day's and the AWS game day's (``timeline.csv``).

Default mapping: every row whose ``event`` is one of :data:`drsim.timeline.EVENTS`
stays as it is (its component too); any other event is unplaced (``--map
NAME=EVENT`` renames it). Times are already seconds since the fault, so
``--fault-at`` does not apply; a row before the fault is refused.
"""

from __future__ import annotations

from pathlib import Path

from drsim.gameday.imports.mapping import Record, Target
from drsim.timeline import EVENTS, read_timeline

FORMAT = "drsim"
DEFAULT_MAPPING = (("an event of drsim's timeline", "itself, with its component"),
                   ("any other event", "unplaced"))


def read(path: Path) -> list[Record]:
    """Every row as a record named by its event (times relative to the fault)."""
    df = read_timeline(path)
    # A CSV's data row N is line N + 1 (the header); a JSON lines file has no header.
    first = 2 if path.suffix != ".jsonl" else 1
    return [Record(str(r.event), float(r.t_s), f"{path}: line {i + first}", kind="row",
                   component=str(r.component), detail=str(r.detail), relative=True,
                   run_id=str(r.run_id), source=str(r.source))
            for i, r in enumerate(df.itertuples(index=False))]


def default_target(rec: Record, steps: tuple[str, ...]) -> Target | None:
    return Target(rec.name) if rec.name in EVENTS else None
