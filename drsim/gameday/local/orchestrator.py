"""The failover orchestrator: decides, then runs the scenario's runbook DAG for real.

Each step runs in its own thread as soon as the steps it comes ``after`` have
finished (steps run in parallel where the DAG allows, like the Step Functions
state machine). Its action is real: ``promote_database`` calls ``pg_promote``
on region B's standby, ``scale_standby`` starts B's workers up to
``compute.required_tasks``, ``switch_traffic`` pins the DNS record to B,
``fence_primary`` shuts region A's database down so that A acknowledges no
more writes (a ``promote_database`` step with ``fences_primary`` does that
too, once its promotion has finished). A step
whose action raises is retried up to ``max_attempts`` with the scenario's
backoff; a step that never succeeds fails the runbook (nobody is here to do
the manual fallback).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from drsim.errors import DrsimError
from drsim.gameday.local.recorder import Recorder
from drsim.rules import retry_wait_s
from drsim.scenario.model import Scenario

# Runbook actions a local stack can carry out; others have nothing local to act on.
LOCAL_ACTIONS = ("promote_database", "scale_standby", "switch_traffic", "fence_primary", "other")


def check_runbook(scenario: Scenario) -> None:
    """Raise a :class:`DrsimError` when the runbook asks for what the local stack lacks."""
    for step in scenario.runbook:
        if step.action not in LOCAL_ACTIONS:
            raise DrsimError(f"runbook step {step.name!r}: action {step.action} has nothing to act "
                             f"on in the local stack; local runbooks use "
                             f"{', '.join(LOCAL_ACTIONS)}")
    if scenario.decision.mode == "automatic" and scenario.decision.trigger != "health_check":
        raise DrsimError("decision.trigger: the local stack has no CloudWatch alarm; use "
                         "trigger: health_check")


class Orchestrator:
    """Runs the decision and the runbook once, on the first ``unhealthy_declared``.

    actions : maps an action name to a callable doing it (raising on failure).
    rng : draws the human delays of a manual decision and the time of ``other`` steps.
    waits : step name -> a function drawing a wait [s] to spend before each attempt's real
        action: a stack made slower than the model (:mod:`~drsim.gameday.local.stackset`);
        the action still happens after it. ``waited_s`` holds what was drawn, per step.
    """

    def __init__(self, scenario: Scenario, actions: dict[str, Callable[[], None]],
                 recorder: Recorder, rng: np.random.Generator,
                 waits: dict[str, Callable[[], float]] | None = None):
        self.scenario = scenario
        self.actions = actions
        self.recorder = recorder
        self.rng = rng
        self.waits = dict(waits or {})
        self.waited_s: dict[str, list[float]] = {name: [] for name in self.waits}
        self._started = threading.Event()
        self._stop = threading.Event()
        self.done = threading.Event()
        self.failed: list[str] = []
        self._thread: threading.Thread | None = None

    def trigger(self) -> None:
        """The endpoint was declared unhealthy: decide and run the runbook (once)."""
        if self._started.is_set():
            return
        self._started.set()
        self._thread = threading.Thread(target=self._run, name="orchestrator", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 35.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False when the run is being torn down. [s]"""
        return not self._stop.wait(seconds)

    def _run(self) -> None:
        try:
            d = self.scenario.decision
            if d.mode == "manual":
                self.recorder.record("paged", "operator")
                if not self._wait(float(d.page_ack_s.sample(self.rng))):
                    return
                self.recorder.record("acknowledged", "operator")
                if not self._wait(float(d.decide_s.sample(self.rng))):
                    return
            self.recorder.record("failover_decided", "orchestrator", d.mode)
            self._runbook()
        finally:
            self.done.set()

    def _runbook(self) -> None:
        steps = self.scenario.runbook
        finished = {s.name: threading.Event() for s in steps}
        ok: dict[str, bool] = {}
        threads = []
        for step in steps:
            t = threading.Thread(target=self._step, args=(step, finished, ok),
                                 name=f"step-{step.name}", daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join()

    def _step(self, step, finished, ok) -> None:
        try:
            for dep in step.after:
                finished[dep].wait()
                if not ok.get(dep) or self._stop.is_set():
                    ok[step.name] = False
                    return
            for attempt in range(1, step.max_attempts + 1):
                self.recorder.record("step_started", step.name, f"attempt {attempt}")
                try:
                    self._act(step)
                except Exception as err:  # a real action failed: retry as the runbook says
                    self.recorder.record("step_failed", step.name,
                                         f"attempt {attempt}: {type(err).__name__}: {err}"[:200])
                    if attempt == step.max_attempts or not self._wait(
                            retry_wait_s(step, attempt)):
                        break
                    continue
                self.recorder.record("step_finished", step.name, f"attempt {attempt}")
                ok[step.name] = True
                return
            ok[step.name] = False
            self.failed.append(step.name)
        finally:
            finished[step.name].set()

    def _act(self, step) -> None:
        if step.action == "other":
            # Nothing local to do: the step takes the time the scenario says it takes.
            self._wait(float(step.duration_s.sample(self.rng)))
            return
        if step.name in self.waits:
            # The stack was made slower than the model: the wait comes first, so what the
            # action makes happen (B writable, DNS pinned) happens only after it.
            wait_s = self.waits[step.name]()
            self.waited_s[step.name].append(wait_s)
            if not self._wait(wait_s):
                raise DrsimError("the game day is being torn down")
        self.actions[step.action]()
        if step.fences_primary:  # the promotion has finished: fence the old primary now
            self.actions["fence_primary"]()
