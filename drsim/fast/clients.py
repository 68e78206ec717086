"""The clients' DNS delays, as the two order statistics a trial needs.

A trial needs, of its clients' delays from the DNS flip to their move (see
:func:`drsim.sim.traffic.draw_clients`), only the smallest (the first client served)
and the ``k``-th smallest, ``k`` the clients that make ``recovered_fraction``: a
fixed number per configuration. So instead of a delay per client: the violators'
count is drawn (Binomial(clients that can move, ttl_violation_fraction), as the SimPy
engine draws it), their delays explicitly (a uniform TTL phase plus
``violation_extra_s``: about a tenth of the clients at the measured fraction), and of
the others, iid U(0, ttl), only the order statistics that can matter
(:func:`drsim.fast.orderstats.kth_of_union`). Exact in distribution.
"""

from __future__ import annotations

import numpy as np

from drsim.fast.orderstats import kth_of_union
from drsim.fast.sampling import draw
from drsim.sim.traffic import client_counts

INF = np.inf


def delays(dns, k: int, n: int, streams) -> tuple[np.ndarray, np.ndarray]:
    """``(smallest, k-th smallest)`` delay of the clients that move, per trial; inf where
    fewer than ``k`` move (the stuck ones never do). [s]

    Parameters
    ----------
    dns : the scenario's ``dns`` section.
    k : the rank wanted (>= 1). [-]
    n : trials. [-]
    streams : :class:`drsim.fast.streams.Streams` of the chunk.
    """
    _moving, _stuck, free = client_counts(dns)
    if free == 0:
        return np.full(n, INF), np.full(n, INF)
    p = dns.ttl_violation_fraction
    if p <= 0:
        v = np.zeros(n, dtype=np.int64)
    elif p >= 1:
        v = np.full(n, free, dtype=np.int64)
    else:
        v = streams("clients.violators").binomial(free, p, n).astype(np.int64)
    total = int(v.sum())
    values = np.empty(0)
    if total:
        values = (streams("clients.violators.phase").uniform(0.0, dns.ttl_s, total)
                  + draw(dns.violation_extra_s, streams("clients.violators.extra"), total))
    return kth_of_union(k, free - v, values, v, dns.ttl_s,
                        streams("clients.order"))
