"""The load generator's and the probe's journals as the driver reads them: while the
run goes on, and after.

``journal.csv`` has one line per request, ``acked.csv`` one per acknowledged
write (columns in :mod:`.loadgen`), ``probe.csv`` one per probe attempt
(:mod:`.probe`); times are monotonic seconds, the clock the driver stamps its
events with.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

JOURNAL_COLUMNS = ("t_start", "t_end", "client", "op", "seq", "address", "status", "region", "error")
ACKED_COLUMNS = ("client", "seq", "t_ack", "region")
PROBE_COLUMNS = ("t_attempt", "t_end", "seq", "address", "status", "region", "error")


def read_journal(path: Path, columns) -> pd.DataFrame:
    """The CSV journal at ``path`` as a frame with ``columns`` (empty if there is none)."""
    if not path.exists():
        return pd.DataFrame(columns=columns)
    text = path.read_text()
    # A line cut short by a kill has fewer fields: drop it rather than misread it.
    good = [ln for ln in text.splitlines()[1:] if ln.count(",") == len(columns) - 1]
    return pd.read_csv(io.StringIO("\n".join([",".join(columns), *good])), keep_default_na=False)


class _Tail:
    """Reads the whole lines appended to a file since the last read."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.partial = b""

    def lines(self) -> list[str]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return [ln.decode() for ln in lines]


class ProbeWatch:
    """Follows ``probe.csv`` while the run goes on.

    last_served : region -> monotonic time at which the latest attempt that region
        served (HTTP 200) ended. [s]
    """

    def __init__(self, path: Path):
        self._tail = _Tail(path)
        self.last_served: dict[str, float] = {}

    def poll(self) -> None:
        """Read what the probe appended since the last poll."""
        for ln in self._tail.lines():
            parts = ln.split(",")
            if len(parts) != len(PROBE_COLUMNS) or parts[0] == "t_attempt" or parts[4] != "200":
                continue
            t_end, region = float(parts[1]), parts[5]
            self.last_served[region] = max(t_end, self.last_served.get(region, t_end))

    def served_since(self, region: str, t_mono: float) -> bool:
        """True once ``region`` has served an attempt that ended at or after ``t_mono``."""
        return self.last_served.get(region, -1.0) >= t_mono


class AckWatch:
    """Follows ``acked.csv`` while the run goes on: which clients have had a write
    acknowledged at all, and when each was first served by region B.

    first_b : client -> monotonic time of its first write acknowledged by B. [s]
    any_ack : clients with at least one acknowledged write. [-]
    """

    def __init__(self, path: Path):
        self._tail = _Tail(path)
        self.first_b: dict[int, float] = {}
        self.any_ack: set[int] = set()

    def poll(self) -> None:
        """Read what the load generator appended since the last poll."""
        for ln in self._tail.lines():
            parts = ln.split(",")
            if len(parts) != 4 or parts[0] == "client":
                continue
            client, t, region = int(parts[0]), float(parts[2]), parts[3]
            self.any_ack.add(client)
            if region == "b":
                self.first_b.setdefault(client, t)
