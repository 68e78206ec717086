"""The local stack's parts one at a time: link proxy, DNS failover record, health
checkers, orchestrator. Timing is only ever checked from below (a delay is at least
what was configured), never from above, and the tests wait for the event they are
about (an answer expiring from a cache, a verdict, a step starting), never for a
fixed time, so a busy machine cannot fail these."""

import http.server
import os
import signal
import socket
import sys
import threading
import time
from contextlib import ExitStack

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import numpy as np
import pytest

from drsim.errors import DrsimError
from drsim.gameday.local import signals
from drsim.gameday.local.checkers import HealthCheck, check_once
from drsim.gameday.local.dns import SERVICE_NAME, DnsServer, FailoverResolver
from drsim.gameday.local.orchestrator import Orchestrator
from drsim.gameday.local.procs import Processes, free_port, pid_alive
from drsim.gameday.local.proxy import format_route
from drsim.gameday.local.recorder import Recorder
from drsim.scenario import load_scenario
from drsim.timeline import to_frame

from .conftest import SCENARIOS

HOST = "127.0.0.1"


@pytest.fixture
def echo_port():
    """A TCP echo server on a free loopback port."""
    srv = socket.create_server((HOST, 0))
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve(conn):
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    srv.close()


@pytest.fixture
def proxy(echo_port):
    procs = Processes()
    port = free_port(HOST)
    child = procs.spawn("proxy", [
        sys.executable, "-m", "drsim.gameday.local.proxy",
        format_route("link", (HOST, port), (HOST, echo_port), 0.05, 200_000)],
        stdout_pipe=True, stdin_pipe=True)
    assert child.read_line(20) == "ready"

    def command(cmd):
        t_sent = time.monotonic()
        child.popen.stdin.write(f"{cmd}\n".encode())
        child.popen.stdin.flush()
        *said, t_effect = child.read_line(5).split()
        assert said == ["ok", *cmd.split()]
        assert t_sent <= float(t_effect) <= time.monotonic()  # stamped on the shared clock

    yield port, command
    procs.stop_all()


def echo(port, payload: bytes, timeout_s: float = 10.0) -> float:
    """Send ``payload`` through the proxy and wait for all of it back; seconds taken."""
    t0 = time.monotonic()
    with socket.create_connection((HOST, port), timeout=timeout_s) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            got += chunk
    assert got == payload
    return time.monotonic() - t0


def test_the_link_delays_each_direction_and_limits_bandwidth(proxy):
    port, _ = proxy
    assert echo(port, b"x") >= 2 * 0.05  # one delay each way
    assert echo(port, b"y" * 100_000) >= 100_000 / 200_000  # paced in both directions


def test_a_partition_drops_traffic_a_cut_refuses_it_and_heal_restores(proxy):
    port, command = proxy
    echo(port, b"before")
    command("partition link")
    with pytest.raises(TimeoutError):
        echo(port, b"dropped", timeout_s=0.5)  # accepted, never answered
    command("heal link")
    echo(port, b"healed")
    command("down link")
    with pytest.raises(ConnectionRefusedError):
        echo(port, b"refused")
    command("heal link")
    echo(port, b"back")


def test_the_dns_record_fails_over_and_clients_move_only_when_their_ttl_expires():
    switches = []
    resolver = FailoverResolver(SERVICE_NAME, "127.0.0.2", "127.0.0.3", ttl_s=1,
                                on_switch=lambda ip, why, t: switches.append((ip, why)))
    server = DnsServer(resolver)
    server.start()
    try:
        client = dns.resolver.Resolver(configure=False)
        client.nameservers, client.port = [HOST], server.port
        client.cache = dns.resolver.Cache()
        answer = client.resolve(SERVICE_NAME, "A")
        assert answer[0].address == "127.0.0.2" and answer.rrset.ttl == 1
        resolver.set_primary_healthy(False)
        assert switches == [("127.0.0.3", "health check")]
        fresh = dns.resolver.Resolver(configure=False)
        fresh.nameservers, fresh.port = [HOST], server.port
        assert fresh.resolve(SERVICE_NAME, "A")[0].address == "127.0.0.3"
        # Once the cached answer has expired (its TTL after it was cached), the client asks again.
        key = (dns.name.from_text(SERVICE_NAME), dns.rdatatype.A, dns.rdataclass.IN)
        assert wait_until(lambda: client.cache.get(key) is None, timeout_s=20)
        assert time.time() >= answer.expiration
        assert client.resolve(SERVICE_NAME, "A")[0].address == "127.0.0.3"
        resolver.set_primary_healthy(True)  # the failover record follows the health check...
        resolver.pin_secondary()  # ...until switch_traffic pins it
        assert fresh.resolve(SERVICE_NAME, "A")[0].address == "127.0.0.3"
        assert [ip for ip, _ in switches] == ["127.0.0.3", "127.0.0.2", "127.0.0.3"]
        with pytest.raises(dns.resolver.NXDOMAIN):
            fresh.resolve("other.drsim.test.", "A")
    finally:
        server.stop()


def wait_until(condition, timeout_s: float, poll_s: float = 0.02) -> bool:
    """True as soon as ``condition()`` is; False if it is not within ``timeout_s``. [s]"""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll_s)
    return True


class Verdicts(list):
    """The endpoint verdicts a health check gave, and an event set by the first."""

    def __init__(self):
        super().__init__()
        self.first = threading.Event()

    def append(self, verdict):
        super().append(verdict)
        self.first.set()


def make_check(checkers=10, **kw):
    verdicts = Verdicts()
    rec = Recorder()
    args = {"interval_s": 0.05, "failure_threshold": 3, "checkers": checkers,
            "healthy_fraction": 0.18, "timeout_s": 0.2, "rng": np.random.default_rng(0),
            "recorder": rec, "on_verdict": verdicts.append}
    args.update(kw)
    return HealthCheck(HOST, 1, "/health", **args), verdicts, rec


def test_the_endpoint_is_healthy_while_more_than_18_percent_of_checkers_say_so():
    hc, verdicts, _ = make_check(checkers=10)
    for i in range(8):
        hc._set(i, False)
    assert verdicts == [] and hc.endpoint_healthy  # 2 of 10 = 20 % > 18 %
    hc._set(8, False)
    assert verdicts == [False]  # 1 of 10 = 10 %
    hc._set(8, True)
    assert verdicts == [False, True]


class _Status503(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_checkers_fail_a_refused_an_erroring_and_a_hung_endpoint():
    refused = free_port(HOST)
    assert check_once(HOST, refused, "/health", 0.2) == "refused"
    hung = socket.create_server((HOST, 0))  # listens, never accepts: the check must time out
    t0 = time.monotonic()
    assert check_once(HOST, hung.getsockname()[1], "/health", 0.2) == "timeout"
    assert time.monotonic() - t0 >= 0.2
    hung.close()
    srv = http.server.ThreadingHTTPServer((HOST, 0), _Status503)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        assert check_once(HOST, srv.server_address[1], "/health", 1.0) == "HTTP 503"
        hc, verdicts, rec = make_check(checkers=3)
        hc.port = srv.server_address[1]
        hc.start()
        verdicts.first.wait(20)
        hc.stop()
    finally:
        srv.shutdown()
        srv.server_close()
    assert verdicts[0] is False
    rec.fault_mono = 0.0
    tl = to_frame(rec.events("t"))
    for i in range(3):
        name = f"checker-{i}"
        flipped = tl[(tl["event"] == "checker_unhealthy") & (tl["component"] == name)]["t_s"].min()
        failed = tl[(tl["event"] == "check_failed") & (tl["component"] == name)
                    & (tl["t_s"] <= flipped)]
        assert len(failed) >= 3


def test_the_orchestrator_runs_the_dag_in_parallel_with_real_retries():
    runbook = [
        {"name": "promote_database", "duration_s": 0.1, "max_attempts": 2,
         "retry_interval_s": 0.01},
        {"name": "scale_standby", "duration_s": 0.1},
        {"name": "warm_caches", "after": ["scale_standby"], "duration_s": 0.05},
        {"name": "switch_traffic", "after": ["promote_database", "warm_caches"],
         "duration_s": 0},
    ]
    scenario = load_scenario(SCENARIOS / "local-lab.yaml", {"runbook": runbook})
    calls = []
    promote_attempts = []
    scaling = threading.Event()

    def promote():
        promote_attempts.append(time.monotonic())
        # The first attempt lasts until scale_standby has started: run one after the
        # other, the two steps would never get there (and the wait would give up).
        if len(promote_attempts) == 1:
            scaling.wait(20)
            raise RuntimeError("pg_promote timed out")
        time.sleep(0.1)

    def scale():
        calls.append("scale")
        scaling.set()

    rec = Recorder()
    orch = Orchestrator(scenario, {"promote_database": promote,
                                   "scale_standby": scale,
                                   "switch_traffic": lambda: calls.append("switch")},
                        rec, np.random.default_rng(0))
    rec.fault_mono = time.monotonic()
    orch.trigger()
    orch.trigger()  # a second verdict does not start a second failover
    assert orch.done.wait(20)
    orch.stop()
    tl = to_frame(rec.events("t"))
    at = lambda ev, comp: tl[(tl["event"] == ev) & (tl["component"] == comp)]["t_s"].tolist()
    assert len(tl[tl["event"] == "failover_decided"]) == 1
    assert len(at("step_failed", "promote_database")) == 1
    assert len(at("step_started", "promote_database")) == 2
    # scale_standby runs beside promote_database; warm_caches (action other) waits for
    # scale_standby and takes its scenario duration; switch_traffic waits for both.
    assert at("step_started", "scale_standby")[0] < at("step_finished", "promote_database")[0]
    assert at("step_started", "warm_caches")[0] >= at("step_finished", "scale_standby")[0]
    assert at("step_finished", "warm_caches")[0] - at("step_started", "warm_caches")[0] >= 0.05
    assert at("step_started", "switch_traffic")[0] >= max(
        at("step_finished", "promote_database")[0], at("step_finished", "warm_caches")[0])
    assert calls == ["scale", "switch"] and orch.failed == []


def test_a_step_that_never_succeeds_fails_the_runbook_and_its_dependents_do_not_run():
    scenario = load_scenario(SCENARIOS / "local-lab.yaml")

    def broken():
        raise RuntimeError("standby unreachable")

    rec = Recorder()
    switched = []
    orch = Orchestrator(scenario, {"promote_database": broken, "scale_standby": lambda: None,
                                   "switch_traffic": lambda: switched.append(1)},
                        rec, np.random.default_rng(0))
    rec.fault_mono = time.monotonic()
    orch.trigger()
    assert orch.done.wait(20)
    assert orch.failed == ["promote_database"] and switched == []
    events = [e.event for e in rec.events("t")]
    assert "step_failed" in events and events.count("step_finished") == 1  # scale_standby only


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt here, as in a terminal (a background job ignores it)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_a_signal_during_a_held_step_arrives_when_the_step_ends(ctrl_c_raises):
    done = []
    with pytest.raises(KeyboardInterrupt), signals.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        done.append("the rest of the step")  # the interrupt does not cut it
    assert done == ["the rest of the step"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_unwinds_like_ctrl_c_and_the_handler_is_put_back(ctrl_c_raises):
    before = signal.getsignal(signal.SIGTERM)
    with (pytest.raises(KeyboardInterrupt, match="SIGTERM"), signals.terminate_as_interrupt(),
          signals.deferred()):
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before


def test_each_process_registers_its_own_stop_and_nothing_starts_after_close():
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    stopped = []
    with ExitStack() as stack:
        procs = Processes(stack)
        stop = procs.stop
        procs.stop = lambda child, **kw: (stopped.append(child.name), stop(child, **kw))
        first, second = procs.spawn("first", sleeper), procs.spawn("second", sleeper)
        procs.close()
        with pytest.raises(DrsimError, match="torn down"):
            procs.spawn("third", sleeper)
    assert stopped == ["second", "first"]  # newest first
    assert [c.name for c in procs.children] == ["first", "second"]
    assert not pid_alive(first.pid) and not pid_alive(second.pid)
