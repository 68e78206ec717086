"""Where configurations run: in this process, in local processes, or on a Dask cluster.

Each runner takes an iterator of :class:`~drsim.sweep.evaluate.Task` and yields
``(configuration, result columns)`` as tasks finish, in any order (the table is sorted
by row afterwards, so it does not depend on where or in what order rows ran). A
bounded window of tasks is in flight at a time, so neither the tasks nor the
finished rows pile up however many configurations there are.

Local processes use :class:`concurrent.futures.ProcessPoolExecutor`: on one
machine it starts faster than a Dask cluster and needs nothing extra. A
scheduler address (``tcp://host:8786``) sends the tasks to an existing
``dask.distributed`` cluster (the ``scale`` extra), whose workers need drsim
installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from drsim.errors import DrsimError
from drsim.sweep.evaluate import Task, evaluate_batch, evaluate_task

WINDOW_PER_WORKER = 4
"""Tasks in flight per worker: enough to keep each busy, few enough to stay small. [-]"""
DASK_BATCH = 8
"""Configurations per Dask task (see :func:`run_dask`). [-]"""
CONNECT_TIMEOUT_S = 10.0
"""How long to try reaching a scheduler before giving up. [s]"""


def run_serial(tasks: Iterable[Task]) -> Iterator[tuple]:
    """Every task in this process, in order."""
    for task in tasks:
        yield evaluate_task(task)


def run_processes(tasks: Iterable[Task], workers: int) -> Iterator[tuple]:
    """The tasks in ``workers`` local processes, yielded as they finish."""
    tasks = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        pending = {pool.submit(evaluate_task, t)
                   for t in itertools.islice(tasks, WINDOW_PER_WORKER * workers)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
            pending |= {pool.submit(evaluate_task, t) for t in itertools.islice(tasks, len(done))}
    finally:
        # On an error or Ctrl-C, queued tasks are dropped rather than run to the end.
        pool.shutdown(wait=True, cancel_futures=True)


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``dask.distributed`` Client of the scheduler at ``address``, or a DrsimError
    within ``timeout_s`` when it cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise DrsimError(f"--scheduler {address}: running on a Dask cluster needs "
                         "dask.distributed, which is not installed; install it with pip "
                         "install 'drsim[scale]'") from None
    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise DrsimError(f"--scheduler {address}: cannot reach a Dask scheduler there within "
                         f"{timeout_s:g} s ({type(err).__name__}: {err}); is it running, and "
                         "is the address tcp://HOST:PORT?") from None


def run_dask(tasks: Iterable[Task], client) -> Iterator[tuple]:
    """The tasks on the cluster behind ``client``, yielded as they finish.

    Each base scenario goes to the workers once (scattered); a Dask task is a batch of
    up to :data:`DASK_BATCH` configurations of one base, which carries only their
    values: a configuration on the fast path takes tens of milliseconds, about what a
    round trip through the scheduler costs, so one task each would leave workers idle.
    """
    from distributed import as_completed

    batches = _batches(tasks, DASK_BATCH)
    bases: dict[str, object] = {}

    def submit(batch: list[Task]):
        first = batch[0]
        if first.config.base not in bases:
            bases[first.config.base] = client.scatter(first.base, broadcast=True, hash=False)
        return client.submit(evaluate_batch, [t.config for t in batch], bases[first.config.base],
                             first.trials, first.seed, first.engine, pure=False)

    threads = max(sum(client.nthreads().values()), 1)
    flow = as_completed([submit(b) for b in itertools.islice(batches, WINDOW_PER_WORKER * threads)],
                        loop=client.loop)
    try:
        for future in flow:
            results = future.result()
            future.release()
            yield from results
            for b in itertools.islice(batches, 1):
                flow.add(submit(b))
    finally:
        # Whatever is still queued is cancelled, so the cluster is not left busy.
        client.cancel(list(flow.futures))


def _batches(tasks: Iterable[Task], size: int) -> Iterator[list[Task]]:
    """Consecutive tasks in lists of up to ``size``, each list of one base."""
    batch: list[Task] = []
    for t in tasks:
        if batch and (len(batch) == size or t.config.base != batch[0].config.base):
            yield batch
            batch = []
        batch.append(t)
    if batch:
        yield batch
