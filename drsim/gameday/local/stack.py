"""The local two-region stack of one game day, as a context manager.

``with LocalStack(scenario, ...) as stack:`` starts everything on free loopback
ports in a fresh temporary directory: A's PostgreSQL primary, the link proxy
between the regions (which is also A's front door), both regions' HTTP
workers, B's streaming standby, a DNS server holding the failover record, the
orchestrator, the health checkers, the external probe and the load generator.
Each part registers its own stop on one :class:`contextlib.ExitStack` the moment
it starts (every process by its PID, through
:class:`~drsim.gameday.local.procs.Processes`), so leaving the block - on
success, an error, Ctrl-C or SIGTERM alike - stops them in reverse order and
removes the directory; a second Ctrl-C waits until the last part is stopped. Nothing is left running, listening or on disk.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.gameday.local import postgres, signals
from drsim.gameday.local.checkers import HealthCheck
from drsim.gameday.local.config import A_HOST, B_HOST, LOCAL, TMP_PREFIX, Options, scenario_db_name
from drsim.gameday.local.dns import SERVICE_NAME, DnsServer, FailoverResolver
from drsim.gameday.local.journals import (
    ACKED_COLUMNS,
    JOURNAL_COLUMNS,
    PROBE_COLUMNS,
    AckWatch,
    ProbeWatch,
    read_journal,
)
from drsim.gameday.local.orchestrator import Orchestrator
from drsim.gameday.local.probe import PROBE_CLIENT
from drsim.gameday.local.procs import Processes, free_port, free_port_on_all
from drsim.gameday.local.proxy import LinkProxy, format_route
from drsim.gameday.local.recorder import Recorder
from drsim.gameday.local.service import Region
from drsim.gameday.reconcile import Reconciliation, reconcile
from drsim.scenario.model import Scenario


@dataclass(frozen=True)
class Collected:
    """What a run leaves once its load has stopped.

    journal, acked : the load generator's journals (columns in :mod:`.journals`).
    probe : the external probe's attempts (:data:`.journals.PROBE_COLUMNS`).
    database_promoted : region B's database accepted writes at the end. [-]
    reconciliation : every acknowledged write, found in B's database or lost;
        None when B's database did not survive the run.
    """

    journal: pd.DataFrame = field(repr=False)
    acked: pd.DataFrame = field(repr=False)
    probe: pd.DataFrame = field(repr=False)
    database_promoted: bool
    reconciliation: Reconciliation | None


@dataclass(frozen=True)
class Resources:
    """What a run held and let go, for cleanup checks.

    pids : every process it started (each also a process-group id).
    ports, udp_ports : the TCP and UDP ports it listened on.
    run_dir : its temporary directory.
    """

    pids: tuple[int, ...]
    ports: tuple[int, ...]
    udp_ports: tuple[int, ...]
    run_dir: str


def _quietly(stop: Callable[[], None]) -> None:
    """Run an in-process part's stop; the teardown goes on whatever it raises."""
    with suppress(Exception):  # a part that fails to stop must not keep the rest running
        stop()


class LocalStack:
    """The running stack of one local game day (see the module docstring).

    scenario : a ``platform: local`` scenario (:func:`~drsim.gameday.local.run.check_scenario`).
    options : knobs that are not part of the scenario.
    rng_checkers : draws the health checkers' phases.
    rng_orch : draws the orchestrator's human delays and ``other`` steps.
    waits : step name -> a draw of the wait before its real action (a stack made slower
        than the model, :meth:`~drsim.gameday.local.stackset.StackDifference.waits`).
    loadgen_seed : seed of the load generator's clients.
    say : where progress lines go.

    Once entered: ``rec`` (the event log), ``primary`` and ``standby``
    (:class:`~drsim.gameday.local.postgres.PgServer`), ``proxy``
    (:class:`~drsim.gameday.local.proxy.LinkProxy`), ``region_a`` and ``region_b``
    (:class:`~drsim.gameday.local.service.Region`), ``resolver``, ``hc``, ``orch``,
    ``acks`` (an :class:`~drsim.gameday.local.journals.AckWatch`), ``probe_watch``
    (a :class:`~drsim.gameday.local.journals.ProbeWatch` on the external probe) and ``timings``
    (start-up moments, seconds since entering; ``teardown_s`` once left). [s]
    """

    def __init__(self, scenario: Scenario, options: Options | None = None, *,
                 rng_checkers: np.random.Generator, rng_orch: np.random.Generator,
                 waits: dict[str, Callable[[], float]] | None = None, loadgen_seed: int, say: Callable[[str], None] = lambda msg: None):
        self.scenario = scenario
        self.options = options or Options()
        self.rng_checkers = rng_checkers
        self.rng_orch = rng_orch
        self.waits = waits
        self.loadgen_seed = loadgen_seed
        self.say = say
        self.rec = Recorder()
        self.timings: dict[str, float] = {}
        self.run_dir: Path | None = None
        self.procs: Processes | None = None
        self._ports: list[int] = []
        self._udp_ports: list[int] = []
        self._pids: list[int] = []
        self._exit: ExitStack | None = None
        self._scaling: threading.Thread | None = None
        self._interrupts: AbstractContextManager | None = None
        self._t0 = math.nan

    # --- start-up and teardown --------------------------------------------------------------

    def __enter__(self) -> Self:
        if self._exit is not None:
            raise DrsimError("a LocalStack runs once; make a new one for the next run")
        self._t0 = time.monotonic()
        self._exit = ExitStack()
        # Outside the ExitStack: the teardown holds signals, and restores their handlers
        # when it ends, so these must be put back after that, not during it.
        self._interrupts = signals.terminate_as_interrupt()
        self._interrupts.__enter__()
        try:
            self._start()
        except BaseException:
            self._stop(*sys.exc_info())
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._stop(exc_type, exc, tb)
        return False

    def _start(self) -> None:
        with signals.deferred():  # the directory and its removal are registered as one step
            self.run_dir = Path(tempfile.mkdtemp(prefix=TMP_PREFIX))
            self._exit.callback(shutil.rmtree, self.run_dir, ignore_errors=True)
        os.chmod(self.run_dir, 0o755)  # the postgres OS user must reach its data directories
        self.procs = Processes(self._exit)  # each process registers its own stop as it starts
        self.say(f"starting the stack in {self.run_dir}")
        self._start_primary()
        self._start_regions()
        self._start_dns()
        self._start_control()
        self._start_load()
        self.say(f"stack up in {self.timings['startup_s']:.1f} s")

    def _stop(self, exc_type, exc, tb) -> None:
        """Stop every part, newest first; signals wait until the last one has stopped
        (then a SIGTERM that came meanwhile still unwinds as KeyboardInterrupt)."""
        try:
            with signals.deferred():
                t = time.monotonic()
                try:
                    if self.procs is not None:
                        self.procs.close()  # nothing (a scale-out thread) may start a process now
                        self._pids = [c.pid for c in self.procs.children]
                    self._exit.__exit__(exc_type, exc, tb)
                finally:
                    self.timings["teardown_s"] = time.monotonic() - t
        finally:
            self._interrupts.__exit__(None, None, None)

    def _mark(self, moment: str) -> None:
        self.timings[moment] = time.monotonic() - self._t0

    def _start_primary(self) -> None:
        """A's database and its schema; then the ports the rest of the stack listens on."""
        self.primary = postgres.start_primary(self.procs, self.run_dir, self.run_dir)
        postgres.create_schema(self.primary)
        self.link_port = free_port(LOCAL)
        self.service_port = free_port_on_all([A_HOST, B_HOST])
        self.a_workers_port = free_port(LOCAL)
        self._ports += [self.primary.port, self.link_port, self.service_port, self.a_workers_port]
        self._mark("primary_s")

    def _start_regions(self) -> None:
        """The link proxy, both regions' workers and B's standby streaming through the link.

        The Python processes start while PostgreSQL base-backs up: both take a few hundred ms.
        """
        opt, hcfg = self.options, self.scenario.health_check
        brownout = self.scenario.failure.brownout_failure_fraction
        self.proxy = LinkProxy.spawn(self.procs, [
            format_route("link", (LOCAL, self.link_port), (LOCAL, self.primary.port),
                         opt.link_latency_s, opt.link_bandwidth_bytes_per_s),
            format_route("front_a", (A_HOST, self.service_port), (LOCAL, self.a_workers_port)),
        ], self.run_dir, log_path=self.run_dir / "proxy.log")
        self.region_a = Region(self.procs, "a", LOCAL, self.a_workers_port, self.primary.dsn,
                               self.run_dir, hcfg.checks_database, brownout)
        a_workers = self.region_a.launch_workers(self.scenario.compute.primary_tasks)
        self.proxy.wait_ready(20)
        self.standby = postgres.start_standby(self.procs, self.primary, self.run_dir, self.run_dir,
                                              via_port=self.link_port)
        self._ports.append(self.standby.port)
        self._mark("standby_s")
        self.region_b = Region(self.procs, "b", B_HOST, self.service_port, self.standby.dsn,
                               self.run_dir, hcfg.checks_database, brownout)
        b_workers = self.region_b.launch_workers(self.scenario.compute.standby_tasks)
        self.region_a.wait_ready(a_workers)
        self.region_b.wait_ready(b_workers)
        self._mark("workers_s")
        postgres.wait_streaming(self.primary)

    def _start_dns(self) -> None:
        """The failover record, served on a port of its own."""
        self.resolver = FailoverResolver(SERVICE_NAME, A_HOST, B_HOST, int(self.scenario.dns.ttl_s),
                                         self.scenario.dns.routing, self._on_switch)
        with signals.deferred():  # the server binds its port as it is made
            self.dns = DnsServer(self.resolver, LOCAL)
            self._exit.callback(_quietly, self.dns.stop)
        self.dns.start()
        self._udp_ports = [self.dns.port]

    def _start_control(self) -> None:
        """The orchestrator, and the health checkers whose verdict moves the record and triggers it."""
        hcfg = self.scenario.health_check
        self.orch = Orchestrator(self.scenario, {"promote_database": self._promote_database,
                                                 "scale_standby": self._scale_standby,
                                                 "switch_traffic": self.resolver.pin_secondary,
                                                 "fence_primary": self._fence_primary},
                                 self.rec, self.rng_orch, self.waits)
        self._exit.callback(_quietly, self.orch.stop)
        self.hc = HealthCheck(A_HOST, self.service_port, hcfg.path, interval_s=hcfg.interval_s,
                              failure_threshold=hcfg.failure_threshold, checkers=hcfg.checkers,
                              healthy_fraction=hcfg.healthy_fraction, timeout_s=hcfg.timeout_s,
                              rng=self.rng_checkers, recorder=self.rec, on_verdict=self._on_verdict)
        self._exit.callback(_quietly, self.hc.stop)
        self.hc.start()

    def _start_load(self) -> None:
        """The external probe and the load generator; returns once both run."""
        clients = self.scenario.dns.clients
        write_rate = sum(ds.write_rate_per_s for ds in self.scenario.datastores
                         if ds.kind == "postgres_streaming") or clients
        common = {"dns_host": LOCAL, "dns_port": self.dns.port, "name": SERVICE_NAME,
                  "service_port": self.service_port,
                  "request_timeout_s": self.options.request_timeout_s, "parent": os.getpid()}
        probe = self._spawn_with_config("probe", {
            **common, "interval_s": self.scenario.probe.interval_s,
            "writes": self.scenario.probe.writes,
            "journal_path": str(self.run_dir / "probe.csv")})
        self.loadgen = self._spawn_with_config("loadgen", {
            **common, "clients": clients, "write_interval_s": clients / write_rate,
            "start_spread_s": max(float(self.scenario.dns.ttl_s), clients / write_rate),
            "journal_path": str(self.run_dir / "journal.csv"),
            "acked_path": str(self.run_dir / "acked.csv"),
            "seed": self.loadgen_seed})
        self.acks = AckWatch(self.run_dir / "acked.csv")
        self.probe_watch = ProbeWatch(self.run_dir / "probe.csv")
        self.probe = probe
        for child in (probe, self.loadgen):
            if child.read_line(20) != "ready":
                raise DrsimError(f"the {child.name} did not start (see {child.name}.log)")
        self._mark("loadgen_s")
        self.timings["startup_s"] = self.timings["loadgen_s"]

    def _spawn_with_config(self, name: str, cfg: dict):
        """Start ``python -m drsim.gameday.local.NAME`` with ``cfg`` as its JSON config."""
        path = self.run_dir / f"{name}.json"
        path.write_text(json.dumps(cfg))
        return self.procs.spawn(name, [sys.executable, "-m", f"drsim.gameday.local.{name}",
                                       str(path)],
                                stdout_pipe=True, log_path=self.run_dir / f"{name}.log")

    # --- what the running stack does on its own ---------------------------------------------

    def _on_switch(self, ip: str, why: str, t_mono: float) -> None:
        region = self.scenario.regions.secondary if ip == B_HOST else self.scenario.regions.primary
        self.rec.record("dns_switched", "dns", f"{region} ({why})", t_mono=t_mono)

    def _on_verdict(self, healthy: bool) -> None:
        if not healthy:
            self.rec.record("unhealthy_declared", "health_check",
                            f"{self.hc.healthy_checkers} of {self.scenario.health_check.checkers} "
                            "checkers healthy")
        self.resolver.set_primary_healthy(healthy)  # the failover record follows the check
        if not healthy and self.rec.fault_mono is not None:
            self.orch.trigger()

    def _promote_database(self) -> None:
        # Stamped at the last moment B was seen still read-only, not when pg_promote's
        # answer comes (up to its 100 ms poll later): no write can land at B before it.
        read_only, writable = postgres.promote(self.standby)
        self.rec.record("database_writable", self.scenario.regions.secondary,
                        f"{scenario_db_name(self.scenario)} (seen writable "
                        f"{1000 * (writable - read_only):.1f} ms later)", t_mono=read_only)

    def _fence_primary(self) -> None:
        # A real fence ends the old primary's ability to acknowledge: its database is shut
        # down (fast: sessions ended, in-flight transactions rolled back), by its PID. A
        # read-only switch would leave each session to pick the setting up at its next
        # command, so no moment could be named after which A takes no write.
        t_fenced, was_running = postgres.fence(self.primary)
        self.rec.record("primary_fenced", self.scenario.regions.primary,
                        f"{scenario_db_name(self.scenario)}: "
                        + (f"fast shutdown, postmaster {self.primary.child.pid} exited"
                           if was_running else "already down"), t_mono=t_fenced)

    def _scale_standby(self) -> None:
        # Like an ECS UpdateService call: the step asks for tasks and ends; the tasks
        # become healthy later (the simulator's task_start_s + target_healthy_s).
        need = self.scenario.compute.required_tasks - len(self.region_b.live_workers())
        if need <= 0:
            self.rec.record("capacity_ready", self.scenario.regions.secondary,
                            "standby already carries the load")
            return
        launched = self.region_b.launch_workers(need)
        self._scaling = threading.Thread(target=self._await_tasks, args=(launched,),
                                         name="scale-b", daemon=True)
        self._scaling.start()

    @property
    def runbook_settled(self) -> bool:
        """The runbook has ended and the tasks it launched are healthy or have failed."""
        return self.orch.done.is_set() and not (self._scaling and self._scaling.is_alive())

    def _await_tasks(self, launched: list) -> None:
        b_name = self.scenario.regions.secondary
        try:
            self.region_b.wait_ready(launched, on_ready=lambda w: self.rec.record(
                "task_healthy", w.name, b_name))
        except (DrsimError, OSError, ValueError) as err:  # not ready, or stopped by the teardown
            self.rec.record("step_failed", "scale_standby", str(err)[:200])
            return
        self.rec.record("capacity_ready", b_name, f"{len(self.region_b.live_workers())} workers")

    # --- the end of a run -------------------------------------------------------------------

    def collect(self, fault_mono: float) -> Collected:
        """Stop the load and the control plane, read the journals, account for every write.

        fault_mono : the fault's moment; writes are reconciled against it. [s, monotonic]
        """
        self.procs.stop(self.loadgen, grace_s=self.options.request_timeout_s + 2)
        self.procs.stop(self.probe, grace_s=self.options.request_timeout_s + 2)
        self.hc.stop()
        self.orch.stop()
        journal = read_journal(self.run_dir / "journal.csv", JOURNAL_COLUMNS)
        acked = read_journal(self.run_dir / "acked.csv", ACKED_COLUMNS)
        probe = read_journal(self.run_dir / "probe.csv", PROBE_COLUMNS)
        promoted = postgres.is_writable(self.standby)
        recon = None
        if self.standby.child.alive():
            # The probe's own writes are not the clients': they are left out of the accounting.
            present = {k for k in postgres.written_keys(self.standby) if k[0] != PROBE_CLIENT}
            recon = reconcile(acked, present, fault_mono)
        self._mark("run_s")
        return Collected(journal, acked, probe, bool(promoted), recon)

    def resources(self) -> Resources:
        """What the stack held (complete once it has been left)."""
        return Resources(tuple(self._pids), tuple(self._ports), tuple(self._udp_ports),
                         str(self.run_dir))
