"""Sweep designs: the grid's every combination, random and latin draws reproducible,
latin strata each hit once, ranges kept inside their bounds and whole where asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsim.sweep.configurations import configurations, count_configurations
from drsim.sweep.designs import count_points, design_points
from drsim.sweep.spec import spec_from_dict


def spec(**kw):
    data = {"base": "seed-warm-standby", "trials": 10, "seed": 1}
    data.update(kw)
    return spec_from_dict(data, source="s.yaml", base_dir=Path("."))


def test_grid_is_every_combination_in_order_last_field_fastest():
    s = spec(fields={"a": [1, 2], "b": ["x", "y", "z"]})
    points = list(design_points(s))
    assert count_points(s) == 6
    assert points == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                      {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]


def test_a_grid_is_produced_lazily():
    s = spec(fields={f"f{i}": list(range(10)) for i in range(8)})  # 10^8 points
    assert count_points(s) == 10 ** 8
    first = next(iter(design_points(s)))
    assert first == {f"f{i}": 0 for i in range(8)}


def test_bases_cross_the_design_and_number_the_rows():
    s = spec(base=None, bases=["seed-warm-standby", "hot-standby"], fields={"a": [1, 2, 3]})
    configs = list(configurations(s))
    assert count_configurations(s) == 6 == len(configs)
    assert [c.index for c in configs] == list(range(6))
    assert [c.base for c in configs] == ["seed-warm-standby"] * 3 + ["hot-standby"] * 3
    assert [c.values["a"] for c in configs] == [1, 2, 3, 1, 2, 3]


@pytest.mark.parametrize("design", ["random", "latin"])
def test_draws_are_reproducible_and_depend_on_the_seed(design):
    fields = {"x": {"low": 0.0, "high": 1.0}, "n": {"low": 1, "high": 5}, "m": ["a", "b"]}
    one = list(design_points(spec(design=design, samples=50, fields=fields)))
    again = list(design_points(spec(design=design, samples=50, fields=fields)))
    other = list(design_points(spec(design=design, samples=50, fields=fields, seed=2)))
    assert one == again
    assert one != other
    assert all(isinstance(p["n"], int) and 1 <= p["n"] <= 5 for p in one)
    assert all(isinstance(p["x"], float) and 0 <= p["x"] <= 1 for p in one)
    assert {p["m"] for p in one} == {"a", "b"}


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 200), seed=st.integers(0, 2 ** 32))
def test_latin_puts_one_point_in_each_stratum(n, seed):
    s = spec(design="latin", samples=n, seed=seed, fields={"x": {"low": 0.0, "high": 1.0},
                                                           "y": {"low": 10.0, "high": 20.0}})
    points = list(design_points(s))
    for name, low, high in (("x", 0.0, 1.0), ("y", 10.0, 20.0)):
        u = (np.array([p[name] for p in points]) - low) / (high - low)
        strata = np.floor(u * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_latin_over_whole_numbers_hits_each_equally():
    s = spec(design="latin", samples=400, fields={"k": {"low": 1, "high": 4}})
    counts = np.bincount([p["k"] for p in design_points(s)], minlength=5)[1:]
    assert list(counts) == [100, 100, 100, 100]


def test_log_range_is_uniform_in_log_space():
    s = spec(design="latin", samples=1000, fields={"c": {"low": 10.0, "high": 1e5, "log": True}})
    logs = np.log10([p["c"] for p in design_points(s)])
    assert logs.min() >= 1 and logs.max() <= 5
    # one decade in four holds a quarter of the points (latin: exactly, up to the edges)
    assert abs(np.mean(logs < 2) - 0.25) < 0.01


def test_random_design_draws_are_independent_of_the_trials_streams():
    """The design's generator is its own: not the generator of trial 0 of the seed."""
    from drsim.sim.montecarlo import trial_rng

    s = spec(design="random", samples=5, fields={"x": {"low": 0.0, "high": 1.0}})
    xs = [p["x"] for p in design_points(s)]
    assert not np.allclose(xs, trial_rng(1, 0).random(5))
