"""Processes the game day starts, tracked by PID, and free loopback ports.

Every child is started in its own session, so its PID is also its process-group
id: stopping a child signals that group (a PostgreSQL postmaster and its
backends, a worker and nothing else) and never anything found by name.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from drsim.errors import DrsimError
from drsim.gameday.local import signals


@dataclass
class Child:
    """One started process. ``pid`` is also its process-group id."""

    name: str
    popen: subprocess.Popen
    started_mono: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def exited(self) -> bool:
        """True once the leader has exited, without reaping it: while it is an unreaped
        zombie its PID, and so its process-group id, cannot be given to anyone else."""
        if self.popen.returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            return True
        return info is not None

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to this child's process group (only ours: we made the session).

        Never after the leader was reaped: its group id could then belong to a stranger.
        """
        if self.popen.returncode is not None:
            return
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def read_line(self, timeout_s: float) -> str:
        """The next line the child prints on its stdout pipe, or ``""`` after ``timeout_s``. [s]"""
        out = self.popen.stdout
        if out is None:
            return ""
        ready, _, _ = select.select([out], [], [], timeout_s)
        return out.readline().decode(errors="replace").strip() if ready else ""


class Processes:
    """The set of processes one game day started, tracked by PID.

    exit_stack : when given, each child registers its own stop there the moment it
        starts, so the stack that owns the ExitStack stops it in reverse order of
        starting, among its other parts. Without one, :meth:`stop_all` ends them all.

    Starting a process and noting it is one step no signal can cut in two, and
    after :meth:`close` nothing new starts (a thread that would start a worker
    during teardown gets a :class:`DrsimError` instead).
    """

    def __init__(self, exit_stack: ExitStack | None = None):
        self.children: list[Child] = []
        """Every child ever started, stopped or not, oldest first."""
        self._exit_stack = exit_stack
        self._lock = threading.Lock()
        self._closed = False

    def spawn(self, name: str, argv: list[str], *, user: str | None = None, log_path=None,
              stdout_pipe: bool = False, stdin_pipe: bool = False, env=None, cwd=None) -> Child:
        """Start ``argv`` in a new session (optionally as OS ``user``) and track it."""
        with self._lock, signals.deferred():
            if self._closed:
                raise DrsimError(f"not starting {name}: the stack is being torn down")
            log = open(log_path, "ab") if log_path else subprocess.DEVNULL
            try:
                popen = subprocess.Popen(
                    argv, stdout=subprocess.PIPE if stdout_pipe else log, stderr=log,
                    stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                    start_new_session=True, user=user, env=env, cwd=cwd, close_fds=True,
                )
            except OSError as err:
                raise DrsimError(f"cannot start {name} ({argv[0]}): {err.strerror}") from None
            finally:
                if log_path:
                    log.close()
            child = Child(name, popen)
            self.children.append(child)
            if self._exit_stack is not None:
                self._exit_stack.callback(self._stop_at_exit, child)
        return child

    def close(self) -> None:
        """Refuse to start anything from now on; waits for a start under way to be noted."""
        with self._lock:
            self._closed = True

    def _stop_at_exit(self, child: Child) -> None:
        self.stop(child, grace_s=0.5 if child.alive() else 0.0)

    def kill(self, child: Child, wait_s: float = 5.0) -> None:
        """SIGKILL ``child``'s group and reap it (a stopped process dies too)."""
        child.signal_group(signal.SIGKILL)
        try:
            child.popen.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:  # pragma: no cover - the kernel always delivers SIGKILL
            pass

    def stop(self, child: Child, sig: int = signal.SIGTERM, grace_s: float = 3.0) -> None:
        """Ask ``child`` to stop with ``sig``; SIGKILL its group after ``grace_s``. [s]

        Stopping a child that has already been stopped does nothing more.
        """
        if not child.exited():
            child.signal_group(signal.SIGCONT)  # a SIGSTOPped child cannot act on SIGTERM
            child.signal_group(sig)
            deadline = time.monotonic() + grace_s
            while not child.exited() and time.monotonic() < deadline:
                time.sleep(0.01)
        # SIGKILL the whole group before reaping the leader, so that whatever else is in
        # it (a server's backends, initdb's helpers) goes too.
        self.kill(child)
        for stream in (child.popen.stdout, child.popen.stdin):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def stop_all(self) -> None:
        """Stop every tracked child, newest first, and start nothing more."""
        self.close()
        for child in reversed(self.children):
            self._stop_at_exit(child)
        self.children.clear()


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port that is free on ``host`` right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_port_on_all(hosts: list[str], attempts: int = 50) -> int:
    """One TCP port number free on every address in ``hosts`` (e.g. both regions' addresses)."""
    for _ in range(attempts):
        port = free_port(hosts[0])
        ok = True
        for host in hosts[1:]:
            with socket.socket() as s:
                try:
                    s.bind((host, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise DrsimError(f"no TCP port is free on all of {', '.join(hosts)}")  # pragma: no cover


def wait_for_port(host: str, port: int, timeout_s: float) -> bool:
    """True once something accepts TCP connections on ``host:port`` within ``timeout_s``. [s]"""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def listening_ports(udp: bool = False) -> set[int]:
    """TCP ports in LISTEN state (or bound UDP ports) on this machine, from /proc/net."""
    ports = set()
    for path in (("/proc/net/udp", "/proc/net/udp6") if udp else ("/proc/net/tcp", "/proc/net/tcp6")):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if udp or cols[3] == "0A":  # TCP_LISTEN
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def pid_alive(pid: int) -> bool:
    """True if ``pid`` is a live process (a zombie awaiting its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def processes_mentioning(text: str) -> list[int]:
    """PIDs of live processes whose command line contains ``text`` (e.g. a run directory)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found
