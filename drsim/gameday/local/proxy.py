"""The network between the regions: a TCP proxy process with latency, bandwidth and cuts.

The kernel here has no netem, so one-way latency lives in this proxy. Each route
listens on one address and forwards to another; every chunk read in one
direction is delivered ``delay_s`` later (order kept), optionally paced to
``bandwidth_bytes_per_s``. Two routes run in a game day: ``link`` (region B's
standby streaming from A's primary) and ``front_a`` (region A's front door,
where clients and health checkers reach A's service).

Run as ``python -m drsim.gameday.local.proxy ROUTE...`` where a ROUTE is
``name=listen_host:listen_port>target_host:target_port/delay_s/bandwidth``
(and ``--run-dir DIR``, which only names the game day it belongs to);
it prints ``ready`` once listening and then reads commands on stdin, one per
line: ``partition NAME`` (packets dropped: connections stall, new ones hang),
``down NAME`` (nothing listens: connections are refused) and ``heal NAME``.
Each is answered ``ok COMMAND NAME T``, where ``T`` is the monotonic time
(the machine's one CLOCK_MONOTONIC, as every part of a game day stamps with)
at which the route's state changed: from then on, nothing more is forwarded.

:class:`LinkProxy`, at the end, is the driver's handle on this process.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Route:
    name: str
    listen: tuple[str, int]
    target: tuple[str, int]
    delay_s: float = 0.0
    bandwidth_bytes_per_s: float = 0.0  # 0 means unlimited
    state: str = "up"  # up | partition | down
    server: asyncio.base_events.Server | None = None
    conns: set = field(default_factory=set)


def parse_route(text: str) -> Route:
    name, _, rest = text.partition("=")
    ends, delay, bandwidth = rest.split("/")
    listen, target = ends.split(">")
    lh, lp = listen.rsplit(":", 1)
    th, tp = target.rsplit(":", 1)
    return Route(name, (lh, int(lp)), (th, int(tp)), float(delay), float(bandwidth))


def format_route(name: str, listen: tuple[str, int], target: tuple[str, int], delay_s: float = 0.0,
                 bandwidth_bytes_per_s: float = 0.0) -> str:
    """The command-line form of a route (see the module docstring)."""
    return (f"{name}={listen[0]}:{listen[1]}>{target[0]}:{target[1]}/{delay_s!r}/"
            f"{bandwidth_bytes_per_s!r}")


class _Conn:
    def __init__(self, route: Route, client_w):
        self.route = route
        self.writers = [client_w]
        self.tasks: list[asyncio.Task] = []

    def close(self):
        for t in self.tasks:
            t.cancel()
        for w in self.writers:
            try:
                w.transport.abort()
            except Exception:
                pass
        self.route.conns.discard(self)


async def _pipe(route: Route, reader, writer):
    """Copy ``reader`` to ``writer`` with the route's delay and bandwidth, in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    async def deliver():
        free_at = 0.0
        while True:
            due, data = await queue.get()
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if route.bandwidth_bytes_per_s > 0:
                free_at = max(free_at, loop.time()) + len(data) / route.bandwidth_bytes_per_s
                if free_at > loop.time():
                    await asyncio.sleep(free_at - loop.time())
            if route.state != "up":
                continue  # cut while in flight: the bytes are dropped
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if route.state != "up":
                if not data:
                    break
                continue
            await queue.put((loop.time() + route.delay_s, data or None))
            if not data:
                break
        await sender
    finally:
        sender.cancel()


async def _handle(route: Route, client_r, client_w):
    conn = _Conn(route, client_w)
    route.conns.add(conn)
    try:
        if route.state != "up":
            await asyncio.Event().wait()  # a partition: accepted by nobody, answered never
        try:
            up_r, up_w = await asyncio.open_connection(*route.target)
        except OSError:
            return  # target refused: close the client side at once
        conn.writers.append(up_w)
        a = asyncio.create_task(_pipe(route, client_r, up_w))
        b = asyncio.create_task(_pipe(route, up_r, client_w))
        conn.tasks += [a, b]
        await asyncio.gather(a, b, return_exceptions=True)
    except asyncio.CancelledError:
        pass
    finally:
        conn.close()


async def _listen(route: Route):
    route.server = await asyncio.start_server(lambda r, w: _handle(route, r, w), *route.listen,
                                              reuse_address=True)


async def _control(routes: dict[str, Route]):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return  # our parent is gone: stop
        cmd, _, name = line.decode().strip().partition(" ")
        targets = routes.values() if name == "all" else [routes[name]] if name in routes else []
        # Every forwarding step checks the route's state, and this coroutine runs alone
        # on the loop until its next await: the moment taken here is when forwarding stopped.
        changed_mono = time.monotonic()
        for route in targets:
            if cmd == "partition":
                # Existing connections stall: their tasks keep reading and drop the bytes.
                route.state = "partition"
            elif cmd == "down":
                route.state = "down"
                if route.server is not None:
                    route.server.close()
                    route.server = None
                for conn in list(route.conns):
                    conn.close()
            elif cmd == "heal":
                was = route.state
                route.state = "up"
                for conn in list(route.conns):
                    conn.close()  # stalled connections do not come back; clients reconnect
                if was == "down":
                    await _listen(route)
        print(f"ok {cmd} {name} {changed_mono:.6f}", flush=True)


async def main_async(routes: list[Route]):
    for route in routes:
        await _listen(route)
    print("ready", flush=True)
    await _control({r.name: r for r in routes})


def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    if "--run-dir" in args:  # it only names the game day the proxy belongs to
        i = args.index("--run-dir")
        args = args[:i] + args[i + 2:]
    routes = [parse_route(a) for a in args]
    try:
        asyncio.run(main_async(routes))
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()


# --- driver side -------------------------------------------------------------------------


class LinkProxy:
    """The driver's handle on a running proxy process: commands, and when they took effect.

    cut_mono : for each route cut (``partition`` or ``down``), the monotonic time at
        which the proxy stopped forwarding it, as the proxy itself stamped it. [s]
    """

    def __init__(self, child):
        self.child = child
        self.cut_mono: dict[str, float] = {}
        self._lock = threading.Lock()  # the orchestrator's threads may command it too

    @classmethod
    def spawn(cls, procs, routes: list[str], run_dir, log_path=None) -> LinkProxy:
        """Start ``python -m drsim.gameday.local.proxy ROUTE...`` as a tracked child of ``procs``."""
        child = procs.spawn("proxy", [sys.executable, "-m", "drsim.gameday.local.proxy", *routes,
                                      "--run-dir", str(run_dir)],
                            stdout_pipe=True, stdin_pipe=True, log_path=log_path)
        return cls(child)

    def wait_ready(self, timeout_s: float = 20.0) -> None:
        """Return once the proxy listens on every route. [s]"""
        from drsim.errors import DrsimError

        if self.child.read_line(timeout_s) != "ready":
            raise DrsimError("the link proxy did not start")

    def command(self, cmd: str) -> float:
        """Send ``cmd`` (``partition link``...); returns the monotonic time it took effect. [s]"""
        from drsim.errors import DrsimError

        with self._lock:
            self.child.popen.stdin.write(f"{cmd}\n".encode())
            self.child.popen.stdin.flush()
            reply = self.child.read_line(5).split()
            if reply[:1] != ["ok"] or reply[1:-1] != cmd.split():
                raise DrsimError(f"the link proxy did not acknowledge {cmd!r}")
            t_mono = float(reply[-1])
            action, _, name = cmd.partition(" ")
            if action in ("partition", "down"):
                self.cut_mono.setdefault(name, t_mono)
        return t_mono
