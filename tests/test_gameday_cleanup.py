"""The local game day always tears down: after an error, Ctrl-C or SIGTERM, nothing it
started is left running, listening or on disk; bad input exits 2 with one message."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from drsim.cli import main
from drsim.errors import DrsimError
from drsim.gameday.gamedays import local_gamedays
from drsim.gameday.local import dns as dns_mod
from drsim.gameday.local import injection, postgres, procs, stack
from drsim.gameday.local.procs import listening_ports, pid_alive, processes_mentioning
from drsim.scenario import load_scenario

from .conftest import PYTHON_WITH_DEFAULT_SIGINT, ROOT, SCENARIOS


@pytest.fixture
def held(monkeypatch):
    """Record every process, port and directory a run takes, whatever happens to it."""
    got = {"pids": [], "tcp": [], "udp": [], "dirs": []}
    spawn = procs.Processes.spawn

    def spawn_and_note(self, *a, **kw):
        child = spawn(self, *a, **kw)
        got["pids"].append(child.pid)
        return child

    def note_port(fn):
        def wrapper(*a, **kw):
            port = fn(*a, **kw)
            got["tcp"].append(port)
            return port
        return wrapper

    mkdtemp = tempfile.mkdtemp

    def mkdtemp_and_note(*a, **kw):
        path = mkdtemp(*a, **kw)
        got["dirs"].append(path)
        return path

    start = dns_mod.DnsServer.start

    def start_and_note(self):
        got["udp"].append(self.port)
        start(self)

    monkeypatch.setattr(procs.Processes, "spawn", spawn_and_note)
    monkeypatch.setattr(stack, "free_port", note_port(stack.free_port))
    monkeypatch.setattr(stack, "free_port_on_all", note_port(stack.free_port_on_all))
    monkeypatch.setattr(postgres, "free_port", note_port(postgres.free_port))
    monkeypatch.setattr(stack.tempfile, "mkdtemp", mkdtemp_and_note)
    monkeypatch.setattr(dns_mod.DnsServer, "start", start_and_note)
    return got


def assert_released(got):
    assert got["pids"] and got["dirs"]
    assert not [p for p in got["pids"] if pid_alive(p)], "processes left running"
    assert not set(got["tcp"]) & listening_ports(), "TCP ports left listening"
    assert not set(got["udp"]) & listening_ports(udp=True), "UDP ports left bound"
    assert not [d for d in got["dirs"] if os.path.exists(d)], "temporary directories left"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("failure", [DrsimError("the fault injector broke"), KeyboardInterrupt()])
def test_an_error_or_ctrl_c_mid_run_tears_everything_down(held, monkeypatch, failure):
    def broken_inject(kind, targets):
        raise failure

    monkeypatch.setattr(injection, "inject", broken_inject)
    scenario = load_scenario(SCENARIOS / "local-lab.yaml")
    with pytest.raises(type(failure)):
        local_gamedays(scenario, runs=1)
    assert len(held["pids"]) >= 7  # the whole stack was up when it failed
    assert_released(held)




class StderrLines:
    """Reads a child's stderr in a thread: lines as they come, and the moment one says ``text``."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._seen: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            with self._lock:
                self.lines.append(line)
                for text, seen in self._seen.items():
                    if text in line:
                        seen.set()
        with self._lock:  # the stream ended: nobody waits any longer
            for seen in self._seen.values():
                seen.set()

    def wait_for(self, text: str, timeout_s: float) -> bool:
        """True once a line containing ``text`` has come (False if the stream ended first). [s]"""
        with self._lock:
            seen = self._seen.setdefault(text, threading.Event())
            if any(text in line for line in self.lines) or not self._thread.is_alive():
                seen.set()
        seen.wait(timeout_s)
        with self._lock:
            return any(text in line for line in self.lines)

    def text(self) -> str:
        self._thread.join(timeout=60)
        return "".join(self.lines)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("sig, when", [
    # Ctrl-C while the failover runs
    pytest.param(signal.SIGINT, "injected", id="SIGINT-injected"),
    # a supervisor stopping us during warm-up
    pytest.param(signal.SIGTERM, "stack up", id="SIGTERM-warmup"),
    # Ctrl-C during start-up (initdb, servers)
    pytest.param(signal.SIGINT, "starting the stack", id="SIGINT-startup"),
    # Ctrl-C while Python still imports numpy and pandas (-X importtime prints a line
    # as each module is done: numpy is, pandas is still being imported).
    pytest.param(signal.SIGINT, " numpy\n", id="SIGINT-importing"),
])
def test_a_signal_to_the_command_tears_everything_down(sig, when):
    # The run directory is made under a TMPDIR of our own, so any process still naming
    # it afterwards (postgres -D DIR, workers, proxy, load generator) is a leak.
    tmp = tempfile.mkdtemp(prefix="drsim-test-cleanup-")
    os.chmod(tmp, 0o755)
    flags = ["-X", "importtime"] if "numpy" in when else []
    try:
        proc = subprocess.Popen(
            [*PYTHON_WITH_DEFAULT_SIGINT, *flags, "-m", "drsim", "gameday", "local",
             "--no-simulate", "--seed", "1"],
            cwd=ROOT, env={**os.environ, "TMPDIR": tmp}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            # The signal goes once the run says it has reached that point, however
            # long a busy machine takes to get there.
            stderr = StderrLines(proc.stderr)
            assert stderr.wait_for(when, timeout_s=300), stderr.text()
            proc.send_signal(sig)
            proc.wait(timeout=60)
            err = stderr.text()
            proc.stdout.close()
        finally:
            if proc.poll() is None:  # pragma: no cover - only if teardown hung
                proc.kill()
                proc.wait()
        assert proc.returncode == 130, err
        assert "interrupted" in err
        assert "Traceback" not in err
        # Orphans of a SIGKILLed group are reaped by init, soon but not at once.
        deadline = time.monotonic() + 30
        while processes_mentioning(tmp) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_mentioning(tmp) == []
        assert os.listdir(tmp) == []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_without_postgresql_the_command_says_how_to_install_and_exits_2(monkeypatch, capsys,
                                                                        tmp_path):
    monkeypatch.setattr(postgres, "PG_BIN", tmp_path / "no-postgres")
    assert main(["gameday", "local", "--no-simulate"]) == 2
    err = capsys.readouterr().err
    assert "apt-get install -y postgresql" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["--scenario", str(SCENARIOS / "seed-warm-standby.yaml")], "platform: aws"),
    (["--set", "dns.ttl_s=2.5"], "dns.ttl_s: 2.5 is not a whole number of seconds"),
    (["--runs", "0"], "runs: 0"),
    # local-lab has alarm.source: none, so an alarm trigger is refused when it is validated
    (["--set", "decision.trigger=alarm"], "alarm.source: 'none' is an alarm no fault can change"),
    (["--set", "alarm.source=health_url", "--set", "decision.trigger=alarm"],
     "no CloudWatch alarm"),
    (["--link-latency-ms", "-1"], "--link-latency-ms"),
])
def test_bad_input_exits_2_with_one_message(capsys, args, message):
    assert main(["gameday", "local", "--no-simulate", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
