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
from drsim.sweep.evaluate import Task, evaluate_configuration, evaluate_task

WINDOW_PER_WORKER = 4
"""Tasks in flight per worker: enough to keep each busy, few enough to stay small. [-]"""
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

    Each base scenario goes to the workers once (scattered); a task then carries only
    its configuration's values.
    """
    from distributed import as_completed

    tasks = iter(tasks)
    bases: dict[str, object] = {}

    def submit(t: Task):
        if t.config.base not in bases:
            bases[t.config.base] = client.scatter(t.base, broadcast=True, hash=False)
        return client.submit(evaluate_configuration, t.config, bases[t.config.base],
                             t.trials, t.seed, t.engine, pure=False)

    threads = max(sum(client.nthreads().values()), 1)
    flow = as_completed([submit(t) for t in itertools.islice(tasks, WINDOW_PER_WORKER * threads)],
                        loop=client.loop)
    try:
        for future in flow:
            result = future.result()
            future.release()
            yield result
            for t in itertools.islice(tasks, 1):
                flow.add(submit(t))
    finally:
        # Whatever is still queued is cancelled, so the cluster is not left busy.
        client.cancel(list(flow.futures))
