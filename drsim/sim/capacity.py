"""Secondary capacity: standby tasks, and tasks launched by a scale-up."""

from __future__ import annotations

import numpy as np

from drsim.rules import smallest_count


def draw_launch_s(compute, rng) -> np.ndarray:
    """Scale request to healthy in the target group, for each task a scale-up launches. [s]

    A scale-up launches ``required_tasks - standby_tasks`` tasks (none when the
    standby already carries the load); each needs ``task_start_s`` to run and
    ``target_healthy_s`` to pass the load balancer's health check, drawn
    independently because Fargate places tasks in parallel.
    """
    n = max(compute.required_tasks - compute.standby_tasks, 0)
    if n == 0:
        return np.empty(0)
    return np.asarray(compute.task_start_s.sample(rng, n), dtype=float) + np.asarray(
        compute.target_healthy_s.sample(rng, n), dtype=float)


def tasks_needed(compute, share: float) -> int:
    """Healthy tasks that carry ``share`` of the full load. [-]

    ``required_tasks`` carry all of it, so ``k`` tasks carry ``k / required_tasks``.
    """
    return smallest_count(share, compute.required_tasks)


def time_to_tasks(standby_tasks: int, ready_s: np.ndarray, needed: int,
                  standby_at_s: float = 0.0) -> float:
    """Fault to the moment ``needed`` tasks are healthy in the secondary (inf if never). [s]

    ``ready_s`` are the healthy times of launched tasks (inf before a scale-up);
    the ``standby_tasks`` are healthy from ``standby_at_s`` on (0: before the
    fault; see :func:`standby_healthy_s`).
    """
    if needed <= 0:
        return 0.0
    if needed <= standby_tasks and standby_at_s <= 0.0:
        return 0.0
    if standby_at_s > 0.0:
        # The needed-th healthy task of both kinds: a launched task may pass its
        # health check before the standby's targets do.
        ready_s = np.concatenate((np.full(standby_tasks, standby_at_s), ready_s))
        standby_tasks = 0
    k = needed - standby_tasks
    if k > len(ready_s):
        return float("inf")
    return float(np.partition(ready_s, k - 1)[k - 1])


def standby_healthy_s(*, dns_switched_s: float, standby_ready_s: float,
                      serves_before_fault: bool) -> float:
    """Fault to the standby's own tasks passing their load balancer's health checks. [s]

    A standby that took no traffic before the fault is healthy ``standby_ready_s``
    after traffic arrives, which is when the authoritative DNS answers point at it
    (``dns_switched_s``); a secondary that already served clients (active/active)
    was healthy before the fault.

    Parameters
    ----------
    dns_switched_s : fault to authoritative answers naming the secondary (inf: never). [s]
    standby_ready_s : traffic arriving to the targets passing their health checks. [s]
    serves_before_fault : the secondary served clients before the fault.
    """
    if serves_before_fault or standby_ready_s <= 0.0:
        return 0.0
    return dns_switched_s + standby_ready_s
