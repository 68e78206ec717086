"""Secondary capacity: standby tasks, and tasks launched by a scale-up."""

from __future__ import annotations

import math

import numpy as np


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


# Shares are compared with this tolerance everywhere (fast path and check alike).
SHARE_EPS = 1e-9


def smallest_count(share: float, total: int) -> int:
    """The fewest of ``total`` (clients or tasks) whose share ``k / total`` reaches
    ``share`` (within :data:`SHARE_EPS`). [-]

    Computed with the very comparison the step-by-step check uses, so the two
    agree to the last bit.
    """
    k = max(int(math.ceil((share - SHARE_EPS) * total)), 0)
    while k > 0 and (k - 1) / total >= share - SHARE_EPS:
        k -= 1
    while k / total < share - SHARE_EPS:
        k += 1
    return k


def tasks_needed(compute, share: float) -> int:
    """Healthy tasks that carry ``share`` of the full load. [-]

    ``required_tasks`` carry all of it, so ``k`` tasks carry ``k / required_tasks``.
    """
    return smallest_count(share, compute.required_tasks)


def time_to_tasks(standby_tasks: int, ready_s: np.ndarray, needed: int) -> float:
    """Fault to the moment ``needed`` tasks are healthy in the secondary (inf if never). [s]

    ``ready_s`` are the healthy times of launched tasks (inf before a scale-up).
    """
    if needed <= standby_tasks:
        return 0.0
    k = needed - standby_tasks
    if k > len(ready_s):
        return float("inf")
    return float(np.partition(ready_s, k - 1)[k - 1])
