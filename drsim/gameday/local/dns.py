"""A DNS server answering the service name with Route 53 failover-record behaviour.

The answer is region A's address while A's health check says healthy and region
B's once it says unhealthy (``routing: failover``), or once the runbook's
``switch_traffic`` step pins traffic to B (either routing). Every answer
carries the scenario's TTL, so clients with a TTL-honouring cache move only
when their cached answer expires.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from dnslib import QTYPE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

SERVICE_NAME = "app.drsim.test."


class FailoverResolver(BaseResolver):
    """Answers ``name`` with ``primary_ip`` or ``secondary_ip``.

    ttl_s : TTL of every answer (DNS TTLs are whole seconds). [s]
    on_switch : called with the new address, the reason and the monotonic time of
        the change (taken before any client can see the new answer) each time the
        answer changes.
    """

    def __init__(self, name: str, primary_ip: str, secondary_ip: str, ttl_s: int,
                 routing: str = "failover", on_switch: Callable[[str, str, float], None] | None = None):
        self.name = name.rstrip(".") + "."
        self.primary_ip = primary_ip
        self.secondary_ip = secondary_ip
        self.ttl_s = int(ttl_s)
        self.routing = routing
        self.on_switch = on_switch
        self._lock = threading.Lock()
        self._primary_healthy = True
        self._pinned = False
        self.queries = 0

    def answer_ip(self) -> str:
        if self._pinned or (self.routing == "failover" and not self._primary_healthy):
            return self.secondary_ip
        return self.primary_ip

    def _change(self, why: str, **state) -> None:
        with self._lock:
            t_mono = time.monotonic()
            before = self.answer_ip()
            for k, v in state.items():
                setattr(self, k, v)
            after = self.answer_ip()
        if after != before and self.on_switch:
            self.on_switch(after, why, t_mono)

    def set_primary_healthy(self, healthy: bool) -> None:
        """The health check's verdict on the primary (the failover record's health)."""
        self._change("health check", _primary_healthy=healthy)

    def pin_secondary(self) -> None:
        """Point the record at the secondary whatever the health check says (switch_traffic)."""
        self._change("switch_traffic", _pinned=True)

    def resolve(self, request, handler):
        reply = request.reply()
        q = request.q
        self.queries += 1
        if str(q.qname).lower() == self.name and q.qtype in (QTYPE.A, QTYPE.ANY):
            reply.add_answer(RR(q.qname, QTYPE.A, rdata=A(self.answer_ip()), ttl=self.ttl_s))
        elif str(q.qname).lower() != self.name:
            reply.header.rcode = 3  # NXDOMAIN
        return reply


class DnsServer:
    """dnslib's UDP server on a free loopback port, served from a thread."""

    def __init__(self, resolver: FailoverResolver, host: str = "127.0.0.1"):
        quiet = DNSLogger("-recv,-send,-request,-reply,-truncated,-error,-data", logf=lambda *a: None)
        self.resolver = resolver
        self.server = DNSServer(resolver, address=host, port=0, logger=quiet)
        self.host = host
        self.port = self.server.server.server_address[1]

    def start(self) -> None:
        self.server.start_thread()

    def stop(self) -> None:
        if self.server.isAlive():
            self.server.stop()
        self.server.server.server_close()
