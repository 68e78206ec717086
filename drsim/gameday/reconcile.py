"""Write reconciliation: every acknowledged write is found in the promoted database or lost.

The accounting is exact: ``acked == found + lost`` always, with each write
identified by its ``(client, seq)`` key. Writes the database holds but no
client saw acknowledged (a commit whose answer was lost with the region) are
counted apart; they are not losses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drsim.errors import DrsimError

ACKED_COLUMNS = ("client", "seq", "t_ack", "region")


@dataclass(frozen=True)
class Reconciliation:
    """The fate of every acknowledged write.

    acked : acknowledged writes (unique ``(client, seq)``). [-]
    found : acknowledged writes present in the database. [-]
    lost : acknowledged writes missing from it; ``acked == found + lost``. [-]
    lost_before_fault, lost_after_fault : lost writes acknowledged before / after
        the fault (after: a region still acknowledging after the other was promoted). [-]
    unacked_present : rows in the database no client saw acknowledged. [-]
    rpo_s : fault to the earliest lost write acknowledged before it; 0 when none. [s]
    lost_window_s : (first, last) acknowledgement time of the lost writes,
        seconds since the fault; None when nothing was lost. [s]
    lost_writes : the lost writes: client, seq, t_s (since the fault), region.
    """

    acked: int
    found: int
    lost: int
    lost_before_fault: int
    lost_after_fault: int
    unacked_present: int
    rpo_s: float
    lost_window_s: tuple[float, float] | None
    lost_writes: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict:
        return {
            "acked": self.acked, "found": self.found, "lost": self.lost,
            "lost_before_fault": self.lost_before_fault, "lost_after_fault": self.lost_after_fault,
            "unacked_present": self.unacked_present, "rpo_s": self.rpo_s,
            "lost_window_s": list(self.lost_window_s) if self.lost_window_s else None,
        }


def reconcile(acked: pd.DataFrame, present: Iterable[tuple[int, int]],
              fault_mono: float) -> Reconciliation:
    """Account for every acknowledged write against the database's rows.

    Parameters
    ----------
    acked : acknowledged writes with columns client, seq, t_ack (monotonic
        seconds), region; one row per acknowledgement.
    present : the ``(client, seq)`` keys the promoted database holds.
    fault_mono : monotonic time of the fault. [s]

    Raises
    ------
    DrsimError
        if a column is missing or a write was acknowledged twice (the journal is
        then not one the load generator wrote: sequence numbers never repeat).
    """
    missing = [c for c in ACKED_COLUMNS if c not in acked.columns]
    if missing:
        raise DrsimError(f"acknowledged-write journal: missing columns {', '.join(missing)}")
    keys = list(zip(acked["client"].astype(int), acked["seq"].astype(int)))
    if len(set(keys)) != len(keys):
        dup = pd.Series(keys)[pd.Series(keys).duplicated()].iloc[0]
        raise DrsimError(f"acknowledged-write journal: write client={dup[0]} seq={dup[1]} is "
                         "acknowledged twice; sequence numbers never repeat")
    present = {(int(c), int(s)) for c, s in present}
    in_db = np.array([k in present for k in keys], dtype=bool)
    lost = acked.loc[~in_db].copy()
    t_s = lost["t_ack"].astype(float) - fault_mono
    lost_writes = pd.DataFrame({"client": lost["client"].astype(int), "seq": lost["seq"].astype(int),
                                "t_s": t_s, "region": lost["region"].astype(str)})
    lost_writes = lost_writes.sort_values("t_s", kind="stable").reset_index(drop=True)
    before = lost_writes["t_s"] < 0
    return Reconciliation(
        acked=len(keys),
        found=int(in_db.sum()),
        lost=int((~in_db).sum()),
        lost_before_fault=int(before.sum()),
        lost_after_fault=int((~before).sum()),
        unacked_present=len(present - set(keys)),
        rpo_s=float(-lost_writes.loc[before, "t_s"].min()) if before.any() else 0.0,
        lost_window_s=(float(lost_writes["t_s"].iloc[0]), float(lost_writes["t_s"].iloc[-1]))
        if len(lost_writes) else None,
        lost_writes=lost_writes,
    )
