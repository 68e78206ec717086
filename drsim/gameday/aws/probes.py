"""The probe fleet: clients on this machine that write through the service's DNS name.

Each client is a thread that, every ``interval_s``, resolves the service name
through this machine's own resolver (``getaddrinfo``: the path, caches and TTLs a
user's machine has) and sends ``POST /probe`` with ``{"client": "C", "seq": N}`` to
the address it got (``Host`` is the name, as a browser sends it). infra/'s probe
endpoint answers 201 once the write is committed, with the serving region in its
JSON body. One more client, the probe (client ``-1``, as the local game day's), makes
one attempt per ``interval_s`` on a fixed schedule: what a canary measures.

Journals are the local game day's (:mod:`drsim.gameday.local.loadgen`,
:mod:`drsim.gameday.local.probe`) with Unix epoch seconds (UTC), as
:mod:`drsim.gameday.aws.raw` reads them: ``probe/journal.csv``, ``probe/acked.csv``,
``probe/probe.csv``, one whole line per ``os.write``. :func:`dump_present` writes
``database/present.csv`` from the promoted database, read back through the same name.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Self

import numpy as np

from drsim.gameday.local.loadgen import ACKED_HEADER, JOURNAL_HEADER, Journal
from drsim.gameday.local.probe import PROBE_CLIENT, PROBE_HEADER

ACKED = (200, 201)
"""Statuses of a committed write (201 created; 200 from an endpoint that says so)."""


def probe_call(name: str, port: int, protocol: str, method: str, path: str, *,
               body: dict | None = None, timeout_s: float) -> tuple:
    """One request to the service by name: ``(address, status, region, error, payload)``.

    The name is resolved afresh through the system resolver; the status is 0 and
    ``error`` the exception's name when no answer came.
    """
    address, status, region, error, payload = "", 0, "", "", None
    try:
        address = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)[0][4][0]
        if protocol.upper() == "HTTPS":
            conn = http.client.HTTPSConnection(address, port, timeout=timeout_s,
                                               context=_sni_context(name))
        else:
            conn = http.client.HTTPConnection(address, port, timeout=timeout_s)
        try:
            data = None if body is None else json.dumps(body)
            conn.request(method, path, body=data, headers={
                "Host": name, "Content-Type": "application/json"})
            resp = conn.getresponse()
            raw = resp.read()
            status, region = resp.status, resp.getheader("X-Region", "")
        finally:
            conn.close()
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("region"):
            region = str(payload["region"])
    except (OSError, http.client.HTTPException) as err:
        error = type(err).__name__
    return address, status, region, error, payload


def _sni_context(name: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False  # connecting to an address; the certificate names the service
    return ctx


class ProbeFleet:
    """``clients`` writers and one probe, writing through ``name``:``port``.

    interval_s : time between two writes of one client, and between probe attempts. [s]
    timeout_s : how long one request may take. [s]
    seed : seeds the clients' start offsets (spread over one interval).
    """

    def __init__(self, run_dir: str | Path, *, name: str, port: int, protocol: str = "HTTP",
                 clients: int = 20, interval_s: float = 5.0, timeout_s: float = 5.0,
                 seed: int = 0):
        self.dir = Path(run_dir) / "probe"
        self.name, self.port, self.protocol = name, int(port), protocol
        self.clients, self.interval_s, self.timeout_s = int(clients), float(interval_s), timeout_s
        self._rngs = [np.random.default_rng(s)
                      for s in np.random.SeedSequence(seed).spawn(self.clients)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.last_ack: dict[int, float] = {}  # client -> epoch s its latest ack ended [s]
        self.failures_after: list[float] = []  # epoch s of failed writes [s]
        self.max_seq: dict[int, int] = {}

    def start(self) -> Self:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._journal = Journal(str(self.dir / "journal.csv"), JOURNAL_HEADER)
        self._acked = Journal(str(self.dir / "acked.csv"), ACKED_HEADER)
        self._probe = Journal(str(self.dir / "probe.csv"), PROBE_HEADER)
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True,
                                          name=f"drsim-probe-{i}") for i in range(self.clients)]
        self._threads.append(threading.Thread(target=self._prober, daemon=True,
                                              name="drsim-probe"))
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop every client (each finishes its request in flight) and close the journals."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout_s + 1)
        for j in (self._journal, self._acked, self._probe) if self._threads else ():
            j.close()
        self._threads = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _write(self, client: int, seq: int) -> tuple:
        return probe_call(self.name, self.port, self.protocol, "POST", "/probe",
                          body={"client": str(client), "seq": seq}, timeout_s=self.timeout_s)

    def _client(self, i: int) -> None:
        rng, seq = self._rngs[i], 0
        if self._stop.wait(rng.uniform(0, self.interval_s)):
            return
        while not self._stop.is_set():
            t0 = time.time()
            address, status, region, error, _ = self._write(i, seq)
            t1 = time.time()
            self._journal.write(f"{t0:.6f}", f"{t1:.6f}", i, "write", seq, address, status,
                                region, error)
            with self._lock:
                if status in ACKED:
                    self._acked.write(i, seq, f"{t1:.6f}", region)
                    self.last_ack[i] = t1
                    self.max_seq[i] = seq
                else:
                    self.failures_after.append(t1)
            if address:
                seq += 1  # sent: the next write has the next number
            self._stop.wait(max(0.0, self.interval_s - (time.time() - t0)))

    def _prober(self) -> None:
        t_first, seq = time.monotonic(), 0
        while not self._stop.is_set():
            t0 = time.time()
            address, status, region, error, _ = self._write(PROBE_CLIENT, seq)
            self._probe.write(f"{t0:.6f}", f"{time.time():.6f}", seq, address, status, region,
                              error)
            seq += 1
            self._stop.wait(max(0.0, t_first + seq * self.interval_s - time.monotonic()))

    def all_acked_since(self, t_epoch: float) -> bool:
        """True once every client has had a write acknowledged that ended after ``t_epoch``."""
        with self._lock:
            return all(self.last_ack.get(i, -1.0) > t_epoch for i in range(self.clients))

    def last_failure(self) -> float:
        """Epoch seconds of the latest failed write (-inf when none failed). [s]"""
        with self._lock:
            return max(self.failures_after, default=float("-inf"))

    def failed_since(self, t_epoch: float) -> bool:
        """True when some write failed after ``t_epoch`` (the fault reached the clients)."""
        with self._lock:
            return any(t > t_epoch for t in self.failures_after)


def dump_present(fleet: ProbeFleet, run_dir: str | Path) -> Path | None:
    """Write ``database/present.csv`` (client,seq) from the promoted database, asked through
    the service name (``GET /probe/C?after=N``, pages of at most 1000). None when it cannot
    be read (the replay then leaves lost writes unreconciled)."""
    rows = []
    for client in [*range(fleet.clients), PROBE_CLIENT]:
        after = -1
        while True:
            _, status, _, _, payload = probe_call(
                fleet.name, fleet.port, fleet.protocol, "GET", f"/probe/{client}?after={after}",
                timeout_s=fleet.timeout_s)
            if status != 200 or not isinstance(payload, dict):
                return None
            seqs = [int(s) for s in payload.get("seqs") or ()]
            rows += [(client, s) for s in seqs]
            if len(seqs) < 1000:
                break
            after = seqs[-1]
    path = Path(run_dir) / "database" / "present.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("client,seq\n" + "".join(f"{c},{s}\n" for c, s in rows))
    return path
