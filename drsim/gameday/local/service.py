"""A region's HTTP service: worker processes sharing one port, backed by the region's database.

Each worker is its own process (``python -m drsim.gameday.local.service``)
binding the region's address with ``SO_REUSEPORT``, so the kernel spreads
connections over the workers like a load balancer over tasks, and killing
one worker leaves the others serving. Endpoints:

``GET /health``
    200 while the worker is up (and, with ``--checks-database``, its database
    answers); 503 otherwise.
``POST /write`` (body ``CLIENT SEQ``)
    inserts the row ``(client, seq)`` and answers 200 only after the commit:
    a 200 is an acknowledged write. A read-only standby answers 503.
``GET /read?client=N``
    the client's highest sequence number in this region's database.

Every answer names the region in the ``X-Region`` header. SIGUSR1 starts a
brownout: each request then fails (503) with probability
``--brownout-failure-fraction`` while the process lives on.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _State:
    brownout = False


def _db(server) -> object:
    local = server.local
    conn = getattr(local, "conn", None)
    if conn is None or conn.closed:
        import psycopg

        conn = psycopg.connect(server.dsn, autocommit=True, connect_timeout=2)
        local.conn = conn
    return conn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: every request re-resolves DNS

    def log_message(self, *args):  # quiet: the load generator journals every request
        pass

    def _send(self, status: int, body: str = ""):
        data = body.encode()
        self.send_response(status)
        self.send_header("X-Region", self.server.region)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _browned_out(self) -> bool:
        return _State.brownout and random.random() < self.server.brownout_failure_fraction

    def _query(self, sql, params=()):
        try:
            return _db(self.server).execute(sql, params).fetchone()
        except Exception:
            conn = getattr(self.server.local, "conn", None)
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
                self.server.local.conn = None
            raise

    def do_GET(self):
        url = urlsplit(self.path)
        if self._browned_out():
            return self._send(503, "brownout")
        if url.path == "/health":
            if self.server.checks_database:
                try:
                    self._query("select 1")
                except Exception as err:
                    return self._send(503, f"database: {type(err).__name__}")
            return self._send(200, "ok")
        if url.path == "/read":
            try:
                client = int(parse_qs(url.query)["client"][0])
                row = self._query("select coalesce(max(seq), -1) from writes where client = %s",
                                  (client,))
            except (KeyError, ValueError):
                return self._send(400, "client?")
            except Exception as err:
                return self._send(503, type(err).__name__)
            return self._send(200, str(row[0]))
        return self._send(404, "")

    def do_POST(self):
        if urlsplit(self.path).path != "/write":
            return self._send(404, "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self._browned_out():
            return self._send(503, "brownout")
        try:
            client, seq = (int(x) for x in body.split())
        except ValueError:
            return self._send(400, "expected 'CLIENT SEQ'")
        try:
            self._query("insert into writes (client, seq, region) values (%s, %s, %s) "
                        "returning 1", (client, seq, self.server.region))
        except Exception as err:
            return self._send(503, type(err).__name__)
        self._send(200, "ack")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):
        # Several worker processes share the region's port, as tasks behind a load balancer.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def _watch_parent(parent: int) -> None:
    """Exit when the process that started us is gone, so a killed driver leaves no worker."""
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dsn", required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--checks-database", action="store_true")
    p.add_argument("--brownout-failure-fraction", type=float, default=0.5)
    p.add_argument("--parent", type=int, default=os.getppid())
    p.add_argument("--run-dir", default="", help="the game day this worker belongs to")
    args = p.parse_args(argv)

    server = Server((args.host, args.port), Handler)
    server.dsn = args.dsn
    server.region = args.region
    server.checks_database = args.checks_database
    server.brownout_failure_fraction = args.brownout_failure_fraction
    server.local = threading.local()

    def brownout(signum, frame):
        _State.brownout = True

    signal.signal(signal.SIGUSR1, brownout)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    # Ready once the database answers: a task is healthy in its target group only then.
    deadline = time.monotonic() + 10
    while True:
        try:
            _db(server).execute("select 1")
            break
        except Exception:
            if time.monotonic() > deadline:
                break  # serve anyway; /health says what is wrong
            time.sleep(0.05)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())


# --- driver side -------------------------------------------------------------------------


class Region:
    """The driver's handle on one region's service: its address, port and worker processes.

    host, port : where the region's workers listen (A's clients come through the front door).
    dsn : the region's own database.
    """

    def __init__(self, procs, name: str, host: str, port: int, dsn: str, log_dir,
                 checks_database: bool, brownout_failure_fraction: float):
        self.procs = procs
        self.name = name
        self.host = host
        self.port = port
        self.dsn = dsn
        self.log_dir = log_dir
        self.checks_database = checks_database
        self.brownout_failure_fraction = brownout_failure_fraction
        self.workers = []
        self._lock = threading.Lock()

    def launch_workers(self, n: int) -> list:
        """Start ``n`` more workers; do not wait for them (see :meth:`wait_ready`)."""
        started = []
        for _ in range(n):
            with self._lock:
                index = len(self.workers)
                argv = [sys.executable, "-m", "drsim.gameday.local.service", "--host", self.host,
                        "--port", str(self.port), "--dsn", self.dsn, "--region", self.name,
                        "--brownout-failure-fraction", repr(self.brownout_failure_fraction),
                        "--parent", str(os.getpid()), "--run-dir", str(self.log_dir)]
                if self.checks_database:
                    argv.append("--checks-database")
                child = self.procs.spawn(f"service-{self.name}-{index}", argv, stdout_pipe=True,
                                         log_path=self.log_dir / f"service-{self.name}-{index}.log")
                self.workers.append(child)
            started.append(child)
        return started

    def wait_ready(self, workers: list, timeout_s: float = 20.0, on_ready=None) -> None:
        """Return when each of ``workers`` says it is ready (listening, database answering).

        on_ready : called with each worker as it becomes ready (``task_healthy``).
        """
        from drsim.errors import DrsimError

        deadline = time.monotonic() + timeout_s
        for child in workers:
            line = child.read_line(max(0.0, deadline - time.monotonic()))
            if line != "ready":
                raise DrsimError(f"worker {child.name} did not start within {timeout_s:g} s "
                                 f"(see {child.name}.log)")
            if on_ready:
                on_ready(child)

    def start_workers(self, n: int, timeout_s: float = 20.0, on_ready=None) -> list:
        """Start ``n`` workers at once and wait until each is ready."""
        started = self.launch_workers(n)
        self.wait_ready(started, timeout_s, on_ready)
        return started

    def live_workers(self) -> list:
        return [w for w in self.workers if w.alive()]

    def signal_workers(self, sig: int) -> list[int]:
        """Send ``sig`` to every live worker; returns their PIDs."""
        pids = []
        for w in self.live_workers():
            w.signal_group(sig)
            pids.append(w.pid)
        return pids
