"""Injecting the fault into the running stack, at a random moment, and when it took effect.

The fault's moment (t = 0 of the timeline) is taken just before the injection
call. A network fault takes effect a little later, when the link proxy has
read its command and stops forwarding; the proxy stamps that moment itself,
and :class:`Injection` keeps it beside t = 0, so what happened between the
two (a write acknowledged in the last milliseconds before the cut) can be told
apart from what happened after.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from drsim.gameday.local.faults import Targets, inject
from drsim.gameday.local.stack import LocalStack


@dataclass(frozen=True)
class Injection:
    """A fault as injected.

    kind : the failure mode.
    fault_mono : the fault's moment, t = 0 of the timeline. [s, monotonic]
    component, detail : what was hit (the timeline's ``fault_injected`` row).
    cut_mono : route name -> when the link proxy stopped forwarding it, as the
        proxy stamped it; empty for faults that cut nothing. [s, monotonic]
    """

    kind: str
    fault_mono: float
    component: str
    detail: str
    cut_mono: dict[str, float] = field(default_factory=dict)

    def cut_s(self, route: str) -> float:
        """Seconds from the fault until the proxy stopped forwarding ``route``; NaN if
        it was not cut. [s]"""
        t = self.cut_mono.get(route)
        return math.nan if t is None else t - self.fault_mono


def inject_fault(stack: LocalStack, kind: str, rng: np.random.Generator) -> Injection:
    """Inject ``kind`` into ``stack`` at a uniformly random moment within one check
    interval from now, record ``fault_injected``, and return what was done when."""
    # The checkers' phases relative to the fault are what makes detection time vary.
    time.sleep(float(rng.uniform(0, stack.scenario.health_check.interval_s)))
    t_fault = time.monotonic()
    component, detail = inject(kind, Targets(stack.region_a, stack.primary, stack.proxy.command))
    stack.rec.fault_mono = t_fault
    # Components name regions as the simulator's timelines do; the detail says what was hit.
    stack.rec.record("fault_injected", stack.scenario.regions.primary,
                     f"{kind}: {component} {detail}", t_mono=t_fault)
    if not stack.hc.endpoint_healthy:  # declared in the instant before the fault: act now
        stack.orch.trigger()
    return Injection(kind, t_fault, component, detail, dict(stack.proxy.cut_mono))
