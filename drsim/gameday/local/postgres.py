"""PostgreSQL 15 for the local game day: a primary in region A, a streaming hot standby in B.

The servers run as the ``postgres`` OS user when drsim runs as root (``initdb``
refuses root). Each postmaster is a tracked child started directly (no
``pg_ctl``), so its PID and process group are known and a fault can SIGKILL
exactly that database.
"""

from __future__ import annotations

import math
import os
import pwd
import shutil
import signal
import subprocess
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.local.procs import Child, Processes, free_port, wait_for_port

PG_BIN = Path(os.environ.get("DRSIM_PG_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL_HINT = ("PostgreSQL 15 server binaries are not installed (looked for initdb, postgres and "
                f"pg_basebackup in {PG_BIN}); install them with `apt-get install -y postgresql` "
                "(Debian/Ubuntu, as root) or run scripts/install-system-deps.sh, or point "
                "DRSIM_PG_BIN at another PostgreSQL 15 bin directory")
HOST = "127.0.0.1"
TABLE_SQL = ("create table writes (client int not null, seq int not null, region text not null, "
             "primary key (client, seq))")


def check_binaries() -> None:
    """Raise a :class:`DrsimError` saying how to install PostgreSQL when it is missing."""
    for name in ("initdb", "postgres", "pg_basebackup"):
        if not os.access(PG_BIN / name, os.X_OK):
            raise DrsimError(INSTALL_HINT)


def _server_user() -> str | None:
    """The OS user to run the server tools as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise DrsimError("running as root, but there is no 'postgres' OS user to run PostgreSQL "
                         "as (initdb refuses root); install the postgresql package, which "
                         "creates it") from None
    return "postgres"


def _run(procs: Processes, argv: list[str], user: str | None, what: str, log_path: Path,
         timeout_s: float = 60) -> None:
    """Run a server tool as a tracked child (its own process group, so an interrupt
    stops its helpers too) and wait for it."""
    child = procs.spawn(what, argv, user=user, log_path=log_path)
    try:
        code = child.popen.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise DrsimError(f"{what} did not finish within {timeout_s:g} s") from None
    if code != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
        raise DrsimError(f"{what} failed (exit {code}): {' / '.join(tail)}")


@dataclass
class PgServer:
    """One running postmaster. ``dsn`` connects over TCP on loopback."""

    name: str
    data_dir: Path
    port: int
    child: Child

    @property
    def dsn(self) -> str:
        return f"host={HOST} port={self.port} user=postgres dbname=postgres connect_timeout=2"


def _make_dir(path: Path, user: str | None) -> None:
    path.mkdir(mode=0o700)
    if user:
        shutil.chown(path, user, user)


def _start(procs: Processes, name: str, data_dir: Path, port: int, user, log_dir: Path) -> PgServer:
    child = procs.spawn(f"postgres-{name}", [str(PG_BIN / "postgres"), "-D", str(data_dir),
                                              "-p", str(port)],
                        user=user, log_path=log_dir / f"postgres-{name}.log")
    server = PgServer(name, data_dir, port, child)
    if not wait_for_port(HOST, port, timeout_s=20) or not _wait_accepting(server, timeout_s=20):
        raise DrsimError(f"PostgreSQL {name} did not start on port {port}; see its log")
    return server


def _wait_accepting(server: PgServer, timeout_s: float) -> bool:
    """True once the server accepts a session (a listening port can still say 'starting up')."""
    import psycopg

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not server.child.alive():
            return False
        try:
            with connect(server.dsn):
                return True
        except psycopg.OperationalError:
            time.sleep(0.02)
    return False


def start_primary(procs: Processes, run_dir: Path, log_dir: Path) -> PgServer:
    """``initdb`` a fresh cluster in ``run_dir``, configure it for replication and start it."""
    user = _server_user()
    data = run_dir / "pg-a"
    _make_dir(data, user)
    _run(procs, [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-N",
                 "-E", "UTF8", "--locale=C"], user, "initdb", log_dir / "initdb.log")
    port = free_port(HOST)
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            f"listen_addresses = '{HOST}'\n"
            f"unix_socket_directories = '{data}'\n"  # not /var/run: ours alone
            "wal_level = replica\n"
            "max_wal_senders = 4\n"
            "wal_log_hints = on\n"
            "wal_keep_size = '256MB'\n"
            "hot_standby = on\n"
            # Streaming replication is asynchronous (the local lab's datastore kind):
            # a commit is acknowledged before the standby has it.
            "synchronous_commit = on\n"
            "wal_sender_timeout = '5s'\n"
            "wal_receiver_timeout = '5s'\n"
            "wal_retrieve_retry_interval = '200ms'\n"
            "shared_buffers = '32MB'\n"
            "max_connections = 60\n"
            "logging_collector = off\n"
        )
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write(f"host replication postgres {HOST}/32 trust\n")
    return _start(procs, "a", data, port, user, log_dir)


def start_standby(procs: Processes, primary: PgServer, run_dir: Path, log_dir: Path,
                  via_port: int) -> PgServer:
    """Base-backup ``primary`` and start a hot standby that streams from ``HOST:via_port``.

    ``via_port`` is the link proxy between the regions, so replication pays its
    latency and a partition cuts it.
    """
    user = _server_user()
    data = run_dir / "pg-b"
    _make_dir(data, user)
    _run(procs, [str(PG_BIN / "pg_basebackup"), "-h", HOST, "-p", str(primary.port), "-U", "postgres",
          "-D", str(data), "-R", "-X", "stream", "-c", "fast",
          # No fsync of the copy: only an OS crash could lose it, and no fault here is one.
          "--no-sync"], user, "pg_basebackup", log_dir / "pg_basebackup.log")
    port = free_port(HOST)
    with open(data / "postgresql.auto.conf", "a") as conf:
        # -R wrote the primary's own port; stream through the link proxy instead.
        conf.write(f"primary_conninfo = 'host={HOST} port={via_port} user=postgres "
                   "application_name=region_b connect_timeout=2'\n"
                   f"unix_socket_directories = '{data}'\n")
    return _start(procs, "b", data, port, user, log_dir)


def connect(dsn: str, **kw):
    """A psycopg connection in autocommit mode."""
    import psycopg

    return psycopg.connect(dsn, autocommit=True, **kw)


def create_schema(primary: PgServer) -> None:
    """The table the load generator writes (one row per acknowledged write)."""
    with connect(primary.dsn) as conn:
        conn.execute(TABLE_SQL)


def wait_streaming(primary: PgServer, timeout_s: float = 20) -> None:
    """Wait until the standby streams from the primary (through the link)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with connect(primary.dsn) as conn:
            row = conn.execute("select count(*) from pg_stat_replication "
                               "where state = 'streaming'").fetchone()
        if row and row[0] > 0:
            return
        time.sleep(0.05)
    raise DrsimError(f"the standby did not start streaming within {timeout_s:g} s")


def replication_lag_s(conn) -> float | None:
    """The standby's replay lag as the primary last measured it (None when idle). [s]"""
    row = conn.execute("select extract(epoch from replay_lag) from pg_stat_replication "
                       "where application_name = 'region_b'").fetchone()
    return float(row[0]) if row and row[0] is not None else None


def promote(server: PgServer, wait_s: int = 30) -> tuple[float, float]:
    """Promote a standby with ``pg_promote`` and wait until it accepts writes.

    Returns ``(still_read_only, writable)``: monotonic moments between which the
    server began to take writes. ``pg_promote(wait => true)`` checks every 100 ms,
    so its answer can come well after a client's write has landed; a second session
    asks ``pg_is_in_recovery()`` every ``RECOVERY_POLL_S`` meanwhile, and the send
    moment of its last "still in recovery" answer is a moment before which the
    server took no write (a session writes only once recovery has ended). [s]
    """
    with connect(server.dsn) as watch_conn, connect(server.dsn) as conn:
        watch = _RecoveryWatch(watch_conn)
        watch.poll_once()  # before pg_promote: the lower bound is never earlier than the step
        watch.start()
        done = None
        try:
            done = conn.execute("select pg_promote(wait => true, wait_seconds => %s)",
                                (wait_s,)).fetchone()
        finally:
            # Promoted: the watcher's next question finds it writable. Not: stop asking.
            watch.join(timeout=5.0 if done and done[0] else 0.0)
            watch.stopped.set()
            watch.join()
        if not done or not done[0]:
            raise DrsimError(f"pg_promote on {server.name} did not finish within {wait_s} s")
    return watch.last_in_recovery, watch.first_writable


RECOVERY_POLL_S = 0.002
"""How often the promotion's watcher asks whether recovery has ended. [s]"""


class _RecoveryWatch(threading.Thread):
    """Asks ``pg_is_in_recovery()`` until it answers false (see :func:`promote`)."""

    def __init__(self, conn):
        super().__init__(name="promote-watch", daemon=True)
        self.conn = conn
        self.stopped = threading.Event()
        self.last_in_recovery = math.nan
        self.first_writable = math.nan

    def poll_once(self) -> bool:
        """One question; True while the server is still in recovery."""
        t_sent = time.monotonic()
        if self.conn.execute("select pg_is_in_recovery()").fetchone()[0]:
            self.last_in_recovery = t_sent
            return True
        self.first_writable = time.monotonic()
        return False

    def run(self) -> None:
        with suppress(Exception):  # the promotion's own session reports what went wrong
            while not self.stopped.is_set() and self.poll_once():
                self.stopped.wait(RECOVERY_POLL_S)


def fence(server: PgServer, grace_s: float = 10.0) -> tuple[float, bool]:
    """Fence the server: a fast shutdown (SIGINT to its postmaster, by its tracked PID: what
    ``pg_ctl stop -m fast`` sends), which ends every session, rolls back what they had in
    flight and refuses new ones; SIGKILL of its process group if it has not exited after
    ``grace_s``. [s]

    Returns ``(t_fenced, was_running)``: the monotonic moment the postmaster had exited,
    after which the server can acknowledge nothing (the postmaster exits only once every
    backend has), and whether it was still running when asked.
    """
    child = server.child
    if child.exited():
        return time.monotonic(), False
    child.popen.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace_s
    while not child.exited():
        if time.monotonic() > deadline:
            child.signal_group(signal.SIGKILL)
            deadline = math.inf  # the kernel ends them; wait for that
        time.sleep(FENCE_POLL_S)
    return time.monotonic(), True


FENCE_POLL_S = 0.002
"""How often the fence looks whether the old primary's postmaster has exited. [s]"""


def is_writable(server: PgServer) -> bool:
    try:
        with connect(server.dsn) as conn:
            return not conn.execute("select pg_is_in_recovery()").fetchone()[0]
    except Exception:
        return False


def written_keys(server: PgServer) -> set[tuple[int, int]]:
    """Every ``(client, seq)`` the database holds."""
    with connect(server.dsn) as conn:
        return {(c, s) for c, s in conn.execute("select client, seq from writes")}


def stop(procs: Processes, server: PgServer) -> None:
    """Immediate shutdown (SIGQUIT), then SIGKILL of the server's process group."""
    procs.stop(server.child, sig=signal.SIGQUIT, grace_s=3.0)
