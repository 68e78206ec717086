"""Monte Carlo: many independent trials of one scenario, summarised.

Two engines compute the trials. The SimPy engine (``engine="simpy"``, the
default): trial ``i`` of seed ``s`` draws from
``Generator(PCG64(SeedSequence(s, spawn_key=(i,))))`` and from nothing else,
so any trial can be re-run alone (e.g. to record its timeline). The fast path
(``engine="fast"``, :mod:`drsim.fast`) computes a whole chunk at once in NumPy,
for the scenarios it covers, with the same distribution of every column (not the
same trials). Either way the results do not depend on the number of workers:
trials run in fixed chunks of :data:`CHUNK_TRIALS`, merged in order, and
summarised from their columns the same way.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.errors import DrsimError
from drsim.progress import progress_bar
from drsim.rules import DELAY_TERMS, PHASES
from drsim.scenario import Scenario, load_scenario
from drsim.sim.stats import Digest
from drsim.sim.trial import DEFAULT_HORIZON_S, TrialPlan
from drsim.summary import Flaps, Stats, Summary, SummaryObjectives
from drsim.timeline import Event, to_frame

CHUNK_TRIALS = 2000
MAX_TRIALS = 100_000_000
FAST_CHUNKS_PER_JOB = 25
"""Chunks the fast path computes per job (each from its own streams) and summarises
at once: its trials cost less than the digests of a chunk, whose work grows with the
bins a column fills more than with its values (25 chunks, 50,000 trials: about 180,000
trials per CPU second on the seed scenario, against 145,000 with 10). [-]"""


def trial_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of trial ``index`` of ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(index,))))


@dataclass(repr=False)
class SimulationResult:
    """What :func:`simulate` returns.

    scenario : the scenario simulated.
    trials_count : trials simulated. [-]
    seed : the root seed.
    summary : the figures ``drsim simulate`` prints (``summary.as_dict()`` is its JSON).
    trials : one row per trial (None for a summary-only run).
    timeline : the event timeline of the requested trials (shared format).
    engine : the engine that ran the trials: ``"simpy"`` or ``"fast"``.
    fallback : why ``engine="auto"`` ran the SimPy engine (None otherwise).
    """

    scenario: Scenario
    trials_count: int
    seed: int
    summary: Summary
    trials: pd.DataFrame | None = None
    timeline: pd.DataFrame | None = field(default=None)
    engine: str = "simpy"
    fallback: str | None = None

    def __repr__(self) -> str:
        parts = [f"{self.scenario.name!r}: {self.trials_count:,} trials, seed {self.seed}"]
        if self.engine != "simpy":
            parts.append(f"engine {self.engine}")
        if self.trials is not None:
            parts.append(f"trials table {self.trials.shape[0]:,} x {self.trials.shape[1]}")
        if self.timeline is not None:
            parts.append(f"timeline {len(self.timeline):,} events")
        return f"SimulationResult({'; '.join(parts)})"

    def _repr_html_(self) -> str:
        # In a notebook the figures are what one wants to see; the tables are attributes.
        return self.summary._repr_html_()


@dataclass
class _Chunk:
    """What a run of consecutive trials adds to the summary (and its rows, if kept)."""

    n: int
    digests: dict
    rto_met: int
    rpo_met: int
    rpo_met_by_store: dict
    rows: dict | None
    flaps: int = 0  # flaps in all trials
    flapped: int = 0  # trials with a flap
    objectives_met: int = 0  # trials meeting the RTO and every RPO objective at once

    def merge(self, other: _Chunk) -> None:
        """Add ``other``'s counts and digests (not its rows)."""
        self.n += other.n
        self.rto_met += other.rto_met
        self.rpo_met += other.rpo_met
        self.flaps += other.flaps
        self.flapped += other.flapped
        self.objectives_met += other.objectives_met
        for name, c in other.rpo_met_by_store.items():
            self.rpo_met_by_store[name] += c
        for name, dig in other.digests.items():
            self.digests[name].merge(dig)


_RTO_COLUMN = {"clients": "rto_s", "probe": "probe_rto_s"}
"""The trials' column each ``objectives.rto_metric`` holds against ``objectives.rto_s``."""


def rto_column(scenario) -> str:
    """The trials' column ``scenario``'s RTO objective counts: ``rto_s`` or ``probe_rto_s``."""
    return _RTO_COLUMN[scenario.objectives.rto_metric]


def _summary_columns(plan: TrialPlan) -> list[str]:
    cols = ["rto_s", "probe_rto_s", "first_success_s", *PHASES, *DELAY_TERMS]
    for ds in plan.recovery_datastores:
        cols += [f"rpo_s.{ds.name}", f"lost_writes.{ds.name}"]
    return cols


def _run_chunk(scenario, seed: int, start: int, stop: int, keep: bool, horizon_s: float,
               engine: str = "simpy") -> _Chunk:
    plan = TrialPlan(scenario, horizon_s=horizon_s)
    if engine == "fast":
        # The layer above (tests/test_layering.py), imported when used: the fast path
        # is built from this engine's parts, and drsim.fast imports drsim.sim first.
        from drsim.fast import columns as fast_columns

        fp = fast_columns.FastPlan(plan)
        parts = [fast_columns.trial_columns(fp, seed, fast_columns.chunk_index(a, CHUNK_TRIALS),
                                            b - a, horizon_s)
                 for a, b in _chunks(stop - start, offset=start)]
        cols = {c: np.concatenate([p[c] for p in parts]) for c in plan.columns}
    else:
        rows = [plan.run(trial_rng(seed, i)) for i in range(start, stop)]
        cols = {c: np.array([r[c] for r in rows], dtype=float) for c in plan.columns}
    return _chunk_from_columns(scenario, plan, cols, start, stop, keep)


def _chunk_from_columns(scenario, plan, cols: dict, start: int, stop: int, keep: bool) -> _Chunk:
    """The summary counts and digests of trials ``start..stop`` from their columns."""
    n = stop - start
    digests = {c: Digest().add(cols[c]) for c in _summary_columns(plan)}
    obj = scenario.objectives
    # Each datastore against its own RPO objective (objectives.rpo_s unless it sets one).
    within = {ds.name: cols[f"rpo_s.{ds.name}"] <= scenario.rpo_objective_s(ds)
              for ds in plan.recovery_datastores}
    rpo_ok = {name: int(np.sum(ok)) for name, ok in within.items()}
    all_ok = np.ones(n, dtype=bool)
    for ok in within.values():
        all_ok &= ok
    if keep:
        cols = {"trial": np.arange(start, stop), **cols}
    rto_ok = cols[_RTO_COLUMN[obj.rto_metric]] <= obj.rto_s
    return _Chunk(n, digests, int(rto_ok.sum()), int(all_ok.sum()), rpo_ok,
                  cols if keep else None, int(cols["flaps"].sum()),
                  int(np.sum(cols["flaps"] > 0)), int(np.sum(rto_ok & all_ok)))


def _chunks(trials: int, size: int = CHUNK_TRIALS, offset: int = 0):
    """``(start, stop)`` of each run of ``size`` trials of ``offset..offset + trials``."""
    end = offset + trials
    return [(i, min(i + size, end)) for i in range(offset, end, size)]


def simulate(scenario, trials: int = defaults.TRIALS, seed: int = defaults.SEED,
             workers: int = 1, *,
             keep_trials: bool = True, timeline_trials=(), progress: bool | None = None,
             horizon_s: float = DEFAULT_HORIZON_S, engine: str = "simpy") -> SimulationResult:
    """Simulate ``trials`` independent failures of ``scenario`` and summarise them.

    Parameters
    ----------
    scenario : a drsim.Scenario, a path to a scenario file or a bundled scenario's name.
    trials : number of trials. [-]
    seed : root seed; trial ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``.
    workers : processes to run trials in; results are identical for any number.
    keep_trials : return the trials table (one row per trial); with False
        memory stays flat however many trials.
    timeline_trials : indexes of trials whose event timeline to record.
    progress : show a progress bar (default: for a run that lasts over 2 s, when a
        terminal or a notebook can show it; see :mod:`drsim.progress`).
    horizon_s : what has not happened this long after the fault never happens. [s]
    engine : ``"simpy"`` (the event-by-event engine), ``"fast"`` (the vectorised fast
        path, :mod:`drsim.fast`; a DrsimError saying why for a scenario it does not
        cover, or with ``timeline_trials``: timelines come from the SimPy engine) or
        ``"auto"`` (the fast path where it covers the scenario, else the SimPy engine;
        the result's ``fallback`` says why).

    Returns
    -------
    SimulationResult whose ``summary`` is a :class:`drsim.summary.Summary`: RTO (of
    the affected clients), the probe's RTO, detection, first success, phases, RPO
    and lost writes per datastore, each
    as mean, p50, p90, p95, p99, max (inf where a trial never recovers), and
    the probabilities of meeting the objectives.
    """
    _check_arguments(trials, seed, workers, timeline_trials)
    if engine not in defaults.ENGINES:
        raise DrsimError(f"engine: {engine!r} is not one of {', '.join(defaults.ENGINES)}")
    scenario = load_scenario(scenario)  # a Scenario comes back as it is
    engine, fallback = _choose_engine(scenario, engine, timeline_trials)
    plan = TrialPlan(scenario, horizon_s=horizon_s)
    total = None
    kept: list[dict] = []
    with progress_bar(total=trials, unit="trial", desc=scenario.name, show=progress) as bar:
        for chunk in _run_chunks(scenario, int(seed), int(trials), workers, keep_trials,
                                 horizon_s, engine):
            if chunk.rows is not None:
                kept.append(chunk.rows)
            bar.update(chunk.n)
            # The first chunk is the total so far (merging it into an empty one gives the
            # same figures, bin by bin, and costs a pass over every bin of every digest).
            if total is None:
                total, chunk.rows = chunk, None
            else:
                total.merge(chunk)
    table = _trials_table(kept) if keep_trials else None
    timeline = record_timelines(scenario, seed, timeline_trials, horizon_s) if timeline_trials else None
    return SimulationResult(scenario, int(trials), int(seed),
                            _summary(scenario, int(seed), plan, total), table, timeline,
                            engine, fallback)


def _choose_engine(scenario, engine: str, timeline_trials) -> tuple[str, str | None]:
    """``(engine that runs, why auto fell back or None)``; a DrsimError for a fast path
    asked for where it cannot run."""
    if engine == "simpy":
        return "simpy", None
    from drsim.fast.coverage import coverage  # the layer above, as in _run_chunk

    why = coverage(scenario)
    if why is None and timeline_trials:
        why = "timelines come from the SimPy engine, event by event"
    if why is None:
        return "fast", None
    if engine == "fast":
        raise DrsimError(f"engine fast: {scenario.name}: {why}")
    return "simpy", why


def _check_arguments(trials, seed, workers, timeline_trials) -> None:
    if not isinstance(trials, (int, np.integer)) or not 1 <= trials <= MAX_TRIALS:
        raise DrsimError(f"trials: {trials!r} is not a whole number from 1 to {MAX_TRIALS:,}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DrsimError(f"seed: {seed!r} is not a non-negative whole number")
    if not isinstance(workers, (int, np.integer)) or workers < 1:
        raise DrsimError(f"workers: {workers!r} is not a whole number >= 1")
    for i in timeline_trials:
        if not 0 <= i < trials:
            raise DrsimError(f"timeline trial {i} is outside 0..{trials - 1}")


def _run_chunks(scenario, seed: int, trials: int, workers: int, keep: bool, horizon_s: float,
                engine: str = "simpy"):
    """The chunks of ``trials``, run serially or in ``workers`` processes, yielded in order."""
    chunks = _chunks(trials, CHUNK_TRIALS * (FAST_CHUNKS_PER_JOB if engine == "fast" else 1))
    if workers == 1 or len(chunks) == 1:
        for start, stop in chunks:
            yield _run_chunk(scenario, seed, start, stop, keep, horizon_s, engine)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        # A bounded window of chunks in flight, merged in submission order:
        # merging stays deterministic and finished results never pile up.
        todo = iter(chunks)
        pending: deque = deque(pool.submit(_run_chunk, scenario, seed, a, b, keep, horizon_s,
                                           engine)
                               for a, b in itertools.islice(todo, 2 * workers))
        while pending:
            yield pending.popleft().result()
            for a, b in itertools.islice(todo, 1):
                pending.append(pool.submit(_run_chunk, scenario, seed, a, b, keep, horizon_s,
                                           engine))


def _trials_table(kept: list[dict]) -> pd.DataFrame:
    """The kept rows of every chunk as one table, counts as integers."""
    table = pd.DataFrame({c: np.concatenate([k[c] for k in kept]) for c in kept[0]})
    table["trial"] = table["trial"].astype(np.int64)
    for col in [c for c in table.columns if c.endswith(".attempts") or c == "flaps"]:
        table[col] = table[col].astype(np.int64)
    return table


def _summary(scenario, seed: int, plan, total: _Chunk) -> Summary:
    d = total.digests
    n = total.n

    def stats(column: str) -> Stats:
        return Stats.from_dict(d[column].summary())

    obj = scenario.objectives
    return Summary(
        scenario=scenario.name,
        trials=n,
        seed=seed,
        rto_s=stats("rto_s"),
        probe_rto_s=stats("probe_rto_s"),
        detect_s=stats("detect_s"),
        first_success_s=stats("first_success_s"),
        phases={c: stats(c) for c in (*PHASES, *DELAY_TERMS)},
        rpo_s={ds.name: stats(f"rpo_s.{ds.name}") for ds in plan.recovery_datastores},
        lost_writes={ds.name: stats(f"lost_writes.{ds.name}") for ds in plan.recovery_datastores},
        p_rto_met=total.rto_met / n,
        p_rpo_met=total.rpo_met / n,
        p_rpo_met_by_datastore={k: v / n for k, v in total.rpo_met_by_store.items()},
        p_objectives_met=total.objectives_met / n,
        objectives=SummaryObjectives(
            obj.rto_s, obj.rpo_s, obj.recovered_fraction, obj.rto_metric, obj.confidence,
            {ds.name: scenario.rpo_objective_s(ds) for ds in plan.recovery_datastores}),
        # Only where the health check can recover, so other summaries keep their shape.
        flaps=Flaps(total.flaps / n, total.flapped / n) if plan.can_flap else None,
        # detect_s is the earlier of the health check's declaration and the alarm,
        # inf where neither came.
        p_never_detected=d["detect_s"].n_inf / n,
    )


def record_timelines(scenario, seed: int, indexes, horizon_s: float = DEFAULT_HORIZON_S) -> pd.DataFrame:
    """The event timeline of each trial in ``indexes`` (the shared timeline format)."""
    plan = TrialPlan(scenario, horizon_s=horizon_s)
    events: list[Event] = []
    for i in indexes:
        run_id = f"{scenario.name}/seed-{seed}/trial-{i}"

        def log(t_s, event, component="", detail="", _run=run_id):
            events.append(Event(_run, "sim", float(t_s), event, component, detail))

        plan.run(trial_rng(seed, i), log=log)
    return to_frame(events)


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


