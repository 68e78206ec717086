"""The load generator: many clients, each with its own TTL-honouring DNS cache.

Run as ``python -m drsim.gameday.local.loadgen CONFIG.json``. Each client is a
thread that resolves the service name through the game day's DNS server with
a dnspython ``Resolver(configure=False)`` and its own ``Cache`` (so it moves to
a new region only when its cached answer expires), then alternates a write
(``POST /write`` with its next sequence number) and a read. Every request is
journaled, and every acknowledged write separately, one line per ``os.write``
on an ``O_APPEND`` file: what reached the disk survives a kill.

Journal (``journal.csv``): ``t_start,t_end,client,op,seq,address,status,region,error``.
Acknowledged writes (``acked.csv``): ``client,seq,t_ack,region``.
Times are ``time.monotonic()`` seconds, the clock the driver stamps its events with.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import sys
import threading
import time

JOURNAL_HEADER = "t_start,t_end,client,op,seq,address,status,region,error\n"
ACKED_HEADER = "client,seq,t_ack,region\n"


class Journal:
    """An append-only CSV file written one whole line per system call."""

    def __init__(self, path: str, header: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self.fd, header.encode())

    def write(self, *fields) -> None:
        os.write(self.fd, (",".join(str(f) for f in fields) + "\n").encode())

    def close(self) -> None:
        os.close(self.fd)


def ttl_honouring_resolver(cfg: dict):
    """A dnspython resolver of the game day's DNS server with its own TTL-honouring cache."""
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [cfg["dns_host"]]
    resolver.port = cfg["dns_port"]
    resolver.cache = dns.resolver.Cache()
    resolver.lifetime = cfg["request_timeout_s"]
    return resolver


def request(cfg: dict, resolver, *, client: int, write_seq: int | None) -> tuple:
    """One request as a client makes it: resolve the service name (through ``resolver``'s
    cache), then ``POST /write`` with body ``CLIENT SEQ`` (``write_seq`` given) or
    ``GET /read?client=CLIENT``. Returns ``(address, status, region, error)``: the
    address answered, the HTTP status (0 when none came), the ``X-Region`` header, and
    the exception's name when the request failed."""
    import dns.exception

    address, status, region, error = "", 0, "", ""
    try:
        address = resolver.resolve(cfg["name"], "A")[0].address
        conn = http.client.HTTPConnection(address, cfg["service_port"],
                                          timeout=cfg["request_timeout_s"])
        try:
            if write_seq is not None:
                conn.request("POST", "/write", body=f"{client} {write_seq}")
            else:
                conn.request("GET", f"/read?client={client}")
            resp = conn.getresponse()
            resp.read()
            status, region = resp.status, resp.getheader("X-Region", "")
        finally:
            conn.close()
    except (dns.exception.DNSException, OSError, http.client.HTTPException) as err:
        error = type(err).__name__
    return address, status, region, error


def _client(i: int, cfg: dict, stop: threading.Event, journal: Journal, acked: Journal) -> None:
    resolver = ttl_honouring_resolver(cfg)
    rng = random.Random(cfg["seed"] * 1_000_003 + i)
    period_s = cfg["write_interval_s"]
    seq = 0
    # Clients arrive at uniformly random moments over one TTL, so their cached answers
    # expire at independent phases (as in a real population), not in lock-step.
    if stop.wait(rng.uniform(0, cfg["start_spread_s"])):
        return
    while not stop.is_set():
        cycle_start = time.monotonic()
        for op in ("write", "read"):
            t0 = time.monotonic()
            this_seq = seq if op == "write" else -1
            address, status, region, error = request(
                cfg, resolver, client=i, write_seq=this_seq if op == "write" else None)
            if op == "write" and address:
                seq += 1  # sent (the name resolved): the next write has the next number
            t1 = time.monotonic()
            journal.write(f"{t0:.6f}", f"{t1:.6f}", i, op, this_seq, address, status, region, error)
            if op == "write" and status == 200:
                acked.write(i, this_seq, f"{t1:.6f}", region)
            if stop.is_set():
                return
        # A failed request is retried at the next period, not in a hot loop.
        stop.wait(max(0.0, period_s - (time.monotonic() - cycle_start)) * rng.uniform(0.8, 1.2))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        cfg = json.load(f)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    journal = Journal(cfg["journal_path"], JOURNAL_HEADER)
    acked = Journal(cfg["acked_path"], ACKED_HEADER)
    threads = [threading.Thread(target=_client, args=(i, cfg, stop, journal, acked), daemon=True)
               for i in range(cfg["clients"])]
    for t in threads:
        t.start()
    print("ready", flush=True)
    parent = cfg.get("parent")
    while not stop.wait(0.2):
        if parent and os.getppid() != parent:
            stop.set()  # the driver is gone: stop rather than run forever
    for t in threads:
        t.join(timeout=cfg["request_timeout_s"] + 1)
    journal.close()
    acked.close()


if __name__ == "__main__":
    main()
