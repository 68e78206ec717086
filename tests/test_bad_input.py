"""Bad scenario input: one clear message naming file, line, field and what is allowed; exit 2."""

from __future__ import annotations

import textwrap

import pytest

from drsim.cli import main
from tests.conftest import run_cli

GOOD = textwrap.dedent("""\
    name: t
    strategy: warm_standby
    regions: {primary: us-east-1, secondary: us-east-2}
    health_check:
      protocol: HTTP
      port: 80
      interval_s: 30
      failure_threshold: 3
    compute: {primary_tasks: 2, standby_tasks: 1, required_tasks: 2}
    runbook:
      - name: promote_database
        duration_s: {dist: lognormal, p50: 300, p95: 900}
      - name: scale_standby
        duration_s: 5
      - name: switch_traffic
        after: [promote_database, scale_standby]
        duration_s: {dist: uniform, low: 0, high: 60}
    datastores:
      - {name: db, kind: aurora_global, replication_lag_s: {dist: fixed, value: 1}}
    """)


CERTS = textwrap.dedent("""\
    security:
      certificate_arns: {
        us-east-1: "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b",
        us-east-2: "arn:aws:acm:us-east-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b"}
    """)


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (scenario text, --set overrides, words the one message must contain)
CASES = {
    "malformed yaml": ("name: t\nstrategy: [warm_standby\n", [], [":3:", "not valid YAML"]),
    "unknown field suggests closest": (edit("  interval_s: 30", "  intervl_s: 30"), [],
                                       [":7:", "health_check.intervl_s", "did you mean 'interval_s'"]),
    "unknown top-level section": (GOOD + "healthcheck: {}\n", [], ["healthcheck", "did you mean 'health_check'"]),
    "wrong type": (edit("failure_threshold: 3", "failure_threshold: three"), [],
                   [":8:", "health_check.failure_threshold", "'three' is not a whole number"]),
    "interval not allowed on aws": (edit("interval_s: 30", "interval_s: 15"), [],
                                    [":7:", "health_check.interval_s: 15 is not one of 10, 30"]),
    "threshold above 10 on aws": (edit("failure_threshold: 3", "failure_threshold: 11"), [],
                                  ["health_check.failure_threshold", "1..10"]),
    "threshold zero": (edit("failure_threshold: 3", "failure_threshold: 0"), [],
                       ["health_check.failure_threshold", "must be >= 1"]),
    "https on port 80 (seed failure 4)": (edit("protocol: HTTP", "protocol: HTTPS"), [],
                                          ["health_check.port", "HTTPS", "443"]),
    "http on port 443": (edit("port: 80", "port: 443"), [], ["health_check.port", "HTTP", "port: 80"]),
    "unknown protocol": (edit("protocol: HTTP", "protocol: HTTP2"), [],
                         ["health_check.protocol", "'HTTP2' is not one of HTTP, HTTPS, TCP"]),
    "after names unknown step": (edit("after: [promote_database, scale_standby]",
                                      "after: [promote_db, scale_standby]"), [],
                                 ["runbook[switch_traffic].after", "unknown step 'promote_db'",
                                  "did you mean 'promote_database'"]),
    "runbook cycle": (GOOD, ["runbook.promote_database.after=[switch_traffic]"],
                      ["runbook[switch_traffic].after", "cycle: switch_traffic -> promote_database -> switch_traffic"]),
    "p95 below p50": (edit("p50: 300, p95: 900", "p50: 300, p95: 100"), [],
                      ["runbook[promote_database].duration_s", "p95 (100.0) is below p50 (300.0)"]),
    "probability above 1": (GOOD, ["runbook.promote_database.failure_probability=1.5"],
                            ["--set runbook.promote_database.failure_probability=1.5",
                             "must be <= 1"]),
    "negative probability": (GOOD, ["dns.ttl_violation_fraction=-0.1"], ["dns.ttl_violation_fraction", "must be >= 0"]),
    "capacity unreachable": (GOOD, ["compute.max_tasks=1"], ["compute.max_tasks", "never carry the load"]),
    "no scale step for a warm standby": (edit("  - name: scale_standby\n    duration_s: 5\n", "")
                                         .replace("after: [promote_database, scale_standby]", "after: [promote_database]"),
                                         [], ["compute.standby_tasks", "scale_standby"]),
    "datastore kind the strategy cannot use": (GOOD, ["strategy=backup_restore", "compute.standby_tasks=0"],
                                               ["backup_restore keeps no live replica", "datastores[db].kind"]),
    "unknown distribution": (edit("{dist: uniform, low: 0, high: 60}", "{dist: normal, mean: 30}"), [],
                             ["dist 'normal' is not one of fixed, uniform, triangular, lognormal, empirical"]),
    "negative dns propagation": (GOOD, ["dns.propagation_s=-5"],
                                 ["dns.propagation_s.fixed.value", "must be >= 0"]),
    "dns propagation not a duration": (GOOD, ["dns.propagation_s=soon"],
                                       ["dns.propagation_s", "'soon'"]),
    "negative standby readiness": (GOOD, ["compute.standby_ready_s=-1"],
                                   ["compute.standby_ready_s.fixed.value", "must be >= 0"]),
    "standby readiness not a duration": (GOOD, ["compute.standby_ready_s=[1]"],
                                         ["compute.standby_ready_s", "[1]"]),
    "distribution missing a parameter": (edit("{dist: fixed, value: 1}", "{dist: fixed}"), [],
                                         ["datastores[db].replication_lag_s.value", "required"]),
    "missing required field": (GOOD.replace("strategy: warm_standby\n", ""), [], ["strategy", "required"]),
    "unknown strategy": (edit("strategy: warm_standby", "strategy: warm"), [],
                         ["'warm' is not one of backup_restore, pilot_light, warm_standby"]),
    "duplicate key": (edit("  port: 80\n", "  port: 80\n  port: 81\n"), [], [":7:", "appears twice", "line 6"]),
    "same region twice": (edit("secondary: us-east-2", "secondary: us-east-1"), [], ["regions.secondary", "same as the primary"]),
    "not an aws region": (edit("primary: us-east-1", "primary: virginia"), [], ["regions.primary", "not an AWS region"]),
    "stuck clients make RTO unreachable": (GOOD, ["dns.stuck_fraction=0.05"], ["dns.stuck_fraction", "never be reached"]),
    "a list where a section belongs": (GOOD, ["dns=[1, 2]"], ["dns", "expected a section"]),
    "--set path that names nothing": (GOOD, ["runbook.promote.duration_s=3"], ["no item named 'promote'", "did you mean 'promote_database'"]),
    "--set without =": (GOOD, ["health_check.interval_s"], ["expected dotted.path=value"]),
    "bounds: lower not below upper": (edit("{dist: fixed, value: 1}", "{dist: fixed, value: 1, lower: 5, upper: 2}"), [],
                                      ["datastores[db].replication_lag_s", "lower (5) must be below upper (2)"]),
    "bounds exclude a uniform": (edit("{dist: uniform, low: 0, high: 60}", "{dist: uniform, low: 20, high: 60, lower: 70}"),
                                 [], ["runbook[switch_traffic].duration_s", "bounds [70, inf] exclude the whole distribution",
                                      "lower below 60 and upper above 20"]),
    "bounds exclude a fixed value": (GOOD, ["datastores.db.replication_lag_s={dist: fixed, value: 1, upper: 0.5}"],
                                     ["datastores.db.replication_lag_s", "fixed value 1 lies outside",
                                      "lower <= value <= upper"]),
    "bounds leave a lognormal no mass": (edit("p50: 300, p95: 900", "p50: 300, p95: 900, lower: 1.0e+15"), [],
                                         ["runbook[promote_database].duration_s", "numerically zero"]),
    "negative bound": (edit("{dist: uniform, low: 0, high: 60}", "{dist: uniform, low: 0, high: 60, lower: -3}"), [],
                       ["runbook[switch_traffic].duration_s.lower", "must be >= 0"]),
    "rtc bound leaves the s3 lag nothing": (
        edit("  - {name: db, kind: aurora_global, replication_lag_s: {dist: fixed, value: 1}}\n",
             "  - {name: db, kind: aurora_global, replication_lag_s: {dist: fixed, value: 1}}\n"
             "  - {name: assets, kind: s3_crr, rtc: true, replication_lag_s: {dist: uniform, low: 1000, high: 2000}}\n"),
        [], ["datastores[assets].rtc", "bounds the lag at 900 s", "or rtc: false"]),
    "top level not a mapping": ("- just\n- a list\n", [], ["a scenario is a mapping"]),
    "empty file": ("", [], ["is empty"]),
    "comments only": ("# nothing here\n", [], ["holds no YAML document"]),
    "rto_metric not one of the names": (GOOD + "objectives: {rto_metric: fastest}\n", [],
                                        [":20:", "objectives.rto_metric",
                                         "'fastest' is not one of clients, probe"]),
    "fences_primary on a step that does not promote": (
        GOOD, ["runbook.switch_traffic.fences_primary=true"],
        ["runbook[switch_traffic].fences_primary", "only a promote_database step",
         "action: switch_traffic", "action: fence_primary"]),
    "failback not one of the names": (GOOD, ["dns.failback=sometimes"],
                                      ["dns.failback", "'sometimes' is not one of automatic, manual"]),
    "probe interval zero": (GOOD, ["probe.interval_s=0"],
                            ["--set probe.interval_s=0", "probe.interval_s", "must be > 0"]),
    "region outage p95 below p50": (
        GOOD + "objectives: {region_outage_s: {dist: lognormal, p50: 3600, p95: 1800}}\n", [],
        [":20:", "objectives.region_outage_s", "p95 (1800.0) is below p50 (3600.0)"]),
    "region outage negative": (GOOD, ["objectives.region_outage_s=-5"],
                               ["objectives.region_outage_s", "-5 is out of range; must be >= 0"]),
    "region outage not a duration": (GOOD, ["objectives.region_outage_s=forever"],
                                     ["objectives.region_outage_s", "got 'forever'"]),
    "unknown alarm source": (GOOD + "alarm: {source: canary}\n", [],
                             [":20:", "alarm.source",
                              "'canary' is not one of health_url, alb_5xx, db_writes, none"]),
    "unknown treat_missing_data": (GOOD, ["alarm.treat_missing_data=breach"],
                                   ["--set alarm.treat_missing_data=breach",
                                    "alarm.treat_missing_data",
                                    "'breach' is not one of not_breaching, breaching, ignore, "
                                    "missing"]),
    # The one alarm source no fault can change, where the failover waits for it.
    "no alarm but a manual decision": (GOOD + "alarm: {source: none}\ndecision: {mode: manual}\n",
                                       [], ["alarm.source", "'none' is an alarm no fault can change",
                                            "decision.mode: manual pages on the alarm",
                                            "allowed: health_url, alb_5xx, db_writes"]),
    # Certificates for the AWS stack's HTTPS listeners (issue 16).
    "certificate of another region": (
        edit("protocol: HTTP\n  port: 80", "protocol: HTTPS\n  port: 443") + CERTS.replace(
            "acm:us-east-2", "acm:us-west-2"), [],
        ["security.certificate_arns.us-east-2", "the certificate is in us-west-2",
         "needs a certificate of its own region"]),
    "certificate for one region only": (
        edit("protocol: HTTP\n  port: 80", "protocol: HTTPS\n  port: 443")
        + CERTS.split("\n    us-east-2")[0] + "}\n", [],
        ["security.certificate_arns", "names regions us-east-1",
         "for each of the scenario's regions: us-east-1, us-east-2"]),
    "not a certificate ARN": (
        edit("protocol: HTTP\n  port: 80", "protocol: HTTPS\n  port: 443")
        + CERTS.replace("certificate/", "cert/"), [],
        ["security.certificate_arns.us-east-1", "is not an ACM certificate ARN"]),
    "an HTTP check that sees only the redirect": (
        GOOD + CERTS, [],
        ["health_check.protocol", "Route 53 counts the redirect as healthy",
         "use protocol: HTTPS with port: 443"]),
    "a TLS 1.0 policy": (
        edit("protocol: HTTP\n  port: 80", "protocol: HTTPS\n  port: 443") + CERTS,
        ["security.tls_policy=ELBSecurityPolicy-2016-08"],
        ["security.tls_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06"]),
    "an unknown key choice": (GOOD, ["security.kms_keys=customer"],
                              ["security.kms_keys", "aws_managed, customer_managed"]),
    "an enhanced monitoring interval RDS refuses": (
        GOOD, ["security.enhanced_monitoring_interval_s=20"],
        ["security.enhanced_monitoring_interval_s", "0, 1, 5, 10, 15, 30, 60"]),
    "no alarm but an automatic failover on it": (
        GOOD, ["alarm.source=none", "decision.trigger=alarm"],
        ["alarm.source", "no fault can change", "decision.trigger: alarm starts the failover",
         "trigger: health_check"]),
    # issue 17: the workload every write rate derives from
    "a write share above 1": (
        GOOD + "workload: {requests_per_s: 50}\n", ["datastores.db.write_share=1.5"],
        ["datastores[db].write_share", "out of range; must be <= 1"]),
    "a negative write share": (
        GOOD + "workload: {requests_per_s: 50}\n", ["datastores.db.write_share=-0.1"],
        ["datastores[db].write_share", "out of range; must be >= 0"]),
    "a write share without a workload": (
        GOOD, ["datastores.db.write_share=0.1"],
        ["datastores[db].write_share", "no workload section", "workload.requests_per_s"]),
    "a write rate with no traffic": (
        GOOD + "workload: {requests_per_s: 0}\n", ["datastores.db.write_rate_per_s=5"],
        ["datastores[db].write_rate_per_s", "no traffic behind them", "allowed: 0"]),
    "more writes than requests without a reason": (
        GOOD + "workload: {requests_per_s: 50}\n", ["datastores.db.write_rate_per_s=200"],
        ["datastores[db].write_rate_per_s", "more than the 50 requests/s", "write_rate_reason"]),
    "a rate both pinned and derived": (
        GOOD + "workload: {requests_per_s: 50}\n",
        ["datastores.db.write_share=0.1", "datastores.db.write_rate_per_s=3"],
        ["datastores[db].write_rate_per_s", "write_share derives it too", "one of them"]),
    "a log retention CloudWatch Logs does not offer": (
        GOOD, ["usage.task_log_retention_days=45"],
        ["usage.task_log_retention_days", "45 is not one of", "30, 60"]),
    "items per write on a pinned rate (no effect)": (
        GOOD + "workload: {requests_per_s: 50}\n", ["datastores.db.items_per_write=3"],
        ["datastores[db].items_per_write", "has no effect", "write_share with it"]),
    "a reason for a derived rate (no effect)": (
        GOOD + "workload: {requests_per_s: 50}\n",
        ["datastores.db.write_share=0.1", "datastores.db.write_rate_reason=batch import"],
        ["datastores[db].write_rate_reason", "follows from write_share", "leave it out"]),
    "a profile that does not average to the mean": (
        GOOD + "workload: {requests_per_s: 50, hourly_requests_per_s: [60" + ", 60" * 23 + "]}\n",
        [], ["workload", "averages 60", "requests_per_s is 50", "whose average is requests_per_s"]),
    "a profile of 12 hours": (
        GOOD + "workload: {requests_per_s: 50, hourly_requests_per_s: [50" + ", 50" * 11 + "]}\n",
        [], ["workload", "12 values", "exactly 24"]),
    "a usage rate the workload contradicts": (
        GOOD + "workload: {requests_per_s: 50}\n", ["usage.requests_per_s=200"],
        ["usage.requests_per_s", "contradicts the workload's 50", "leave it out"]),
}


def _validate(tmp_path, text, overrides, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    args = ["validate", str(path)]
    for o in overrides:
        args += ["--set", o]
    status = main(args)
    out = capsys.readouterr()
    return status, out, path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_one_clear_message_and_exit_2(case, tmp_path, capsys):
    text, overrides, words = CASES[case]
    status, out, path = _validate(tmp_path, text, overrides, capsys)
    assert status == 2
    assert out.out == ""
    assert str(path) in out.err
    for w in words:
        assert w in out.err, f"{w!r} not in {out.err!r}"
    assert "Traceback" not in out.err


def test_there_are_at_least_20_distinct_bad_inputs():
    assert len(CASES) >= 20


def test_the_good_text_is_good(tmp_path, capsys):
    status, out, _ = _validate(tmp_path, GOOD, [], capsys)
    assert status == 0, out.err


def test_plain_http_is_valid_with_a_warning_and_https_with_certificates_without(tmp_path,
                                                                                 capsys):
    status, out, _ = _validate(tmp_path, GOOD, [], capsys)
    assert status == 0 and "security.certificate_arns: empty: infra/ deploys plain-HTTP" in out.err
    https = edit("protocol: HTTP\n  port: 80", "protocol: HTTPS\n  port: 443") + CERTS
    status, out, _ = _validate(tmp_path, https, [], capsys)
    assert status == 0 and "warning" not in out.err, out.err


def test_missing_file_and_directory(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_binary_file(tmp_path, capsys):
    p = tmp_path / "x.yaml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["validate", str(p)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_as_a_process_no_traceback_and_nothing_written(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit("interval_s: 30", "interval_s: 15"))
    out = tmp_path / "trials.csv"
    timeline = tmp_path / "timeline.csv"
    proc = run_cli("simulate", bad, "--trials", 10, "--out", out, "--timeline", timeline)
    assert proc.returncode == 2
    assert "health_check.interval_s: 15 is not one of 10, 30" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_usage_errors_exit_2_without_traceback():
    proc = run_cli("simulate")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run_cli("simulate", "seed-warm-standby", "--trials", "many")
    assert proc.returncode == 2 and "invalid int value" in proc.stderr


NO_PARQUET = """
import sys
sys.modules["pyarrow"] = None      # as if neither Parquet engine were installed
sys.modules["fastparquet"] = None
from drsim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_parquet_without_pyarrow_says_so_before_simulating_and_writes_nothing(tmp_path):
    """100 million trials would run for hours: an answer within the timeout means the
    check came before the simulation."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", NO_PARQUET, "simulate", "seed-warm-standby",
                           "--trials", "100000000", "--out", "trials.parquet",
                           "--timeline", "timeline.csv"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2
    assert proc.stderr == ("drsim simulate: --out trials.parquet: writing Parquet needs pyarrow, "
                           "which is not installed; install it with pip install "
                           "'drsim[parquet]' (or pip install pyarrow), or write .csv instead\n")
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_parquet_with_pyarrow_writes_the_trials(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "trials.parquet"
    assert main(["simulate", "seed-warm-standby", "--trials", "30", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 30
