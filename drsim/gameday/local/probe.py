"""The external probe: what a ``dig`` + ``curl`` loop or a canary measures (``probe_rto_s``).

Run as ``python -m drsim.gameday.local.probe CONFIG.json``. One client that
makes an attempt every ``interval_s`` on a fixed schedule (as a canary runs,
whether or not the last attempt has answered: each attempt is its own thread,
so a hung region does not push the next attempt back). Each attempt resolves
the service name afresh through the game day's DNS server with a dnspython
``Resolver`` whose ``Cache`` honours the TTL (so a changed answer reaches the
probe when its cached one expires), then writes ``POST /write`` with body
``-1 SEQ`` (client ``PROBE_CLIENT``; with ``writes: false`` it reads instead).
This is the simulator's probe (:func:`drsim.sim.traffic.probe_recovery_s`):
served once DNS answers the healthy region and that region serves (and takes
the write, when the probe writes).

Journal (``probe.csv``), one line per attempt as it ends, one ``os.write`` each:
``t_attempt,t_end,seq,address,status,region,error`` with ``time.monotonic()``
seconds (the driver's clock): the attempt's start and when its answer (or its
error) came.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

from drsim.gameday.local.loadgen import Journal, request, ttl_honouring_resolver

PROBE_CLIENT = -1
"""The probe's client number in the ``writes`` table: no load-generator client has it."""
PROBE_HEADER = "t_attempt,t_end,seq,address,status,region,error\n"


def _attempt(seq: int, cfg: dict, resolver, journal: Journal) -> None:
    """One attempt: resolve (through the TTL-honouring cache), then write or read."""
    t0 = time.monotonic()
    address, status, region, error = request(
        cfg, resolver, client=PROBE_CLIENT, write_seq=seq if cfg["writes"] else None)
    journal.write(f"{t0:.6f}", f"{time.monotonic():.6f}", seq, address, status, region, error)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        cfg = json.load(f)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    journal = Journal(cfg["journal_path"], PROBE_HEADER)
    resolver = ttl_honouring_resolver(cfg)
    interval_s, parent = float(cfg["interval_s"]), cfg.get("parent")
    threads: list[threading.Thread] = []
    print("ready", flush=True)
    t_first, seq = time.monotonic(), 0
    while not stop.is_set():
        if parent and os.getppid() != parent:
            break  # the driver is gone: stop rather than run forever
        t = threading.Thread(target=_attempt, args=(seq, cfg, resolver, journal), daemon=True)
        t.start()
        threads = [th for th in threads if th.is_alive()] + [t]
        seq += 1
        # On the schedule, not after the last attempt: a late wake-up skips no slot's
        # length, and a slot missed altogether (a descheduled probe) is not made up.
        t_next = t_first + seq * interval_s
        now = time.monotonic()
        if t_next < now:
            seq_skip = int((now - t_first) // interval_s) + 1
            seq, t_next = seq_skip, t_first + seq_skip * interval_s
        stop.wait(t_next - now)
    for t in threads:
        t.join(timeout=cfg["request_timeout_s"] + 1)
    journal.close()


if __name__ == "__main__":
    main()
