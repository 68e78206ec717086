"""The shipped AWS run is CONSTRUCTED through the AWS API model and stays so: every
poll line is re-validated by botocore's Stubber here, and the script that built it
rebuilds it byte for byte."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys

import pytest

from drsim.errors import DrsimError
from drsim.gameday.aws.fixture import fixture_run_dir
from drsim.gameday.aws.validate import PollValidator, validate_run
from tests.conftest import ROOT

pytest.importorskip("botocore")
RUN = fixture_run_dir()


def test_every_shipped_poll_line_fits_the_aws_api_model():
    lines = sum(len(p.read_text().splitlines()) for p in (RUN / "polls").glob("*.jsonl"))
    apis = {json.loads(p.read_text().splitlines()[0])["api"] for p in (RUN / "polls").glob("*.jsonl")}
    assert validate_run(RUN) == lines > 200
    assert len(apis) == 9  # every poller the format names


def test_the_validator_refuses_a_misspelled_field_and_a_wrong_request(tmp_path):
    from botocore.exceptions import ParamValidationError

    v = PollValidator()
    good = {"HealthCheckObservations": [{"Region": "us-east-1", "IPAddress": "15.177.2.3",
                                         "StatusReport": {"Status": "Success",
                                                          "CheckedTime": "2026-11-30T14:00:07Z"}}]}
    v.check("route53.GetHealthCheckStatus", {"HealthCheckId": "x"}, good)
    bad = json.loads(json.dumps(good))
    bad["HealthCheckObservations"][0]["IpAddress"] = bad["HealthCheckObservations"][0].pop("IPAddress")
    with pytest.raises(ParamValidationError, match="IpAddress"):
        v.check("route53.GetHealthCheckStatus", {"HealthCheckId": "x"}, bad)
    with pytest.raises(ParamValidationError, match="HealthCheckID"):
        v.check("route53.GetHealthCheckStatus", {"HealthCheckID": "x"}, good)
    # And through a run directory: the message names the file and line.
    (tmp_path / "polls").mkdir()
    (tmp_path / "polls" / "r53.jsonl").write_text(
        json.dumps({"t_utc": "2026-11-30T14:00:07Z", "api": "route53.GetHealthCheckStatus",
                    "request": {"HealthCheckId": "x"}, "response": good}) + "\n"
        + json.dumps({"t_utc": "2026-11-30T14:00:17Z", "api": "route53.GetHealthCheckStatus",
                      "request": {"HealthCheckId": "x"}, "response": bad}) + "\n")
    with pytest.raises(DrsimError, match=r"r53.jsonl:2: route53.GetHealthCheckStatus does not fit"):
        validate_run(tmp_path)


def test_the_script_rebuilds_the_shipped_run_exactly(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_aws_fixture.py"), str(out)],
                          check=False, capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    shipped = sorted(p.relative_to(RUN) for p in RUN.rglob("*") if p.is_file())
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert shipped == built
    _, mismatch, errors = filecmp.cmpfiles(RUN, out, [str(p) for p in shipped], shallow=False)
    assert mismatch == [] and errors == []


def test_the_manifest_says_constructed():
    m = json.loads((RUN / "manifest.json").read_text())
    assert m["provenance"].startswith("constructed") and "NOT recorded" in m["provenance"]
