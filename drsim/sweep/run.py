"""``run_sweep``: every configuration of a spec simulated and priced, its table and frontier.

The table has one row per configuration (see :data:`drsim.sweep.evaluate.RESULT_COLUMNS`),
in row order whatever ran where. With ``out``, rows are written to a Parquet folder
as they come (:mod:`drsim.sweep.store`) and a re-run of the same spec resumes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from drsim.defaults import ENGINES
from drsim.errors import DrsimError
from drsim.jsontext import plain
from drsim.progress import progress_bar
from drsim.sweep import runners
from drsim.sweep.configurations import (
    check_fields,
    column_kind,
    column_value,
    configurations,
    count_configurations,
    load_bases,
)
from drsim.sweep.evaluate import RESULT_COLUMNS, Task
from drsim.sweep.frontier import cheapest_meeting_objectives, pareto_frontier
from drsim.sweep.spec import SweepSpec, load_spec
from drsim.sweep.store import SweepStore

FLUSH_ROWS = 200
"""Rows gathered before they are written as one Parquet part (or kept as one frame). [-]"""
FLUSH_S = 30.0
"""...or after this long, so a crash loses at most this much work. [s]"""


@dataclass(frozen=True, repr=False)
class SweepResult:
    """What :func:`run_sweep` returns.

    spec : the spec run.
    table : one row per configuration: ``config``, ``base``, each field (column named
        by its path), then :data:`drsim.sweep.evaluate.RESULT_COLUMNS`.
    frontier : ``config`` numbers of the Pareto-minimal rows over the bill, the p95
        RTO and the p95 RPO (:func:`drsim.sweep.frontier.pareto_frontier`), cheapest first.
    cheapest_meeting_objectives : ``config`` number of the cheapest row whose
        P(objectives met) reaches its confidence, or None.
    engine : the engine asked for (each row says which ran).
    elapsed_s : wall time of this run. [s]
    skipped : configurations already in ``out`` and not run again. [-]
    out : the Parquet folder, if any.
    """

    spec: SweepSpec
    table: pd.DataFrame
    frontier: list[int]
    cheapest_meeting_objectives: int | None
    engine: str
    elapsed_s: float
    skipped: int = 0
    out: str | None = None
    fields: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The table, with a boolean ``on_frontier`` column."""
        t = self.table.copy()
        t["on_frontier"] = t["config"].isin(self.frontier)
        return t

    def frontier_table(self) -> pd.DataFrame:
        """The frontier's rows, cheapest first."""
        return self.table.set_index("config").loc[self.frontier].reset_index()

    def as_dict(self) -> dict:
        """The JSON of ``drsim sweep --json``."""
        used = self.table["engine"].value_counts().to_dict()
        return {"spec": self.spec.source, "configurations": len(self.table),
                "skipped": self.skipped, "trials": self.spec.trials, "seed": self.spec.seed,
                "design": self.spec.design, "fields": self.fields, "engine": self.engine,
                "engines_used": {str(k): int(v) for k, v in used.items()},
                "invalid": int(self.table["error"].notna().sum()),
                "elapsed_s": self.elapsed_s, "out": self.out, "frontier": list(self.frontier),
                "cheapest_meeting_objectives": self.cheapest_meeting_objectives,
                "rows": plain(self.table.to_dict("records"))}

    def __repr__(self) -> str:
        return (f"SweepResult({len(self.table):,} configurations, {len(self.frontier)} on the "
                f"frontier, cheapest meeting objectives: {self.cheapest_meeting_objectives})")

    def _repr_html_(self) -> str:
        return (f"<p>{self!r}</p>" + self.frontier_table().to_html(index=False))


def run_sweep(spec, *, workers: int = 1, engine: str = "auto", out=None,
              scheduler: str | None = None, progress: bool | None = None,
              connect_timeout_s: float = runners.CONNECT_TIMEOUT_S) -> SweepResult:
    """Simulate and price every configuration of ``spec``.

    Parameters
    ----------
    spec : a spec file's path, its data as a dict, or a :class:`SweepSpec`.
    workers : local processes (1: in this process); results identical for any number.
    engine : auto (the fast path where it covers the scenario, else SimPy), fast or simpy.
    out : a Parquet folder to write rows to as they come; a re-run resumes there.
    scheduler : a ``dask.distributed`` scheduler address (``tcp://host:8786``) to run
        on instead of local processes.
    progress : show a progress bar (default: where someone watches, see drsim.progress).
    connect_timeout_s : how long to try reaching ``scheduler``. [s]

    Raises DrsimError (naming the spec and field) for bad input, before anything runs.
    """
    start = time.perf_counter()
    spec = load_spec(spec)
    _check_options(workers, engine)
    bases = load_bases(spec)
    check_fields(spec, bases)
    kinds = {path: column_kind(values) for path, values in spec.fields.items()}
    columns = {"config": "int", "base": "str", **kinds, **RESULT_COLUMNS}
    client = runners.connect(scheduler, connect_timeout_s) if scheduler else None
    try:
        store = None if out is None else SweepStore(
            out, spec.fingerprint({k: b.model_dump(mode="json") for k, b in bases.items()},
                                  engine),
            columns, {"spec": spec.as_dict(), "engine": engine})
        done = store.done() if store else set()
        total = count_configurations(spec)
        tasks = (Task(c, bases[c.base], spec.trials, spec.seed, engine)
                 for c in configurations(spec) if c.index not in done)
        if client is not None:
            results = runners.run_dask(tasks, client)
        elif workers > 1:
            results = runners.run_processes(tasks, workers)
        else:
            results = runners.run_serial(tasks)
        frames = _gather(results, kinds, columns, store, total - len(done), progress)
    finally:
        if client is not None:
            client.close()
    table = typed(store.read(), columns) if store else _concat(frames, columns)
    return SweepResult(spec, table, pareto_frontier(table), cheapest_meeting_objectives(table),
                       engine, time.perf_counter() - start, len(done),
                       None if out is None else str(out), list(spec.fields))


def _check_options(workers, engine) -> None:
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise DrsimError(f"workers: {workers!r} is not a whole number >= 1")
    if engine not in ENGINES:
        raise DrsimError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")


def _gather(results, kinds, columns, store, todo, progress) -> list[pd.DataFrame]:
    """Rows as they finish, batched into frames; each batch written to ``store`` at once.

    The rows finished so far are written even when the run stops on an error or Ctrl-C.
    """
    frames: list[pd.DataFrame] = []
    batch: list[tuple] = []
    last = time.monotonic()

    def flush():
        nonlocal batch, last
        if batch:
            frame = rows_frame(batch, kinds, columns)
            if store is not None:
                store.write(frame)
            else:
                frames.append(frame)
            batch, last = [], time.monotonic()

    with progress_bar(total=todo, unit="config", desc="sweep", show=progress) as bar:
        try:
            for config, row in results:
                batch.append((config, row))
                bar.update(1)
                if len(batch) >= FLUSH_ROWS or time.monotonic() - last >= FLUSH_S:
                    flush()
        finally:
            flush()
    return frames


def rows_frame(rows: list[tuple], kinds: dict, columns: dict) -> pd.DataFrame:
    """Finished ``(Configuration, result columns)`` as a frame of ``columns``: row
    number, base, fields, results."""
    records = []
    for config, result in rows:
        rec = {"config": config.index, "base": config.base}
        rec.update((p, column_value(kinds[p], v)) for p, v in config.values.items())
        rec.update(result)
        records.append(rec)
    return typed(pd.DataFrame.from_records(records, columns=list(columns)), columns)


def _text_dtype():
    """pandas' text dtype with NaN for missing, as a Parquet read gives (object before 2.3)."""
    try:
        return pd.StringDtype(na_value=float("nan"))
    except TypeError:  # pragma: no cover - pandas < 2.3
        return object


def typed(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``frame`` with the dtypes of ``columns``' kinds, the same in memory as read back
    from Parquet, so both tables compare equal."""
    text = _text_dtype()
    dtypes = {"int": "int64", "float": "float64", "bool": "bool", "str": text, "json": text}
    return frame.astype({c: dtypes[k] for c, k in columns.items()})


def _concat(frames: list[pd.DataFrame], columns: dict) -> pd.DataFrame:
    if not frames:
        return typed(pd.DataFrame({c: [] for c in columns}), columns)
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values("config", kind="stable").reset_index(drop=True)
