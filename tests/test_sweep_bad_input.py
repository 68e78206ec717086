"""Bad sweep input: one clear message naming the spec file and the field, exit 2, no
traceback, nothing written."""

from __future__ import annotations

import socket
import textwrap
import time

import pytest

from drsim.cli import main
from tests.conftest import run_cli

GOOD = textwrap.dedent("""\
    base: seed-warm-standby
    trials: 20
    seed: 1
    design: grid
    fields:
      health_check.interval_s: [10, 30]
      compute.standby_tasks: [0, 1]
    """)

BAD_SCENARIO = "name: broken\nstrategy: warm_standby\nregions: {primary: us-east-1, secondary: us-east-1}\n"


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (spec text, words the one message must contain)
CASES = {
    "unknown field path, closest name": (
        edit("health_check.interval_s", "health_check.intervl_s"),
        ["fields.health_check.intervl_s", "no field 'intervl_s'", "did you mean 'interval_s'"]),
    "unknown section": (edit("health_check.interval_s", "healthcheck.interval_s"),
                        ["fields.healthcheck.interval_s", "did you mean 'health_check'"]),
    "unknown runbook step": (GOOD + "  runbook.promote.duration_s: [60]\n",
                             ["no item named 'promote'", "did you mean 'promote_database'"]),
    "value of the wrong type": (edit("[0, 1]", "[0, one]"),
                                ["fields.compute.standby_tasks", "'one' is not a whole number"]),
    "text for a number": (edit("[10, 30]", "[10, fast]"),
                          ["fields.health_check.interval_s", "'fast' is not a number"]),
    "a range in a grid": (edit("[0, 1]", "{low: 0, high: 3}"),
                          ["fields.compute.standby_tasks", "needs design: random or latin"]),
    "samples missing for random": (edit("design: grid", "design: random"),
                                   ["samples", "design: random needs samples"]),
    "samples missing for latin": (edit("design: grid", "design: latin"),
                                  ["samples", "design: latin needs samples"]),
    "samples for a grid": (edit("design: grid", "design: grid\nsamples: 5"),
                           ["samples", "grid design runs every combination"]),
    "unknown design": (edit("design: grid", "design: sobol"), ["design", "'sobol'"]),
    "unknown key": (GOOD + "feilds: {}\n", ["feilds", "unknown key", "fields"]),
    "no base": (GOOD.replace("base: seed-warm-standby\n", ""), ["base", "either base"]),
    "base and bases": (GOOD + "bases: [hot-standby]\n", ["base", "not both"]),
    "base that does not exist": (edit("seed-warm-standby", "seed-warm"),
                                 ["base seed-warm", "no bundled scenario", "seed-warm-standby"]),
    "base that does not validate": (edit("seed-warm-standby", "broken.yaml"),
                                    ["base broken.yaml", "regions.secondary",
                                     "same as the primary"]),
    "range low above high": (edit("design: grid", "design: latin\nsamples: 3")
                             .replace("[0, 1]", "{low: 3, high: 1}"),
                             ["fields.compute.standby_tasks", "low (3) is above high (1)"]),
    "fractional bounds for a whole-number field": (
        edit("design: grid", "design: random\nsamples: 3").replace("[0, 1]", "{low: 0, high: 2.5}"),
        ["fields.compute.standby_tasks", "whole number", "whole-number bounds"]),
    "range on a text field": (edit("design: grid", "design: random\nsamples: 3")
                              + "  decision.mode: {low: 1, high: 2}\n",
                              ["fields.decision.mode", "a range needs a numeric field"]),
    "log range from zero": (edit("design: grid", "design: random\nsamples: 3")
                            + "  dns.ttl_s: {low: 0, high: 60, log: true}\n",
                            ["fields.dns.ttl_s", "log: true needs low > 0"]),
    "empty values": (edit("[0, 1]", "[]"), ["fields.compute.standby_tasks", "non-empty list"]),
    "trials zero": (edit("trials: 20", "trials: 0"), ["trials: 0 is out of range; must be >= 1"]),
    "not yaml": ("base: [seed\n", ["not valid YAML"]),
    "not a mapping": ("- a\n- b\n", ["a sweep spec is a mapping"]),
}


def _sweep(tmp_path, text, capsys, *extra):
    (tmp_path / "broken.yaml").write_text(BAD_SCENARIO)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    out = tmp_path / "r.parquet"
    status = main(["sweep", str(spec), "--out", str(out), *extra])
    return status, capsys.readouterr(), spec, out


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_spec_gets_one_clear_message_and_exit_2(case, tmp_path, capsys):
    text, words = CASES[case]
    status, out, spec, results = _sweep(tmp_path, text, capsys)
    assert status == 2
    assert out.out == ""
    assert out.err.startswith(f"drsim sweep: {spec}") or f"{spec}" in out.err.splitlines()[0]
    for w in words:
        assert w in out.err, f"{w!r} not in {out.err!r}"
    assert "Traceback" not in out.err
    assert not results.exists()  # nothing written


def test_the_good_spec_is_good(tmp_path, capsys):
    status, out, _, results = _sweep(tmp_path, GOOD, capsys)
    assert status == 0, out.err
    assert results.is_dir()


def test_missing_spec_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--engine", "quick"], ["--engine", "invalid choice"]),
    (["--workers", "0"], ["--workers: 0"]),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], ["--workers and --scheduler"]),
])
def test_bad_options(tmp_path, capsys, args, words):
    status, out, _, results = _sweep(tmp_path, GOOD, capsys, *args) if "--engine" not in args \
        else (None, None, None, None)
    if status is None:  # argparse exits on a bad choice
        with pytest.raises(SystemExit) as exit_:
            _sweep(tmp_path, GOOD, capsys, *args)
        status, out, results = exit_.value.code, capsys.readouterr(), tmp_path / "r.parquet"
    assert status == 2
    for w in words:
        assert w in out.err
    assert not results.exists()


def test_an_unreachable_scheduler_is_a_clear_message_within_the_timeout(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    spec = tmp_path / "spec.yaml"
    spec.write_text(GOOD)
    start = time.monotonic()
    done = run_cli("sweep", spec, "--scheduler", f"tcp://127.0.0.1:{port}",
                   "--out", tmp_path / "r.parquet")
    assert time.monotonic() - start < 60
    assert done.returncode == 2
    assert f"--scheduler tcp://127.0.0.1:{port}: cannot reach a Dask scheduler" in done.stderr
    assert "within 10 s" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.parquet").exists()
