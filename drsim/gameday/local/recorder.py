"""What happened during one run, stamped with the machine's monotonic clock.

``time.monotonic()`` is CLOCK_MONOTONIC, one clock for every process on the
machine, so the driver's events and the load generator's journal line up.
Times become seconds since the fault only when the run is written out.
"""

from __future__ import annotations

import threading
import time

from drsim.timeline import Event


class Recorder:
    """A thread-safe event log; :meth:`events` turns it into timeline rows."""

    def __init__(self):
        self._rows: list[tuple[float, str, str, str]] = []
        self._lock = threading.Lock()
        self.fault_mono: float | None = None

    def record(self, event: str, component: str = "", detail: str = "",
               t_mono: float | None = None) -> float:
        t = time.monotonic() if t_mono is None else t_mono
        with self._lock:
            self._rows.append((t, event, component, detail))
        return t

    def first(self, event: str) -> float | None:
        """Monotonic time of the first ``event``, or None. [s]"""
        with self._lock:
            times = [r[0] for r in self._rows if r[1] == event]
        return min(times) if times else None

    def count_before_fault(self, event: str, window_s: float = float("inf")) -> int:
        """How many ``event`` rows fell in the ``window_s`` before the fault. [-]"""
        t0 = self.fault_mono
        if t0 is None:
            return 0
        with self._lock:
            return sum(1 for t, ev, _, _ in self._rows if ev == event and t0 - window_s <= t < t0)

    def events(self, run_id: str) -> list[Event]:
        """Timeline rows since the fault, ``t_s`` in seconds since the fault.

        Events from before the fault (start-up, warm-up) are not part of the timeline.
        """
        t0 = self.fault_mono
        if t0 is None:
            return []
        with self._lock:
            rows = sorted(self._rows)
        return [Event(run_id, "local", round(t - t0, 6), ev, comp, det)
                for t, ev, comp, det in rows if t >= t0]
