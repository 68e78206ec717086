"""Run the report notebooks with papermill and write what they produce.

For each notebook run: the executed notebook (``NAME.ipynb``), HTML with the code
hidden (``NAME.html``), every figure as ``figures/FIGURE.png`` and ``.svg``, the records
the notebook displayed (``NAME.json``, read by the report index). A notebook
that fails still leaves all of that for the cells that ran; :func:`run_reports`
then raises one :class:`DrsimError` naming each failing notebook and cell.

The kernel is always this interpreter (``sys.executable``) with its ipykernel,
whatever ``python3`` kernel spec a user directory may hold: the notebooks must
see the drsim the command runs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from drsim import defaults, progress
from drsim.errors import DrsimError
from drsim.report.display import RECORD_MIME

EXPLORE = "01-explore-tradeoffs"
SCENARIO_REPORT = "02-scenario-report"
COMPARE = "03-compare-strategies"

DEFAULT_TRIALS = defaults.TRIALS
"""Trials per scenario of ``drsim report``: the one default (:mod:`drsim.defaults`)."""
DEFAULT_SEED = defaults.SEED
EXPLORE_TRIALS_SHARE = 0.4
"""01-explore-tradeoffs simulates about 15 configurations; each gets this share of
the trials, so the sweep costs about what one scenario report and a half cost."""
SEED_SCENARIO = "seed-warm-standby"
CELL_TIMEOUT_S = 900
"""No cell of the report notebooks should take this long; a hung kernel fails the run."""


@dataclass
class NotebookJob:
    """One notebook to run: its file, where its outputs go, its parameters.

    slug : the output folder's name under the report folder (and the index key).
    title : what the index calls it.
    """

    notebook: str
    slug: str
    title: str
    parameters: dict


@dataclass
class NotebookRun:
    """What running one :class:`NotebookJob` produced.

    error : empty when the notebook ran through; else which cell failed and why.
    ipynb, html : the executed notebook and its HTML (None if not even the
        partial notebook could be written).
    figures : the PNG files written.
    records : ``{table name: data}`` the notebook recorded.
    seconds : wall time of the run. [s]
    """

    job: NotebookJob
    error: str = ""
    ipynb: Path | None = None
    html: Path | None = None
    figures: list[Path] = field(default_factory=list)
    records: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def _kernel_manager_class():
    """An nbclient kernel manager that always starts ``sys.executable -m ipykernel_launcher``."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import default

    class ThisInterpreterKernelManager(AsyncKernelManager):
        # Unix sockets in the runtime directory rather than TCP ports on loopback: no port
        # to race for when several notebooks start at once, nothing listening on the
        # network (and no warning about unencrypted TCP). jupyter_client would name the
        # sockets kernel-ipc-N in the working directory, the same for every kernel there:
        # each kernel gets its own name.
        @default("transport")
        def _transport_default(self):
            return "ipc"

        @default("ip")
        def _ip_default(self):
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True)
            return str(runtime / f"drsim-kernel-{uuid.uuid4().hex[:16]}")

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name=f"Python 3 ({sys.prefix})", language="python",
                    metadata={"debugger": False},
                    # No progress bars in a report: nobody watches a papermill kernel.
                    env={progress.ENV: "off"})
            return self._kernel_spec

    return ThisInterpreterKernelManager


def run_notebook(notebook: str | Path, out_dir: str | Path, parameters: dict | None = None, *,
                 name: str | None = None, title: str | None = None,
                 cwd: str | Path | None = None,
                 cell_timeout_s: float = CELL_TIMEOUT_S) -> NotebookRun:
    """Execute ``notebook`` with ``parameters`` into ``out_dir`` and write its outputs.

    Never raises for a failing cell: the returned run's ``error`` names it. Raises
    DrsimError only when ``notebook`` does not exist.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook)
    if not notebook.is_file():
        raise DrsimError(f"notebook {notebook}: no such file")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = name or notebook.stem
    ipynb = out_dir / f"{name}.ipynb"
    # Outputs of an earlier run in the same folder would pass for this run's (a figure the
    # failing cell never drew, say): remove the files this run writes before it starts.
    for stale in [*(out_dir / "figures").glob("*.png"), *(out_dir / "figures").glob("*.svg"),
                  *(out_dir / f"{name}{suffix}" for suffix in (".ipynb", ".html", ".json"))]:
        stale.unlink(missing_ok=True)
    job = NotebookJob(notebook.stem, out_dir.name, title or name, dict(parameters or {}))
    run = NotebookRun(job)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook), str(ipynb), parameters=dict(parameters or {}),
            kernel_name="python3", kernel_manager_class=_kernel_manager_class(),
            progress_bar=False, log_output=False, cwd=str(cwd or notebook.parent),
            execution_timeout=cell_timeout_s, request_save_on_cell_execute=True)
    except PapermillExecutionError as err:
        first = next((ln for ln in (err.source or "").splitlines() if ln.strip()), "")
        run.error = (f"{notebook.stem} failed in cell In [{err.exec_count}] (index "
                     f"{err.cell_index} of the executed notebook, from 0; it starts "
                     f"{first.strip()!r}): {err.ename}: {_one_line(err.evalue)}")
    except Exception as err:  # noqa: BLE001 - kernel died, timed out, bad notebook: say which
        run.error = f"{notebook.stem} did not run through: {type(err).__name__}: {_one_line(str(err))}"
    run.seconds = time.perf_counter() - started
    if ipynb.is_file():
        run.ipynb = ipynb
        _write_products(run, out_dir, name, job.title)
    else:
        run.error = run.error or f"{notebook.stem}: papermill wrote no notebook"
    return run


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _write_products(run: NotebookRun, out_dir: Path, name: str, title: str) -> None:
    """HTML without code, the figures as PNG and SVG, the records as JSON, from the
    executed notebook."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(run.ipynb, as_version=4)
    figures_dir = out_dir / "figures"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("drsim", {})
            data = output.get("data", {})
            if "figure" in meta and "image/png" in data:
                figures_dir.mkdir(exist_ok=True)
                path = figures_dir / f"{meta['figure']}.png"
                path.write_bytes(base64.b64decode(data["image/png"]))
                run.figures.append(path)
                if "image/svg+xml" in data:
                    path.with_suffix(".svg").write_text(data["image/svg+xml"], encoding="utf-8")
            if "table" in meta and RECORD_MIME in data:
                run.records[meta["table"]] = data[RECORD_MIME]
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    nb.metadata["title"] = title  # the HTML page's <title>
    body, _ = exporter.from_notebook_node(nb)
    run.html = out_dir / f"{name}.html"
    run.html.write_text(_with_back_link(body), encoding="utf-8")
    (out_dir / f"{name}.json").write_text(json.dumps({
        "notebook": run.job.notebook, "title": run.job.title, "parameters": run.job.parameters,
        "error": run.error, "seconds": round(run.seconds, 2), "records": run.records,
        "figures": [p.name for p in run.figures]}, indent=2), encoding="utf-8")


BACK_LINK = '<p class="drsim-back"><a href="../index.html">&larr; all reports</a></p>'


def _with_back_link(body: str) -> str:
    """The page with a link back to the report folder's index, first thing in its body."""
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + BACK_LINK, body, count=1)


def recorded_runs(out_dir: str | Path, notebooks=(EXPLORE, SCENARIO_REPORT, COMPARE)) -> list[NotebookRun]:
    """The runs an earlier ``drsim report`` left in ``out_dir``, read back from the
    ``<slug>/<notebook>.json`` each run writes (sorted by slug), so a re-run of some
    scenarios keeps the others in the index. Files that are not such a record are skipped."""
    runs = []
    for path in sorted(Path(out_dir).glob("*/*.json")):
        if path.stem not in notebooks:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            job = NotebookJob(data["notebook"], path.parent.name,
                              data.get("title") or path.parent.name, dict(data["parameters"]))
            run = NotebookRun(job, error=str(data.get("error", "")),
                              records=dict(data.get("records", {})),
                              seconds=float(data.get("seconds", 0.0)))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a record of ours (or from an older drsim): leave it out
        html = path.with_suffix(".html")
        run.html = html if html.is_file() else None
        runs.append(run)
    return runs


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _child_init(parent_pid: int) -> None:
    """In a notebook's worker process: leave Ctrl-C to the parent, never outlive it.

    A session of its own keeps the terminal's Ctrl-C away: the parent decides for all
    workers. SIGTERM (from the parent, or on Linux from the kernel when the parent dies,
    however it dies) ends the worker through SystemExit so cleanup code runs; while a
    notebook executes, nbclient's own handler takes over and shuts its kernel down.
    """
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        raise SystemExit(1)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _run_job(job: NotebookJob, report_dir: str, notebooks_dir: str) -> NotebookRun:
    run = run_notebook(Path(notebooks_dir) / f"{job.notebook}.ipynb", Path(report_dir) / job.slug,
                       job.parameters, name=job.notebook, title=job.title)
    run.job = job
    return run


def _child(job: NotebookJob, report_dir: str, notebooks_dir: str, conn, parent_pid: int) -> None:
    """Body of a worker process: run one notebook, send its :class:`NotebookRun` back."""
    try:
        _child_init(parent_pid)
        run = _run_job(job, report_dir, notebooks_dir)
    except BaseException as err:  # noqa: BLE001 - SIGTERM's SystemExit included: report it
        run = NotebookRun(job, error=f"{job.notebook} was stopped: {type(err).__name__} {err}")
    try:
        conn.send(run)
    finally:
        conn.close()


def plan_jobs(loaded: list[tuple[Path, object]], *, trials: int, seed: int, overrides=(),
              explore: bool = True, compare: bool = True) -> list[NotebookJob]:
    """The notebook runs of a report over ``loaded`` ``(path, scenario)`` pairs (from
    :func:`validate_inputs`).

    - 02-scenario-report for every scenario;
    - 01-explore-tradeoffs on the seed scenario if it is among them, else on the
      first ``platform: aws`` one (the sweeps price each setting);
    - 03-compare-strategies over the ``platform: aws`` scenarios when there are two
      or more (a local lab stack has no bill to set against an AWS one).
    """
    from drsim.scenario.loader import parse_override

    # Notebook parameters are JSON: the overrides go as {dotted path: value}, already
    # parsed the way --set parses them (validate_inputs has checked they parse).
    overrides = dict(parse_override(o) for o in overrides)
    jobs = []
    aws = [(p, s) for p, s in loaded if s.platform == "aws"]
    if explore and aws:
        p, s = next(((p, s) for p, s in aws if s.name == SEED_SCENARIO), aws[0])
        jobs.append(NotebookJob(EXPLORE, f"explore-{s.name}", f"Explore trade-offs: {s.name}", {
            "scenario": str(p), "trials": max(int(trials * EXPLORE_TRIALS_SHARE), 1),
            "seed": seed, "overrides": overrides,
            # a report has no widget frontend: the explorer's first state, as a still figure
            "interactive": False}))
    for p, s in loaded:
        jobs.append(NotebookJob(SCENARIO_REPORT, s.name, s.name, {
            "scenario": str(p), "trials": trials, "seed": seed, "overrides": overrides}))
    if compare and len(aws) >= 2:
        jobs.append(NotebookJob(COMPARE, "compare-strategies", "Compare strategies", {
            "scenarios": [str(p) for p, _ in aws], "trials": trials, "seed": seed,
            "overrides": overrides}))
    return jobs


def validate_inputs(scenarios, overrides=()) -> list[tuple[Path, object]]:
    """Resolve and validate every scenario with the overrides before anything runs, so
    bad input gets the usual one clear message and nothing is written; returns the
    ``(path, scenario)`` pairs, each path once."""
    from drsim.scenario import load_scenario
    from drsim.scenario.locate import scenario_file

    loaded: dict[Path, object] = {}
    names: dict[str, Path] = {}
    for p in (scenario_file(s).resolve() for s in scenarios):
        if p in loaded:
            continue
        s = loaded[p] = load_scenario(p, overrides)
        if s.name in names:
            raise DrsimError(f"{p} and {names[s.name]} are both named {s.name!r}; the report "
                             "folder of each scenario is its name")
        names[s.name] = p
    return list(loaded.items())


def run_reports(scenarios=None, out_dir: str | Path = "reports", *, trials: int = DEFAULT_TRIALS,
                seed: int = DEFAULT_SEED, overrides=(), jobs: int | None = None,
                notebooks_dir: str | Path | None = None, explore: bool = True,
                compare: bool = True, progress=None) -> list[NotebookRun]:
    """Run the report notebooks over ``scenarios`` into ``out_dir`` and write ``index.html``.

    Parameters
    ----------
    scenarios : scenario files or bundled names; default every bundled scenario.
    out_dir : the report folder (created).
    trials : trials per scenario. [-]
    seed : root seed of every simulation.
    overrides : ``"dotted.path=value"`` strings applied to every scenario.
    jobs : notebooks run at once (default: the cores this process may use).
    notebooks_dir : where the notebooks are (default: those bundled in ``drsim/notebooks``).
    progress : called with each finished :class:`NotebookRun` (e.g. to print a line).

    Raises
    ------
    DrsimError
        before anything runs, for bad input; after the index is written, naming each
        notebook that failed and its cell (their partial outputs are kept).
    """
    from drsim.bundled import notebooks_dir as bundled_notebooks
    from drsim.report.index import write_index
    from drsim.scenario.locate import bundled_scenario_paths
    from drsim.sim.montecarlo import default_workers

    if not isinstance(trials, int) or trials < 1:
        raise DrsimError(f"trials: {trials!r} is not a whole number >= 1")
    if not isinstance(seed, int) or seed < 0:
        raise DrsimError(f"seed: {seed!r} is not a non-negative whole number")
    notebooks_dir = Path(notebooks_dir or bundled_notebooks())
    for nb in (EXPLORE, SCENARIO_REPORT, COMPARE):
        if not (notebooks_dir / f"{nb}.ipynb").is_file():
            raise DrsimError(f"{notebooks_dir}: has no {nb}.ipynb")
    overrides = list(overrides)
    loaded = validate_inputs(scenarios or bundled_scenario_paths(), overrides)
    planned = plan_jobs(loaded, trials=trials, seed=seed, overrides=overrides,
                        explore=explore, compare=compare)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = jobs or default_workers()
    runs = _execute(planned, out_dir, notebooks_dir, jobs, progress)
    # The index lists this run's reports and those earlier runs left in the folder.
    fresh = {r.job.slug for r in runs}
    earlier = [r for r in recorded_runs(out_dir) if r.job.slug not in fresh]
    write_index(out_dir, [*runs, *earlier])
    failed = [r for r in runs if not r.ok]
    if failed:
        lines = [f"{len(failed)} of {len(runs)} notebooks failed (partial outputs kept; see "
                 f"{out_dir / 'index.html'}):"]
        lines += [f"  {r.job.slug}: {r.error}" + (f" -> {r.ipynb}" if r.ipynb else "")
                  for r in failed]
        raise DrsimError("\n".join(lines))
    return runs


def _execute(planned: list[NotebookJob], out_dir: Path, notebooks_dir: Path, jobs: int,
             progress) -> list[NotebookRun]:
    """Run the jobs, ``jobs`` at a time; results in the planned order.

    Each notebook runs in its own kernel process; running several at once keeps both
    cores busy through kernel start-up and plotting, which one simulation would not.
    The longest (the sweep, then the scenario reports) start first.
    """
    # Even one at a time, each notebook runs in a worker: in this process nbclient would
    # take Ctrl-C for itself (stop the kernel, fail the notebook) and the run would go on.
    import multiprocessing
    from multiprocessing.connection import wait

    import nbconvert  # noqa: F401 - imported once here, inherited by every forked worker
    import papermill  # noqa: F401

    # One forked process per notebook, at most ``jobs`` at once: it inherits the imports
    # (no start-up cost), and when it is told to stop it has nothing queued to go on with.
    ctx = multiprocessing.get_context("fork")
    waiting = list(enumerate(planned))
    running: dict = {}  # receiving end of the result pipe -> (index, process)
    results: dict[int, NotebookRun] = {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                i, job = waiting.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, name=f"drsim-report-{job.slug}",
                                   args=(job, str(out_dir), str(notebooks_dir), send, os.getpid()))
                proc.start()
                send.close()
                running[recv] = (i, proc)
            for recv in wait(list(running)):  # a result, or EOF when a worker died
                i, proc = running.pop(recv)
                try:
                    run = recv.recv()
                except EOFError:
                    run = NotebookRun(planned[i], error=f"{planned[i].notebook}: its worker died")
                recv.close()
                proc.join()
                results[i] = run
                if progress:
                    progress(run)
    except BaseException:
        # Interrupted (Ctrl-C) or failed: start nothing more and stop the running notebooks,
        # each by its worker's PID; SIGTERM makes nbclient shut that worker's kernel down.
        procs = [proc for _, proc in running.values()]
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
        raise
    return [results[i] for i in range(len(planned))]


def kernel_interpreter() -> str:
    """The interpreter the notebooks run in: this one. [path]"""
    return os.path.realpath(sys.executable)
