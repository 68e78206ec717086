"""Route 53 health checking: independent checkers and the 18 % rule."""

from __future__ import annotations

import simpy

from drsim.rules import endpoint_healthy


class Route53HealthCheck:
    """A health check of one endpoint, watched by ``checkers`` independent checkers.

    Each checker checks every ``interval_s`` from a
    uniformly random phase (the same as a fault at a random moment). A checker
    says unhealthy after ``failure_threshold`` consecutive failed checks and
    healthy again after as many consecutive successes. The endpoint is declared
    unhealthy (``self.declared`` fires with the time) once the share of checkers
    that say healthy is at or below ``healthy_fraction``, and declared healthy
    again once more than that share say healthy: ``self.changes`` lists every
    declaration and reversal as ``(t_s, unhealthy)``, ``self.flaps`` counts the
    reversals, and ``self.declared`` is the first declaration. A checker whose
    checks may pass (a brownout) steps through its checks, one event each; one
    whose every check fails is a single event at its flip, and never recovers.
    :meth:`fence` makes every later check fail (the old primary serves nothing).

    Parameters
    ----------
    env : simpy.Environment
    checkers : number of checkers. [-]
    interval_s : time between checks of one checker. [s]
    failure_threshold : consecutive failures (or successes) to flip a checker. [-]
    healthy_fraction : the endpoint is healthy while MORE than this share of
        checkers say healthy. [-]
    p_fail : chance that one check fails after the fault. [-]
    result_delay_s : from sending a failing check to its result. [s]
    rng : numpy.random.Generator
    log : callable ``log(t_s, event, component, detail)`` or None.
    """

    def __init__(self, env: simpy.Environment, *, checkers: int, interval_s: float,
                 failure_threshold: int, healthy_fraction: float, p_fail: float,
                 result_delay_s: float, rng, log=None):
        self.env = env
        self.checkers = checkers
        self.interval_s = interval_s
        self.failure_threshold = failure_threshold
        self.healthy_fraction = healthy_fraction
        self.p_fail = p_fail
        self.result_delay_s = result_delay_s
        self.rng = rng
        self.log = log
        self.healthy_count = checkers
        self.declared = env.event()
        self.changes: list[tuple[float, bool]] = []
        self.unhealthy = False
        self.next_declared = env.event()
        self.stopped = False
        if p_fail <= 0:
            return  # checks keep passing: nothing will ever change
        phases_s = rng.uniform(0.0, interval_s, checkers)
        if p_fail >= 1 and log is None:
            self._declaration_of_always_failing(phases_s)
            return
        for j in range(checkers):
            if p_fail >= 1:
                self._always_failing(j, float(phases_s[j]))
            else:
                _Checker(self, j, float(phases_s[j]))

    def stop(self) -> None:
        """Stop checking (the failover is over; later checks change nothing)."""
        self.stopped = True

    def fence(self) -> None:
        """The old primary is fenced: from now on every check of it fails (at once)."""
        if 0 < self.p_fail < 1:  # a check that always or never fails is left as it is
            self.p_fail = 1.0

    @property
    def flaps(self) -> int:
        """Times the endpoint was declared healthy again after a declaration. [-]"""
        return sum(1 for _, unhealthy in self.changes if not unhealthy)

    def declarations_s(self) -> tuple[list[float], list[float]]:
        """``(declared, recovered)``: the moments of each declaration and reversal. [s]"""
        return ([t for t, bad in self.changes if bad], [t for t, bad in self.changes if not bad])

    def _flip_s(self, phase_s: float) -> float:
        """When a checker whose every check fails flips to unhealthy. [s]"""
        first_s = self.env.now + phase_s + self.result_delay_s
        return first_s + (self.failure_threshold - 1) * self.interval_s

    def _declaration_of_always_failing(self, phases_s) -> None:
        # Unlogged, the only flip that shows is the one that declares the endpoint
        # unhealthy (every check fails: it never recovers, and later flips change
        # nothing). So one event at that flip, not one per checker: the same time,
        # and the same place among other events at that time (each checker's event
        # was made here too, before any other process's), in fewer steps.
        flips_s = sorted(self._flip_s(float(p)) for p in phases_s)
        flips = next((m for m in range(1, self.checkers + 1) if not endpoint_healthy(
            self.checkers - m, self.checkers, self.healthy_fraction)), None)
        if flips is None:
            return
        self.healthy_count = self.checkers - flips + 1  # before the declaring flip

        def declare(_event):
            self._checker_flipped(flips - 1, healthy=False)

        self.env.timeout(flips_s[flips - 1] - self.env.now).callbacks.append(declare)

    def _always_failing(self, j: int, phase_s: float) -> None:
        # Every check fails, so nothing can happen to this checker before its
        # threshold-th failure: schedule that one event instead of a process
        # stepping through each check (the same result, a third of the events).
        first_s = self.env.now + phase_s + self.result_delay_s
        flip_s = self._flip_s(phase_s)

        def flip(_event):
            if self.log:
                for k in range(self.failure_threshold):
                    self.log(first_s + k * self.interval_s, "check_failed", f"checker-{j}", "")
            self._checker_flipped(j, healthy=False)

        self.env.timeout(flip_s - self.env.now).callbacks.append(flip)

    def _checker_flipped(self, j: int, healthy: bool) -> None:
        self.healthy_count += 1 if healthy else -1
        if self.log:
            self.log(self.env.now, "checker_healthy" if healthy else "checker_unhealthy",
                     f"checker-{j}", "")
        unhealthy = not endpoint_healthy(self.healthy_count, self.checkers,
                                         self.healthy_fraction)
        if unhealthy == self.unhealthy:
            return
        self.unhealthy = unhealthy
        self.changes.append((self.env.now, unhealthy))
        if self.log:
            self.log(self.env.now, "unhealthy_declared" if unhealthy else "healthy_declared",
                     "health_check", f"{self.healthy_count} of {self.checkers} checkers healthy")
        if unhealthy:
            if not self.declared.triggered:
                self.declared.succeed(self.env.now)
            self.next_declared.succeed(self.env.now)
            self.next_declared = self.env.event()


class _Checker:
    """One checker whose checks may pass (a brownout), from check to check.

    Each check is one timeout whose callback draws the check's result and schedules
    the next: the events, their times and their order are those of a SimPy process
    looping over its checks (each timeout is made where the process would make it),
    without a generator to resume for each of a trial's hundreds of checks.
    """

    __slots__ = ("hc", "healthy", "j", "streak")

    def __init__(self, hc: Route53HealthCheck, j: int, phase_s: float):
        self.hc, self.j = hc, j
        self.healthy, self.streak = True, 0  # streak: consecutive results against the state
        hc.env.timeout(phase_s).callbacks.append(self.check)

    def check(self, _event) -> None:
        hc = self.hc
        if hc.stopped:
            return
        failed = hc.rng.random() < hc.p_fail
        if failed and hc.result_delay_s:
            hc.env.timeout(hc.result_delay_s).callbacks.append(self.failed)
        else:
            self.result(failed)

    def failed(self, _event) -> None:
        self.result(True)

    def result(self, failed: bool) -> None:
        hc = self.hc
        if failed and hc.log:
            hc.log(hc.env.now, "check_failed", f"checker-{self.j}", "")
        self.streak = self.streak + 1 if failed == self.healthy else 0
        if self.streak >= hc.failure_threshold:
            self.healthy, self.streak = not self.healthy, 0
            hc._checker_flipped(self.j, self.healthy)
        spent_s = hc.result_delay_s if failed else 0.0
        hc.env.timeout(max(hc.interval_s - spent_s, 0.0)).callbacks.append(self.check)
