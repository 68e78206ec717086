"""Figures that follow from the scenario's ``workload`` (issue 17).

:func:`derive_from_workload` runs while a :class:`~drsim.scenario.model.Scenario` is
built, before the cross-field checks and before anything reads a write rate: each
datastore with a ``write_share`` gets its ``write_rate_per_s`` from the workload, and
``usage``'s ALB traffic figures (``requests_per_s``, ``new_connections_per_s``,
``active_connections``) come from it too. Rates a datastore pins itself are checked
against the traffic: more writes than requests needs a stated reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from drsim.scenario.model import Scenario

Problem = tuple[tuple, str]

USAGE_FROM_WORKLOAD = ("requests_per_s", "new_connections_per_s", "active_connections")
"""``usage`` fields the workload sets when a scenario has one."""
RATE_TOLERANCE = 1e-9


def derive_from_workload(s: Scenario) -> tuple[list[Problem], dict[str, Any]]:
    """The problems of ``s``'s workload and rates, and the fields to replace.

    Returns ``(problems, {"datastores": ..., "usage": ...})``; the second is empty when
    there is nothing to derive (no workload, no ``write_share``).
    """
    problems: list[Problem] = []
    w = s.workload
    derived: dict[str, Any] = {}
    stores = []
    for i, ds in enumerate(s.datastores):
        path = ("datastores", i)
        if ds.write_share is None:
            stores.append(ds)
            problems += _pinned_rate_problems(s, path, ds)
            if ds.items_per_write != 1.0:
                problems.append((path + ("items_per_write",),
                                 f"{ds.items_per_write:g} has no effect: the write rate is "
                                 "pinned (write_rate_per_s); allowed: write_share with it, or "
                                 "leave it out"))
            continue
        if ds.write_rate_reason:
            problems.append((path + ("write_rate_reason",),
                             "explains a pinned write_rate_per_s, but this one follows from "
                             "write_share; allowed: leave it out, or pin the rate instead"))
        if w is None:
            problems.append((path + ("write_share",),
                             "derives the write rate from the requests served, but the scenario "
                             "has no workload section; allowed: add workload.requests_per_s, or "
                             "pin write_rate_per_s instead of write_share"))
            stores.append(ds)
            continue
        rate = w.write_rate_per_s(ds.write_share, ds.items_per_write)
        # A scenario dumped and validated again carries the derived rate: that is no
        # contradiction; another figure is.
        if ("write_rate_per_s" in ds.model_fields_set
                and abs(ds.write_rate_per_s - rate) > RATE_TOLERANCE * max(1.0, rate)):
            problems.append((path + ("write_rate_per_s",),
                             f"{ds.write_rate_per_s:g} is set, and write_share derives it too "
                             f"({rate:g}); allowed: one of them (leave write_share out to pin "
                             "the rate)"))
            stores.append(ds)
            continue
        stores.append(ds.model_copy(update={"write_rate_per_s": rate}))
    if any(a is not b for a, b in zip(stores, s.datastores)):
        derived["datastores"] = tuple(stores)
    if w is not None:
        # Workload has each of these figures under the same name (a field or a property).
        want = {field: getattr(w, field) for field in USAGE_FROM_WORKLOAD}
        for field, value in want.items():
            typed = getattr(s.usage, field)
            if (field in s.usage.model_fields_set
                    and abs(typed - value) > RATE_TOLERANCE * max(1.0, value)):
                source = ("workload.requests_per_s" if field == "requests_per_s" else
                          "workload.requests_per_s, requests_per_connection and "
                          "connection_duration_s")
                problems.append((("usage", field),
                                 f"{typed:g} contradicts the workload's {value:g}; allowed: "
                                 f"leave it out (it follows from {source})"))
        derived["usage"] = s.usage.model_copy(update=want)
    return problems, derived


def _pinned_rate_problems(s: Scenario, path: tuple, ds) -> list[Problem]:
    """A pinned rate needs traffic behind it, and at most one write per request unless
    the scenario says why (with a workload; without one it is a warning, see
    :func:`pinned_rate_warnings`)."""
    w = s.workload
    if w is None or ds.write_rate_per_s <= 0:
        return []
    if w.requests_per_s <= 0:
        return [(path + ("write_rate_per_s",),
                 f"{ds.write_rate_per_s:g} writes/s with no traffic behind them "
                 "(workload.requests_per_s is 0); allowed: 0, or requests to write from")]
    if ds.write_rate_per_s > w.requests_per_s * (1 + RATE_TOLERANCE) and not ds.write_rate_reason:
        return [(path + ("write_rate_per_s",),
                 f"{ds.write_rate_per_s:g} writes/s is more than the {w.requests_per_s:g} "
                 "requests/s served; allowed: at most workload.requests_per_s, write_share "
                 "and items_per_write (the rate derived), or a write_rate_reason saying why")]
    return []


def pinned_rate_warnings(s: Scenario) -> list[Problem]:
    """Without a workload section, rates are checked against ``usage.requests_per_s``."""
    if s.workload is not None:
        return []
    out = []
    rps = s.usage.requests_per_s
    for i, ds in enumerate(s.datastores):
        if ds.write_rate_per_s > rps * (1 + RATE_TOLERANCE) and not ds.write_rate_reason:
            out.append((("datastores", i, "write_rate_per_s"),
                        f"{ds.write_rate_per_s:g} writes/s is more than the {rps:g} requests/s "
                        "of usage.requests_per_s; give a workload section (write_share, "
                        "items_per_write) or a write_rate_reason"))
    return out


def raw_without_derived(scenario: Scenario, raw: dict) -> dict:
    """``raw`` (``scenario`` dumped) without the figures the workload derived, so that
    validating it again (with overrides) derives them again from the new workload."""
    if scenario.workload is not None:
        for field in USAGE_FROM_WORKLOAD:
            raw.get("usage", {}).pop(field, None)
    for ds in raw.get("datastores", []):
        if ds.get("write_share") is not None:
            ds.pop("write_rate_per_s", None)
    return raw
