"""Health checkers with Route 53 semantics, probing region A's endpoint for real.

Each checker is a thread that sends ``GET path`` every ``interval_s`` from its
own random phase; a check fails on a refused connection at once, on a hang
after ``timeout_s``, and on any status outside 2xx/3xx. A checker says
unhealthy after ``failure_threshold`` consecutive failures (and healthy again
after as many successes). The endpoint is healthy while MORE than
``healthy_fraction`` of the checkers say healthy (Route 53's 18 % rule).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable

import numpy as np

from drsim.gameday.local.recorder import Recorder
from drsim.rules import endpoint_healthy


def check_once(host: str, port: int, path: str, timeout_s: float) -> str:
    """One health check: ``""`` when it passed, else why it failed."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
        return "" if 200 <= status < 400 else f"HTTP {status}"
    except TimeoutError:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except (OSError, http.client.HTTPException) as err:
        return type(err).__name__
    finally:
        conn.close()


class HealthCheck:
    """``checkers`` threads and the endpoint verdict they produce.

    on_verdict : called with True/False each time the endpoint's health changes.
    """

    def __init__(self, host: str, port: int, path: str, *, interval_s: float,
                 failure_threshold: int, checkers: int, healthy_fraction: float,
                 timeout_s: float, rng: np.random.Generator, recorder: Recorder,
                 on_verdict: Callable[[bool], None]):
        self.host, self.port, self.path = host, port, path
        self.interval_s = interval_s
        self.failure_threshold = failure_threshold
        self.n = checkers
        self.healthy_fraction = healthy_fraction
        self.timeout_s = timeout_s
        self.phases_s = rng.uniform(0, interval_s, size=checkers)
        self.recorder = recorder
        self.on_verdict = on_verdict
        self._says_healthy = [True] * checkers
        self._endpoint_healthy = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.checks = 0

    @property
    def healthy_checkers(self) -> int:
        """Checkers that say healthy now. [-]"""
        return sum(self._says_healthy)

    @property
    def endpoint_healthy(self) -> bool:
        return self._endpoint_healthy

    def start(self) -> None:
        start = time.monotonic()
        for i in range(self.n):
            t = threading.Thread(target=self._checker, args=(i, start + self.phases_s[i]),
                                 name=f"checker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout_s + 1)

    def _checker(self, i: int, first_mono: float) -> None:
        name = f"checker-{i}"
        fails = oks = 0
        k = 0
        while True:
            due = first_mono + k * self.interval_s
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            why = check_once(self.host, self.port, self.path, self.timeout_s)
            self.checks += 1
            if why:
                fails, oks = fails + 1, 0
                self.recorder.record("check_failed", name, why)
            else:
                fails, oks = 0, oks + 1
            if self._says_healthy[i] and fails >= self.failure_threshold:
                self._set(i, False)
            elif not self._says_healthy[i] and oks >= self.failure_threshold:
                self._set(i, True)
            # The next check is due on the checker's own grid; a check that overran skips ticks.
            k = max(k + 1, int(np.ceil((time.monotonic() - first_mono) / self.interval_s)))

    def _set(self, i: int, healthy: bool) -> None:
        with self._lock:
            self._says_healthy[i] = healthy
            self.recorder.record("checker_healthy" if healthy else "checker_unhealthy",
                                 f"checker-{i}")
            verdict = endpoint_healthy(sum(self._says_healthy), self.n, self.healthy_fraction)
            changed = verdict != self._endpoint_healthy
            self._endpoint_healthy = verdict
        if changed:
            self.on_verdict(verdict)
