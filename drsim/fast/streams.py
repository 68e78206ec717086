"""The fast path's random streams: one per component, keyed by a stable name.

Chunk ``c`` (trials ``c * CHUNK_TRIALS`` onwards) of root seed ``s`` draws component
``name``'s values from ``Generator(PCG64(SeedSequence(s, spawn_key=(FAST_KEY, c,
crc32(name)))))`` and from nothing else. So a chunk is reproducible from the seed and
its index alone (any number of workers gives the same table), and a setting that
changes how many values one component draws (more checkers, another step, a TTL)
leaves every other component's draws where they were: two configurations compared
with the same seed share their random numbers component by component (common random
numbers), and their differences are the settings', not noise.

The components, by name: ``checkers`` (the declaration's order statistic),
``alarm.phase``, ``alarm.metric_delay``, ``decision.ack``, ``decision.decide``,
``runbook.<step>.duration``, ``.failed`` and ``.fallback`` (a column of trials per
attempt), ``dns.propagation``, ``compute.standby_ready``, ``compute.launch`` (a column
per launched task), ``clients.violators`` (their count), ``clients.violators.phase``,
``clients.violators.extra``, ``clients.order`` (the other clients' order statistics),
``probe`` and ``datastore.<name>``.

The fast path's draws are not the SimPy engine's (which draws trial by trial from
``SeedSequence(s, spawn_key=(i,))``): the two engines agree in distribution, not
trial by trial.
"""

from __future__ import annotations

import zlib

import numpy as np

FAST_KEY = 0xFA57
"""First spawn-key word of every fast-path stream, so that no stream of the fast path
is a trial stream of the SimPy engine (whose spawn keys have one word)."""


class Streams:
    """The generators of one chunk, one per component name, made on first use.

    Parameters
    ----------
    seed : the root seed.
    chunk : the chunk's index. [-]
    """

    def __init__(self, seed: int, chunk: int):
        self.seed = int(seed)
        self.chunk = int(chunk)
        self._made: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator of component ``name`` (e.g. ``"checkers"``, ``"runbook.promote"``)."""
        rng = self._made.get(name)
        if rng is None:
            key = (FAST_KEY, self.chunk, zlib.crc32(name.encode("utf-8")))
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed,
                                                                             spawn_key=key)))
            self._made[name] = rng
        return rng
