"""Route 53 health checking: independent checkers and the 18 % rule."""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import simpy

from drsim.rules import endpoint_healthy, flips_to_declare


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
        if p_fail < 1:
            _Checkers(self, [float(p) for p in phases_s])
            return
        for j in range(checkers):
            self._always_failing(j, float(phases_s[j]))

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
        flips = flips_to_declare(self.checkers, self.healthy_fraction)
        # _flip_s of every checker at once (the same sums, value by value).
        flips_s = np.sort(self.env.now + np.asarray(phases_s, dtype=float) + self.result_delay_s
                          + (self.failure_threshold - 1) * self.interval_s)
        self.healthy_count = self.checkers - flips + 1  # before the declaring flip

        def declare(_event):
            self._checker_flipped(flips - 1, healthy=False)

        self.env.timeout(float(flips_s[flips - 1]) - self.env.now).callbacks.append(declare)

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
        change = self._count_flip(j, healthy, self.env.now)
        if change is not None:
            self._declare(change)

    def _count_flip(self, j: int, healthy: bool, t_s: float) -> bool | None:
        """Checker ``j`` says ``healthy`` from ``t_s`` on: the endpoint's new state
        (True: unhealthy) if that changes it, else None."""
        self.healthy_count += 1 if healthy else -1
        if self.log:
            self.log(t_s, "checker_healthy" if healthy else "checker_unhealthy",
                     f"checker-{j}", "")
        unhealthy = not endpoint_healthy(self.healthy_count, self.checkers,
                                         self.healthy_fraction)
        return None if unhealthy == self.unhealthy else unhealthy

    def _declare(self, unhealthy: bool) -> None:
        """The endpoint is declared unhealthy (or healthy again) now."""
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


def exact_delay_s(now_s: float, t_s: float) -> float | None:
    """A delay SimPy adds to ``now_s`` to land on ``t_s`` exactly (``now_s <= t_s``),
    or None where every sum rounds past it. [s]"""
    delay_s = t_s - now_s
    # t_s - now_s rounds, and so can now_s + it: move by units in the last place.
    while now_s + delay_s < t_s:
        delay_s = math.nextafter(delay_s, math.inf)
    while now_s + delay_s > t_s:
        delay_s = math.nextafter(delay_s, -math.inf)
    return delay_s if now_s + delay_s == t_s else None


class _Checkers:
    """The checkers of an endpoint whose checks may pass (a brownout), all in one.

    Each checker checks as a SimPy process looping over its checks would: at its
    phase, then every ``interval_s`` (a failed check's result ``result_delay_s``
    after it), each check taking the trial's next random number. Here the checks and
    the delayed results of all checkers are actions in one queue, taken in time order
    (ties in the order they were made, as SimPy orders events), so the random numbers
    are taken in the same order. Only a change of the endpoint's state shows outside,
    and nothing outside changes a check (``fence``, ``stop``) but another process's
    event: so the actions run ahead of the simulation clock up to the next event of
    any other process, and the clock is brought to the exact moment of each
    declaration and reversal. That is one event per such moment, not one per check
    (hundreds in a brownout trial), with every result as before.
    """

    def __init__(self, hc: Route53HealthCheck, phases_s: list[float]):
        self.hc = hc
        self.healthy = [True] * len(phases_s)
        self.streak = [0] * len(phases_s)  # consecutive results that disagree with the state
        self.order = itertools.count()
        # From a check's start to the next: the interval less a failed check's wait. [s]
        self.wait_passed_s = max(hc.interval_s - 0.0, 0.0)
        self.wait_failed_s = max(hc.interval_s - hc.result_delay_s, 0.0)
        # (t_s, order made, checker, whether it is a failed check's result)
        self.actions = [(hc.env.now + phase_s, next(self.order), j, False)
                        for j, phase_s in enumerate(phases_s)]
        heapq.heapify(self.actions)
        self.pending: bool | None = None  # the endpoint's state from the next wake-up on
        if self.actions:
            self._wake_at(self.actions[0][0])

    def _wake_at(self, t_s: float) -> None:
        """Run again at exactly ``t_s``, the moment a checker's own chain of timeouts
        gives (``now + delay`` only approaches it from an unrelated ``now``)."""
        env = self.hc.env
        delay_s = exact_delay_s(env.now, t_s)
        if delay_s is not None:
            env.timeout(delay_s).callbacks.append(self._wake)
            return
        # Every sum rounds past t_s (ties, away from an odd t_s): stop first at its even
        # neighbour, which ties round to, then go one unit in the last place on.
        via_s = math.nextafter(t_s, -math.inf)
        delay_s = exact_delay_s(env.now, via_s)
        if delay_s is None:  # pragma: no cover - see test_sim_processes
            raise RuntimeError(f"cannot schedule at {t_s!r} from {env.now!r}")
        env.timeout(delay_s).callbacks.append(lambda _event: self._wake_at(t_s))

    def _wake(self, _event) -> None:
        if self.pending is not None:
            self.hc._declare(self.pending)
            self.pending = None
        self._run()

    def _run(self) -> None:
        hc, env = self.hc, self.hc.env
        actions, healthy, streak, order = self.actions, self.healthy, self.streak, self.order
        random, threshold, result_delay_s = hc.rng.random, hc.failure_threshold, hc.result_delay_s
        # Nothing else happens until the next event in SimPy's queue.
        now_s, next_event_s = env.now, env.peek()
        while actions:
            t_s, _, j, is_result = actions[0]
            if t_s > now_s and t_s >= next_event_s:
                self._wake_at(t_s)  # another process's event comes first
                return
            heapq.heappop(actions)
            if is_result:
                failed = True
            elif hc.stopped:
                continue  # this checker's loop is over
            else:
                failed = random() < hc.p_fail
                if failed and result_delay_s:
                    heapq.heappush(actions, (t_s + result_delay_s, next(order), j, True))
                    continue
            if failed and hc.log:
                hc.log(t_s, "check_failed", f"checker-{j}", "")
            change = None
            if failed == healthy[j]:
                streak[j] += 1
                if streak[j] >= threshold:
                    healthy[j], streak[j] = not healthy[j], 0
                    change = hc._count_flip(j, healthy[j], t_s)
            else:
                streak[j] = 0
            wait_s = self.wait_failed_s if failed else self.wait_passed_s
            heapq.heappush(actions, (t_s + wait_s, next(order), j, False))
            if change is None:
                continue
            if t_s > now_s:
                self.pending = change  # declared at t_s exactly, by waking up then
                self._wake_at(t_s)
                return
            hc._declare(change)
            next_event_s = env.peek()
