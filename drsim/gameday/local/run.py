"""One local game day: start the stack, warm up, inject the fault, measure, tear down.

Everything is started on free loopback ports in a fresh temporary directory,
tracked by PID in a :class:`~drsim.gameday.local.procs.Processes`, and torn
down in a ``finally``: after an error, a timeout or Ctrl-C nothing is left
running, listening or on disk.

Region A's clients reach it through its front door (``A_HOST``, a proxy route,
so a partition can cut it); region B's workers listen on ``B_HOST`` directly.
Both use the same port number, so the DNS answer (an address) is all a client
needs to move.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.gameday.local import postgres
from drsim.gameday.local.checkers import HealthCheck
from drsim.gameday.local.dns import SERVICE_NAME, DnsServer, FailoverResolver
from drsim.gameday.local.faults import Targets, inject
from drsim.gameday.local.orchestrator import Orchestrator, check_runbook
from drsim.gameday.local.procs import Processes, free_port, free_port_on_all
from drsim.gameday.local.proxy import format_route
from drsim.gameday.local.recorder import Recorder
from drsim.gameday.local.service import Region
from drsim.gameday.measure import client_recovery_s, recovery_times
from drsim.gameday.reconcile import Reconciliation, reconcile
from drsim.rules import smallest_count
from drsim.scenario.model import Scenario
from drsim.timeline import Event, phases, to_frame

A_HOST = "127.0.0.2"  # region A's front door (loopback: all of 127/8 is)
B_HOST = "127.0.0.3"  # region B's service
LOCAL = "127.0.0.1"   # databases, A's workers, DNS, the link proxy
TMP_PREFIX = "drsim-gameday-"


@dataclass
class Options:
    """Knobs of a local run that are not part of the scenario.

    link_latency_s : one-way latency of the replication link between the regions. [s]
    link_bandwidth_bytes_per_s : bandwidth of that link; 0 for unlimited. [B/s]
    timeout_s : give up waiting for recovery this long after the fault. [s]
    warmup_s : least time clients run against A before the fault. [s]
    request_timeout_s : a client abandons a request (and a DNS query) after this. [s]
    settle_s : keep the load running this long after recovery, so late writes are journaled. [s]
    """

    link_latency_s: float = 0.005
    link_bandwidth_bytes_per_s: float = 0.0
    timeout_s: float = 20.0
    warmup_s: float = 1.0
    request_timeout_s: float = 1.0
    settle_s: float = 0.3


@dataclass
class RunResult:
    """One game day's records: its timeline (shared format), journals and summary."""

    run_id: str
    fault: str
    summary: dict
    timeline: pd.DataFrame
    journal: pd.DataFrame = field(repr=False)
    acked: pd.DataFrame = field(repr=False)
    reconciliation: Reconciliation | None = field(default=None, repr=False)
    resources: dict = field(default_factory=dict, repr=False)
    """What the run held and let go: ``pids``, ``ports``, ``run_dir`` (for cleanup checks)."""


def check_scenario(scenario: Scenario) -> None:
    """Raise a :class:`DrsimError` unless the local stack can run ``scenario``."""
    if scenario.platform != "local":
        raise DrsimError(f"scenario {scenario.name!r} is platform: {scenario.platform}; the local "
                         "game day runs platform: local scenarios (e.g. the bundled local-lab)")
    if scenario.dns.ttl_s != int(scenario.dns.ttl_s):
        raise DrsimError(f"dns.ttl_s: {scenario.dns.ttl_s:g} is not a whole number of seconds; "
                         "DNS TTLs are integers")
    if scenario.health_check.protocol != "HTTP":
        raise DrsimError(f"health_check.protocol: the local services speak plain HTTP, not "
                         f"{scenario.health_check.protocol}")
    pg = [ds for ds in scenario.datastores if ds.kind == "postgres_streaming"]
    if len(pg) != 1:
        raise DrsimError("datastores: the local stack runs exactly one postgres_streaming "
                         f"datastore; the scenario has {len(pg)}")
    if scenario.strategy == "active_active":
        raise DrsimError("strategy: the local stack runs a primary and a standby; active_active "
                         "is not modelled locally")
    if scenario.compute.standby_tasks == 0 and not any(
            s.action == "scale_standby" for s in scenario.runbook):
        raise DrsimError("compute.standby_tasks: 0 and no scale_standby step: region B would never "
                         "serve")
    check_runbook(scenario)


def _read_csv(path: Path, columns) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=columns)
    text = path.read_text()
    # A line cut short by a kill has fewer fields: drop it rather than misread it.
    good = [ln for ln in text.splitlines()[1:] if ln.count(",") == len(columns) - 1]
    df = pd.read_csv(io.StringIO("\n".join([",".join(columns), *good])),
                     keep_default_na=False)
    return df


JOURNAL_COLUMNS = ("t_start", "t_end", "client", "op", "seq", "address", "status", "region", "error")
ACKED_COLUMNS = ("client", "seq", "t_ack", "region")


class _AckWatch:
    """Follows ``acked.csv`` while the run goes on: which clients B has served, and when."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.first_b: dict[int, float] = {}
        self.any_ack: set[int] = set()

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for ln in lines:
            parts = ln.decode().split(",")
            if len(parts) != 4 or parts[0] == "client":
                continue
            client, t, region = int(parts[0]), float(parts[2]), parts[3]
            self.any_ack.add(client)
            if region == "b":
                self.first_b.setdefault(client, t)


def run_once(scenario: Scenario, *, seed_seq: np.random.SeedSequence, run_id: str,
             fault: str | None = None, options: Options | None = None, log=None) -> RunResult:
    """Run one game day of ``scenario`` with ``fault`` (default: its ``failure.mode``).

    seed_seq : this run's seeds (fault moment, checker phases, orchestrator draws).
    log : where to print progress lines (None: quiet).
    """
    opt = options or Options()
    check_scenario(scenario)
    postgres.check_binaries()
    rng_fault, rng_checkers, rng_orch = (np.random.default_rng(s) for s in seed_seq.spawn(3))
    say = (lambda msg: print(f"[{run_id}] {msg}", file=log, flush=True)) if log else (lambda m: None)

    wall0 = time.monotonic()
    run_dir: Path | None = None
    procs = Processes()
    rec = Recorder()
    hc = dns_server = orch = None
    timings: dict[str, float] = {}
    ports: list[int] = []
    udp_ports: list[int] = []
    try:
        # --- start the stack -------------------------------------------------------------
        run_dir = Path(tempfile.mkdtemp(prefix=TMP_PREFIX))
        os.chmod(run_dir, 0o755)  # the postgres OS user must reach its data directories
        primary = postgres.start_primary(procs, run_dir, run_dir)
        postgres.create_schema(primary)
        link_port = free_port(LOCAL)
        service_port = free_port_on_all([A_HOST, B_HOST])
        a_workers_port = free_port(LOCAL)
        ports += [primary.port, link_port, service_port, a_workers_port]
        timings["primary_s"] = time.monotonic() - wall0
        # Python processes start while PostgreSQL base-backs up: both take a few hundred ms.
        proxy = procs.spawn("proxy", [
            sys.executable, "-m", "drsim.gameday.local.proxy",
            format_route("link", (LOCAL, link_port), (LOCAL, primary.port), opt.link_latency_s,
                         opt.link_bandwidth_bytes_per_s),
            format_route("front_a", (A_HOST, service_port), (LOCAL, a_workers_port)),
            "--run-dir", str(run_dir),
        ], stdout_pipe=True, stdin_pipe=True, log_path=run_dir / "proxy.log")
        proxy_lock = threading.Lock()

        def proxy_command(cmd: str) -> None:
            with proxy_lock:
                proxy.popen.stdin.write(f"{cmd}\n".encode())
                proxy.popen.stdin.flush()
                if not proxy.read_line(5).startswith("ok"):
                    raise DrsimError(f"the link proxy did not acknowledge {cmd!r}")

        hcfg = scenario.health_check
        brown = scenario.failure.brownout_failure_fraction
        region_a = Region(procs, "a", LOCAL, a_workers_port, primary.dsn, run_dir,
                          hcfg.checks_database, brown)
        a_workers = region_a.launch_workers(scenario.compute.primary_tasks)
        if proxy.read_line(20) != "ready":
            raise DrsimError("the link proxy did not start")
        standby = postgres.start_standby(procs, primary, run_dir, run_dir, via_port=link_port)
        ports.append(standby.port)
        timings["standby_s"] = time.monotonic() - wall0
        region_b = Region(procs, "b", B_HOST, service_port, standby.dsn, run_dir,
                          hcfg.checks_database, brown)
        b_workers = region_b.launch_workers(scenario.compute.standby_tasks)
        region_a.wait_ready(a_workers)
        region_b.wait_ready(b_workers)
        timings["workers_s"] = time.monotonic() - wall0
        postgres.wait_streaming(primary)

        # --- DNS, health checks, orchestrator ------------------------------------------
        def on_switch(ip: str, why: str, t_mono: float) -> None:
            region = scenario.regions.secondary if ip == B_HOST else scenario.regions.primary
            rec.record("dns_switched", "dns", f"{region} ({why})",
                       t_mono=t_mono)

        resolver = FailoverResolver(SERVICE_NAME, A_HOST, B_HOST, int(scenario.dns.ttl_s),
                                    scenario.dns.routing, on_switch)
        dns_server = DnsServer(resolver, LOCAL)
        dns_server.start()
        udp_ports = [dns_server.port]

        b_name = scenario.regions.secondary

        def promote_database() -> None:
            # Stamped when pg_promote returns here: a client's write may land at B a few
            # milliseconds earlier, between the server's promotion and this answer.
            postgres.promote(standby)
            rec.record("database_writable", b_name, scenario_db_name(scenario))

        def scale_standby() -> None:
            # Like an ECS UpdateService call: the step asks for tasks and ends; the tasks
            # become healthy later (the simulator's task_start_s + target_healthy_s).
            need = scenario.compute.required_tasks - len(region_b.live_workers())
            if need <= 0:
                rec.record("capacity_ready", b_name, "standby already carries the load")
                return
            launched = region_b.launch_workers(need)

            def wait_ready():
                try:
                    region_b.wait_ready(launched, on_ready=lambda w: rec.record(
                        "task_healthy", w.name, b_name))
                except DrsimError as err:
                    rec.record("step_failed", "scale_standby", str(err)[:200])
                    return
                rec.record("capacity_ready", b_name, f"{len(region_b.live_workers())} workers")

            threading.Thread(target=wait_ready, name="scale-b", daemon=True).start()

        orch = Orchestrator(scenario, {"promote_database": promote_database,
                                       "scale_standby": scale_standby,
                                       "switch_traffic": resolver.pin_secondary},
                            rec, rng_orch)

        def on_verdict(healthy: bool) -> None:
            if not healthy:
                rec.record("unhealthy_declared", "health_check",
                           f"{hc.healthy_checkers} of {hcfg.checkers} checkers healthy")
            resolver.set_primary_healthy(healthy)  # the failover record follows the check
            if not healthy and rec.fault_mono is not None:
                orch.trigger()

        hc = HealthCheck(A_HOST, service_port, hcfg.path, interval_s=hcfg.interval_s,
                         failure_threshold=hcfg.failure_threshold, checkers=hcfg.checkers,
                         healthy_fraction=hcfg.healthy_fraction, timeout_s=hcfg.timeout_s,
                         rng=rng_checkers, recorder=rec, on_verdict=on_verdict)
        hc.start()

        # --- load ------------------------------------------------------------------------
        clients = scenario.dns.clients
        write_rate = sum(ds.write_rate_per_s for ds in scenario.datastores
                         if ds.kind == "postgres_streaming") or clients
        cfg = {"dns_host": LOCAL, "dns_port": dns_server.port, "name": SERVICE_NAME,
               "service_port": service_port, "clients": clients,
               "write_interval_s": clients / write_rate,
               "start_spread_s": max(float(scenario.dns.ttl_s), clients / write_rate),
               "request_timeout_s": opt.request_timeout_s,
               "journal_path": str(run_dir / "journal.csv"),
               "acked_path": str(run_dir / "acked.csv"),
               "seed": int(seed_seq.generate_state(1)[0]), "parent": os.getpid()}
        (run_dir / "loadgen.json").write_text(json.dumps(cfg))
        loadgen = procs.spawn("loadgen", [sys.executable, "-m", "drsim.gameday.local.loadgen",
                                          str(run_dir / "loadgen.json")],
                              stdout_pipe=True, log_path=run_dir / "loadgen.log")
        if loadgen.read_line(20) != "ready":
            raise DrsimError("the load generator did not start")
        timings["startup_s"] = time.monotonic() - wall0
        timings["loadgen_s"] = timings["startup_s"]
        say(f"stack up in {timings['startup_s']:.1f} s")

        # --- warm up, then the fault at a random moment --------------------------------
        watch = _AckWatch(run_dir / "acked.csv")
        warm_deadline = time.monotonic() + max(15.0, opt.warmup_s)
        t_min = time.monotonic() + opt.warmup_s
        lags = []
        with postgres.connect(primary.dsn) as conn:
            while len(watch.any_ack) < clients or time.monotonic() < t_min:
                if time.monotonic() > warm_deadline:
                    raise DrsimError(f"only {len(watch.any_ack)} of {clients} clients got a write "
                                     "acknowledged during warm-up; the stack is not serving")
                time.sleep(0.05)
                watch.poll()
                lag = postgres.replication_lag_s(conn)
                if lag is not None:
                    lags.append(lag)
        if not hc.endpoint_healthy:
            raise DrsimError("region A's health check failed before the fault")
        # A uniformly random moment within one check interval: the checkers' phases
        # relative to the fault are what makes detection time vary.
        time.sleep(float(rng_fault.uniform(0, hcfg.interval_s)))
        kind = fault or scenario.failure.mode
        t_fault = time.monotonic()
        component, detail = inject(kind, Targets(region_a, primary, proxy_command))
        rec.fault_mono = t_fault
        # Components name regions as the simulator's timelines do; the detail says what was hit.
        rec.record("fault_injected", scenario.regions.primary, f"{kind}: {component} {detail}",
                   t_mono=t_fault)
        say(f"{kind} injected")
        if not hc.endpoint_healthy:  # declared in the instant before the fault: act now
            orch.trigger()

        # --- wait for recovery -----------------------------------------------------------
        needed = max(1, smallest_count(scenario.objectives.recovered_fraction, clients))
        deadline = t_fault + opt.timeout_s
        while time.monotonic() < deadline:
            watch.poll()
            if len(watch.first_b) >= needed:
                break
            time.sleep(0.05)
        time.sleep(opt.settle_s)

        # --- stop the load, account for every write ------------------------------------
        procs.stop(loadgen, grace_s=opt.request_timeout_s + 2)
        hc.stop()
        orch.stop()
        journal = _read_csv(run_dir / "journal.csv", JOURNAL_COLUMNS)
        acked = _read_csv(run_dir / "acked.csv", ACKED_COLUMNS)
        promoted = postgres.is_writable(standby)
        recon = None
        if standby.child.alive():
            recon = reconcile(acked, postgres.written_keys(standby), t_fault)
        timings["run_s"] = time.monotonic() - wall0
    except _db_errors() as err:
        raise DrsimError(f"PostgreSQL failed during the game day: {err}".strip()) from err
    finally:
        # A second Ctrl-C must not cut the teardown short: hold SIGINT and SIGTERM
        # until everything is stopped, then let them through.
        held = _hold_signals()
        t_down = time.monotonic()
        pids = [c.pid for c in procs.children]
        for part in (hc, orch):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # pragma: no cover - teardown goes on regardless
                    pass
        if dns_server is not None:
            dns_server.stop()
        procs.stop_all()
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
        timings["teardown_s"] = time.monotonic() - t_down
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)

    # --- the record --------------------------------------------------------------------------
    per_client = client_recovery_s(journal, t_fault, clients)
    first_s, rto_s = recovery_times(per_client, scenario.objectives.recovered_fraction)
    events = rec.events(run_id)
    if not math.isnan(first_s):
        events.append(Event(run_id, "local", first_s, "first_success", "clients",
                            f"client {int(per_client.idxmin())}"))
    if not math.isnan(rto_s):
        events.append(Event(run_id, "local", rto_s, "recovered", "clients",
                            f"{int(per_client.notna().sum())} of {clients} clients served by "
                            f"{scenario.regions.secondary}"))
    if recon is not None:
        for w in recon.lost_writes.itertuples():
            events.append(Event(run_id, "local", float(w.t_s), "write_lost",
                                scenario_db_name(scenario),
                                f"client {w.client} seq {w.seq} acknowledged by {w.region}"))
    timeline = to_frame(events)
    ph = phases(timeline).iloc[0].to_dict() if len(timeline) else {}
    steps = _step_durations(timeline)
    scale_end = timeline.loc[(timeline["event"] == "step_finished")
                             & (timeline["component"] == "scale_standby"), "t_s"]
    launch_s = (sorted((timeline.loc[timeline["event"] == "task_healthy", "t_s"]
                        - float(scale_end.min())).round(4).tolist()) if len(scale_end) else [])
    after = journal[journal["t_start"] >= t_fault]
    summary = {
        "run_id": run_id, "fault": kind, "recovered": not math.isnan(rto_s),
        "detect_s": ph.get("detect_s", math.nan), "decide_s": ph.get("decide_s", math.nan),
        "recover_s": ph.get("recover_s", math.nan), "cutover_s": ph.get("cutover_s", math.nan),
        "first_success_s": first_s, "rto_s": rto_s,
        "clients": clients, "clients_served_by_b": int(per_client.notna().sum()),
        "database_promoted": bool(promoted),
        "rpo_s": recon.rpo_s if recon else math.nan,
        "lost_writes": recon.lost if recon else math.nan,
        "writes": recon.as_dict() if recon else None,
        "steps_s": steps,
        "task_launch_s": launch_s,
        "failed_steps": list(orch.failed) if orch else [],
        "requests": len(journal), "requests_after_fault": len(after),
        "failed_requests_after_fault": int((after["status"] != 200).sum()),
        "checks": hc.checks if hc else 0,
        # Failed checks in the last threshold intervals before the fault (a slow machine
        # can time a check out) start a checker's streak early and shorten detection.
        "checks_failed_before_fault": rec.count_before_fault(
            "check_failed", scenario.health_check.failure_threshold
            * scenario.health_check.interval_s),
        "startup_s": timings.get("startup_s", math.nan),
        # Cumulative: primary up, standby up, workers ready, load generator ready. [s]
        "startup_parts_s": {k: round(timings[k], 3) for k in
                            ("primary_s", "standby_s", "workers_s", "loadgen_s") if k in timings},
        "teardown_s": timings.get("teardown_s", math.nan),
        "wall_s": time.monotonic() - wall0,
        "link_latency_s": opt.link_latency_s,
        # PostgreSQL's own measure under the load: commit on A to the standby's
        # reply that it has replayed it (one link trip each way). [s]
        "replay_lag_s": {"p50": float(np.median(lags)) if lags else math.nan,
                         "max": float(np.max(lags)) if lags else math.nan},
    }
    say(f"rto {rto_s:.2f} s, detect {summary['detect_s']:.2f} s, lost writes "
        f"{summary['lost_writes']}, {summary['wall_s']:.1f} s wall")
    return RunResult(run_id, kind, summary, timeline, journal, acked, recon,
                     {"pids": pids, "ports": ports, "udp_ports": udp_ports,
                      "run_dir": str(run_dir)})


def _hold_signals() -> set:
    """Block SIGINT and SIGTERM in the main thread; returns what to unblock (or nothing)."""
    if threading.current_thread() is not threading.main_thread():
        return set()
    wanted = {signal.SIGINT, signal.SIGTERM}
    already = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    return wanted - set(already)


def _db_errors():
    import psycopg

    return (psycopg.Error,)


def scenario_db_name(scenario: Scenario) -> str:
    return next(ds.name for ds in scenario.datastores if ds.kind == "postgres_streaming")


def _step_durations(timeline: pd.DataFrame) -> dict:
    """Each runbook step's last attempt, from its last start to its finish. [s]"""
    out = {}
    for name, g in timeline[timeline["event"].isin(["step_started", "step_finished"])].groupby(
            "component"):
        starts = g.loc[g["event"] == "step_started", "t_s"]
        ends = g.loc[g["event"] == "step_finished", "t_s"]
        if len(starts) and len(ends):
            out[name] = float(ends.max() - starts.max())
    return out
