"""Small SimPy processes with exact event logs: health checkers, alarm, decision, runbook."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from drsim.rules import retry_wait_s
from drsim.scenario.model import Step
from drsim.sim.alarm import alarm, alarm_delay_s
from drsim.sim.decision import decision
from drsim.sim.health import Route53HealthCheck
from drsim.sim.runbook import Runbook, StepDraws


class ScriptedRng:
    """Stands in for a Generator where a test needs chosen draws."""

    def __init__(self, phases, randoms=()):
        self.phases = list(phases)
        self.randoms = list(randoms)

    def uniform(self, low, high, size):
        assert len(self.phases) == size
        return np.array(self.phases, dtype=float)

    def random(self):
        return self.randoms.pop(0)


def _recorder():
    log = []
    return log, lambda t, event, component="", detail="": log.append((round(t, 9), event, component))


def test_refused_checks_one_checker_exact_log():
    env = simpy.Environment()
    log, rec = _recorder()
    hc = Route53HealthCheck(env, checkers=1, interval_s=30, failure_threshold=3, healthy_fraction=0.18,
                            p_fail=1.0, result_delay_s=0.0, rng=ScriptedRng([7.0]), log=rec)
    env.run()
    assert hc.declared.value == 67.0
    assert log == [(7.0, "check_failed", "checker-0"), (37.0, "check_failed", "checker-0"),
                   (67.0, "check_failed", "checker-0"), (67.0, "checker_unhealthy", "checker-0"),
                   (67.0, "unhealthy_declared", "health_check")]


def test_eighteen_percent_rule_needs_all_but_the_healthy_share():
    # 5 checkers: healthy while more than 18 % (0.9 checkers) say healthy, so the
    # endpoint flips when the 5th checker flips; a hung endpoint adds the timeout.
    env = simpy.Environment()
    phases = [1.0, 2.0, 3.0, 4.0, 5.0]
    hc = Route53HealthCheck(env, checkers=5, interval_s=10, failure_threshold=2, healthy_fraction=0.18,
                            p_fail=1.0, result_delay_s=4.0, rng=ScriptedRng(phases))
    env.run()
    assert hc.declared.value == 5.0 + 4.0 + 10.0
    env = simpy.Environment()
    hc = Route53HealthCheck(env, checkers=5, interval_s=10, failure_threshold=2, healthy_fraction=0.4,
                            p_fail=1.0, result_delay_s=0.0, rng=ScriptedRng(phases))
    env.run()
    assert hc.declared.value == 3.0 + 10.0  # 2 of 5 healthy = 0.4 <= 0.4


def test_brownout_checker_flaps_with_consecutive_counts():
    env = simpy.Environment()
    log, rec = _recorder()
    # fail, pass (resets), fail, fail -> unhealthy at the 4th check; then 2 passes -> healthy.
    rng = ScriptedRng([3.0], [0.1, 0.9, 0.2, 0.3, 0.8, 0.9, 0.99])
    hc = Route53HealthCheck(env, checkers=1, interval_s=10, failure_threshold=2, healthy_fraction=0.0,
                            p_fail=0.5, result_delay_s=0.0, rng=rng, log=rec)
    env.run(until=60)
    assert hc.declared.value == 33.0
    assert log == [(3.0, "check_failed", "checker-0"), (23.0, "check_failed", "checker-0"),
                   (33.0, "check_failed", "checker-0"), (33.0, "checker_unhealthy", "checker-0"),
                   (33.0, "unhealthy_declared", "health_check"), (53.0, "checker_healthy", "checker-0"),
                   (53.0, "healthy_declared", "health_check")]
    # The endpoint recovered: one reversal after the one declaration.
    assert hc.changes == [(33.0, True), (53.0, False)] and hc.flaps == 1


def test_checks_that_never_fail_never_declare():
    env = simpy.Environment()
    hc = Route53HealthCheck(env, checkers=3, interval_s=10, failure_threshold=1, healthy_fraction=0.18,
                            p_fail=0.0, result_delay_s=0.0, rng=np.random.default_rng(0))
    env.run(until=10_000)
    assert not hc.declared.triggered


def test_alarm_is_m_consecutive_periods_plus_the_metric_delay_up_to_the_next_evaluation():
    # The third datapoint is visible at 15 + 120 + 40 = 175 s; the alarm is evaluated
    # on the period boundaries (15 + 60 k), so it sees the datapoint at 195 s.
    assert alarm_delay_s(period_s=60, datapoints_to_alarm=3, phase_s=15, metric_delay_s=40) == 15 + 120 + 60
    assert alarm_delay_s(period_s=60, datapoints_to_alarm=3, phase_s=15, metric_delay_s=60) == 15 + 120 + 60
    assert alarm_delay_s(period_s=60, datapoints_to_alarm=3, phase_s=15, metric_delay_s=0) == 15 + 120
    # A 30 s high-resolution alarm is evaluated every 10 s: 5 + 30 + 10 * ceil(12 / 10).
    assert alarm_delay_s(period_s=30, datapoints_to_alarm=2, phase_s=5, metric_delay_s=12) == 5 + 30 + 20
    env = simpy.Environment()
    log, rec = _recorder()
    p = env.process(alarm(env, 175.0, rec))
    env.run()
    assert p.value == 175.0 and log == [(175.0, "alarm", "cloudwatch")]


@pytest.mark.parametrize("mode, trigger, detect_at, expected, how", [
    ("automatic", "health_check", 90, 90, "automatic (health_check)"),
    ("automatic", "alarm", 90, 200, "automatic (alarm)"),
    ("manual", "health_check", 90, 200 + 300 + 600, "manual"),
    ("automatic", "health_check", None, 200 + 300 + 600, "manual (automatic trigger never fired)"),
])
def test_decision_paths(mode, trigger, detect_at, expected, how):
    env = simpy.Environment()
    details = []
    detected = env.event()
    if detect_at is not None:
        env.process(_fire(env, detected, detect_at))
    alarmed = env.process(alarm(env, 200.0))
    d = env.process(decision(env, mode=mode, trigger=trigger, detected=detected, alarmed=alarmed,
                             ack_s=300.0, decide_s=600.0,
                             log=lambda t, e, c="", x="": details.append((t, e, x))))
    env.run()
    assert d.value == expected
    assert (expected, "failover_decided", how) in details
    assert [e for _, e, _ in details][:1] == ["paged"] or mode == "automatic"


def _fire(env, event, at):
    yield env.timeout(at)
    event.succeed(env.now)


def _step(name, after=(), attempts=1, **kw):
    return Step(name=name, after=after, duration_s=1, max_attempts=attempts, **kw)


def test_runbook_parallel_branches_retries_backoff_and_fallback_exact_log():
    steps = [
        _step("a"),
        _step("b", after=("a",), attempts=3, retry_interval_s=1, backoff_rate=2),
        _step("c", attempts=2, retry_interval_s=5),
        _step("d", after=("b", "c")),
    ]
    draws = {
        "a": StepDraws((2.0,), (False,), 99.0),
        "b": StepDraws((3.0, 3.0, 3.0), (True, True, False), 99.0),  # fails twice, waits 1 then 2
        "c": StepDraws((4.0, 4.0), (True, True), 10.0),  # both attempts fail: manual fallback
        "d": StepDraws((1.0,), (False,), 99.0),
    }
    env = simpy.Environment()
    log, rec = _recorder()
    start = env.timeout(100.0)
    rb = Runbook(env, steps, draws, start=start, log=rec)
    env.run()
    # a: 100->102; b: 102 fail@105, +1, fail@109, +2, ok@114; c: 100 fail@104, +5, fail@113, +10 -> 123
    assert rb.started_s == {"a": 100, "c": 100, "b": 102, "d": 123}
    assert rb.finished_s == {"a": 102, "b": 114, "c": 123, "d": 124}
    assert rb.attempts == {"a": 1, "b": 3, "c": 2, "d": 1}
    assert [x for x in log if x[2] == "c"] == [(100, "step_started", "c"), (104, "step_failed", "c"),
                                                (113, "step_failed", "c"), (123, "step_finished", "c")]
    assert retry_wait_s(steps[1], 2) == 2.0


# --- the brownout's checkers run ahead of the clock: the same results as one process each ---

def _reference_checker(env, hc, j, phase_s):
    """A checker as a SimPy process of its own: what Route53HealthCheck computes faster."""
    yield env.timeout(phase_s)
    healthy, streak = True, 0
    while not hc.stopped:
        failed = hc.rng.random() < hc.p_fail
        if failed and hc.result_delay_s:
            yield env.timeout(hc.result_delay_s)
        if failed and hc.log:
            hc.log(env.now, "check_failed", f"checker-{j}", "")
        streak = streak + 1 if failed == healthy else 0
        if streak >= hc.failure_threshold:
            healthy, streak = not healthy, 0
            hc._checker_flipped(j, healthy)
        spent_s = hc.result_delay_s if failed else 0.0
        yield env.timeout(max(hc.interval_s - spent_s, 0.0))


def _brownout_run(seed: int, reference: bool):
    """Checkers, a fence and a stop at drawn moments, and watchers of the declarations;
    everything each run records, and the generator's next draw (how many it took)."""
    pick = np.random.default_rng(seed)
    params = dict(checkers=int(pick.integers(1, 16)), interval_s=float(pick.choice([10.0, 30.0, 7.3])),
                  failure_threshold=int(pick.integers(1, 6)),
                  healthy_fraction=float(pick.choice([0.0, 0.18, 0.5])),
                  result_delay_s=float(pick.choice([0.0, 0.0, 2.5, 6.0])))
    p_fail = float(pick.uniform(0.1, 0.9))
    fence_s, stop_s = float(pick.uniform(0, 3000)), float(pick.uniform(0, 4000))
    env, rng = simpy.Environment(), np.random.default_rng(seed + 1000)
    log, rec = _recorder()
    if reference:
        hc = Route53HealthCheck(env, p_fail=0.0, rng=rng, log=rec, **params)
        hc.p_fail = p_fail
        for j, phase_s in enumerate(rng.uniform(0.0, params["interval_s"], params["checkers"])):
            env.process(_reference_checker(env, hc, j, float(phase_s)))
    else:
        hc = Route53HealthCheck(env, p_fail=p_fail, rng=rng, log=rec, **params)
    seen = []

    def watch():
        seen.append(("declared", (yield hc.declared), env.now))
        for _ in range(50):
            seen.append(("next", (yield hc.next_declared), env.now))

    def at(t_s, action):
        yield env.timeout(t_s)
        action()
        seen.append((action.__name__, env.now, hc.unhealthy))

    env.process(watch())
    env.process(at(fence_s, hc.fence))
    env.process(at(stop_s, hc.stop))
    env.run(until=5000)
    return log, hc.changes, seen, rng.random()


@pytest.mark.parametrize("seed", range(60))
def test_brownout_checkers_give_what_one_process_per_checker_gives(seed):
    assert _brownout_run(seed, reference=False) == _brownout_run(seed, reference=True)


def test_an_exact_delay_or_one_stop_on_the_way_reaches_any_later_moment():
    from drsim.sim.health import exact_delay_s

    pick = np.random.default_rng(3)
    hops = 0
    for _ in range(20_000):
        t_s = float(pick.uniform(0, 5000)) * float(pick.choice([1e-3, 1.0, 1e3]))
        now_s = t_s * float(pick.random()) ** float(pick.choice([0.1, 1.0, 3.0]))
        delay_s = exact_delay_s(now_s, t_s)
        if delay_s is None:  # all sums round past t_s: via its neighbour below
            hops += 1
            via_s = np.nextafter(t_s, -np.inf)
            first_s, then_s = exact_delay_s(now_s, via_s), exact_delay_s(via_s, t_s)
            assert now_s + first_s == via_s and via_s + then_s == t_s
        else:
            assert now_s + delay_s == t_s and delay_s >= 0
    assert hops > 0  # the case happens, and is covered
