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
