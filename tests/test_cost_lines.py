"""Each cost line of the seed scenario against arithmetic done by hand.

The expected figures below are written out from the scenario file, its usage
block and the price tables of 2026-12-05 (the 2026-11-28 rows, plus CloudWatch Logs and
KMS; quantity x USD per unit), not taken
from the code's output: a change of formula, unit or price row fails here.
"""

from __future__ import annotations

import pytest

from drsim import load_scenario
from drsim.cost import price_scenario
from tests.conftest import SCENARIOS

P, S, G = "us-east-1", "us-east-2", "global"

# (service, region, words in the item, quantity, USD per unit, USD per month), by hand:
# 730 h/month; 2,628,000 s/month; 1 GB = 10^6 KB.
SEED_LINES = [
    # 3 tasks x 0.5 vCPU x 730 h; 3 tasks x 1 GB x 730 h; 1 standby task likewise
    ("ECS Fargate", P, "Linux/x86 vCPU", 1095, 0.04048, 44.3256),
    ("ECS Fargate", P, "Linux/x86 memory", 2190, 0.004445, 9.73455),
    ("ECS Fargate", S, "Linux/x86 vCPU", 365, 0.04048, 14.7752),
    ("ECS Fargate", S, "Linux/x86 memory", 730, 0.004445, 3.24485),
    # ALB in both regions; LCU: 50 req/s x 22 KB x 3600 s / 10^6 = 3.96 GB/h = 3.96 LCU,
    # above 10/25 new connections and 200/3000 active connections; the standby gets no traffic
    ("Elastic Load Balancing", P, "Application Load Balancer hour", 730, 0.0225, 16.425),
    ("Elastic Load Balancing", S, "Application Load Balancer hour", 730, 0.0225, 16.425),
    ("Elastic Load Balancing", P, "ALB LCU", 2890.8, 0.008, 23.1264),
    ("VPC", P, "NAT gateway hour", 730, 0.045, 32.85),
    ("VPC", S, "NAT gateway hour", 730, 0.045, 32.85),
    # NAT data: 50 GB assumed + the workload's DynamoDB items and S3 uploads, which cross the
    # gateway (no VPC endpoints): (10 writes/s x (1 + 1 read) x 1 KB + 0.25 objects/s x 256 KB)
    # x 2,628,000 s / 10^6 = 220.752 GB in the primary, which serves every request
    ("VPC", P, "NAT gateway data processed", 270.752, 0.045, 12.18384),
    ("VPC", S, "NAT gateway data processed", 50, 0.045, 2.25),
    # each gateway's Elastic IP, a public IPv4 address: 730 h x $0.005 (the 2026-12-05.2 tables)
    ("VPC", P, "public IPv4 addresses of the NAT gateways", 730, 0.005, 3.65),
    ("VPC", S, "public IPv4 addresses of the NAT gateways", 730, 0.005, 3.65),
    # each ALB's public addresses, one per AZ of the two infra/ enables: 2 x 730 h x $0.005
    ("VPC", P, "public IPv4 addresses of the ALB (2 addresses", 1460, 0.005, 7.3),
    ("VPC", S, "public IPv4 addresses of the ALB (2 addresses", 1460, 0.005, 7.3),
    # Aurora: 2 x db.r6g.large per region; 100 GB volume each;
    # orders_db writes: 50 requests/s x 0.05 write_share x 1 item = 2.5/s (the workload);
    # I/O (2.5 writes/s x 1 + 20 reads/s) x 2,628,000 s = 59.13 M; replicated 6.57 M
    ("Aurora PostgreSQL", P, "orders_db: db.r6g.large", 1460, 0.26, 379.6),
    ("Aurora PostgreSQL", S, "orders_db: db.r6g.large", 1460, 0.26, 379.6),
    ("Aurora PostgreSQL", P, "orders_db: storage", 100, 0.1, 10.0),
    ("Aurora PostgreSQL", S, "orders_db: storage", 100, 0.1, 10.0),
    ("Aurora PostgreSQL", P, "orders_db: I/O requests", 59.13, 0.2, 11.826),
    ("Aurora PostgreSQL", S, "orders_db: Global Database replicated write I/O", 6.57, 0.2, 1.314),
    # DynamoDB sessions: 50 requests/s x 0.2 = 10 writes/s x 2,628,000 s = 26.28 M writes of 1 KB
    ("DynamoDB", P, "sessions: on-demand write request units", 26.28, 0.625, 16.425),
    ("DynamoDB", P, "sessions: on-demand read request units", 26.28, 0.125, 3.285),
    ("DynamoDB", S, "sessions: global tables replicated write", 26.28, 0.625, 16.425),
    ("DynamoDB", P, "sessions: storage", 5, 0.25, 1.25),
    ("DynamoDB", S, "sessions: storage", 5, 0.25, 1.25),
    ("DynamoDB", P, "sessions: continuous backup (PITR)", 5, 0.2, 1.0),
    ("DynamoDB", S, "sessions: continuous backup (PITR)", 5, 0.2, 1.0),
    # S3 assets: 500 GB in each region; 50 requests/s x 0.005 = 0.25 objects/s x 2,628,000 s
    # = 657,000 replication PUTs
    ("S3", P, "assets: S3 Standard storage", 500, 0.023, 11.5),
    ("S3", S, "assets: S3 Standard storage", 500, 0.023, 11.5),
    ("S3", S, "assets: replication PUT requests", 657, 0.005, 3.285),
    # Daily backups kept 7 days: 100 GB x (1 + 6 x 0.05) = 130 GB, in each region
    ("AWS Backup", P, "snapshots: Aurora snapshot storage", 130, 0.021, 2.73),
    ("AWS Backup", S, "snapshots: Aurora snapshot storage", 130, 0.021, 2.73),
    # Inter-region transfer at $0.01/GB us-east-1 <-> us-east-2
    ("Data Transfer", P, "VPC peering traffic to us-east-2", 10, 0.01, 0.1),
    ("Data Transfer", S, "VPC peering traffic to us-east-1", 10, 0.01, 0.1),
    ("Data Transfer", P, "orders_db: Global Database replication", 26.28, 0.01, 0.2628),  # 2.5 x 4 KB
    ("Data Transfer", P, "sessions: global table replication", 26.28, 0.01, 0.2628),  # 10 x 1 KB
    ("Data Transfer", P, "assets: cross-region replication", 168.192, 0.01, 1.68192),  # 0.25 x 256 KB
    # 2,628,000 / 86,400 = 30.41667 copies a month x 100 GB x 0.05 changed
    ("Data Transfer", P, "snapshots: cross-region backup copies", 152.083333, 0.01, 1.520833),
    ("Route 53", G, "hosted zone", 1, 0.5, 0.5),
    ("Route 53", G, "alias queries", 26.28, 0.0, 0.0),  # 10/s x 2,628,000 s; alias is free
    ("Route 53", G, "basic health check", 1, 0.5, 0.5),  # HTTP, 30 s: no paid option
    # two service alarms per region; the failover alarm and its probe in the secondary
    ("CloudWatch", P, "service alarms, standard", 2, 0.1, 0.2),
    ("CloudWatch", S, "service alarms, standard", 2, 0.1, 0.2),
    ("CloudWatch", S, "failover alarm, standard", 1, 0.1, 0.1),
    # the game day's guard alarm (the FIS stop condition), standing in the primary
    ("CloudWatch", P, "game day guard alarm, standard", 1, 0.1, 0.1),
    ("CloudWatch Synthetics", S, "failover probe", 43800, 0.0012, 52.56),  # 2,628,000 s / 60 s
    ("CloudWatch Synthetics", P, "standby probe", 8760, 0.0012, 10.512),  # 730 h x 12 runs/h
    ("EventBridge", P, "custom events published", 2.628, 1.0, 2.628),
    ("EventBridge", P, "forwarded to us-east-2", 2.628, 1.0, 2.628),
    ("Step Functions", S, "failover runbook state transitions", 0.004, 0.025, 0.0001),  # 3 steps + end
    # the Aurora master secret in the primary and its replica in the secondary, $0.40 each
    ("Secrets Manager", P, "database master secret (", 1, 0.4, 0.4),
    ("Secrets Manager", S, "database master secret, replica", 1, 0.4, 0.4),
    # Log buckets, kept 90 d + 7 d of old versions, over 730 / 24 = 30.41667 d a month:
    # us-east-1: ALB 50 req/s x 2,628,000 s x 100 B = 13.14 GB; S3 (0.25 objects/s x 2,628,000 s
    # + 8,760 standby-probe runs x 4 requests) x 400 B = 0.276816 GB a month
    ("S3", P, "access logs in the log bucket", 42.7867776, 0.023, 0.9840958848),
    # us-east-2: no ALB traffic; (657,000 replicas + 43,800 failover-probe runs x 4) x 400 B
    ("S3", S, "access logs in the log bucket", 1.061568, 0.023, 0.024416064),
    # Enhanced Monitoring: 2 instances x 2,628,000 s / 60 s x 8 KB = 0.7008 GB a month,
    # kept 30 d: 0.7008 x 30 / 30.41667 = 0.6912 GB-month
    ("CloudWatch Logs", P, "Enhanced Monitoring OS metrics, log data ingested", 0.7008, 0.5,
     0.3504),
    ("CloudWatch Logs", S, "Enhanced Monitoring OS metrics, log data ingested", 0.7008, 0.5,
     0.3504),
    ("CloudWatch Logs", P, "Enhanced Monitoring OS metrics, log storage", 0.6912, 0.03, 0.020736),
    # the tasks' access logs: 50 requests/s x 2,628,000 s x 200 B = 26.28 GB, kept 30 d:
    # 26.28 x 30 / 30.41667 = 25.92 GB-month; VPC flow logs: (10 connections/s x 2,628,000 s
    # + 43,800 runs of the failover probe connecting from us-east-2) x 300 B = 7.89714 GB,
    # kept 731 d: 189.790992 GB-month; us-east-2 serves no one, but the standby probe's
    # 8,760 runs connect there: 0.002628 GB
    ("CloudWatch Logs", P, "task access logs, log data ingested", 26.28, 0.5, 13.14),
    ("CloudWatch Logs", P, "task access logs, log storage", 25.92, 0.03, 0.7776),
    ("CloudWatch Logs", P, "VPC flow logs, log data ingested", 7.89714, 0.5, 3.94857),
    ("CloudWatch Logs", P, "VPC flow logs, log storage", 189.790992, 0.03, 5.69372976),
    ("CloudWatch Logs", S, "VPC flow logs, log data ingested", 0.002628, 0.5, 0.001314),
    ("CloudWatch Logs", S, "VPC flow logs, log storage", 0.0631584, 0.03, 0.001894752),
    # Container Insights on both clusters: 30 metrics each at $0.30, and the tasks'
    # performance events: 3 (1) tasks x 730 h x 60 min x 2 KB = 0.2628 (0.0876) GB
    ("CloudWatch", P, "Container Insights metrics", 30, 0.3, 9.0),
    ("CloudWatch", S, "Container Insights metrics", 30, 0.3, 9.0),
    ("CloudWatch Logs", P, "Container Insights performance log events", 0.2628, 0.5, 0.1314),
    ("CloudWatch Logs", S, "Container Insights performance log events", 0.0876, 0.5, 0.0438),
    ("CloudWatch Logs", S, "Enhanced Monitoring OS metrics, log storage", 0.6912, 0.03, 0.020736),
]


@pytest.fixture(scope="module")
def seed():
    return price_scenario(load_scenario(SCENARIOS / "seed-warm-standby.yaml"))


def _find(breakdown, service, region, words):
    found = [ln for ln in breakdown.lines
             if ln.service == service and ln.region == region and words in ln.item]
    assert len(found) == 1, f"{service} {region} {words!r}: {len(found)} lines match"
    return found[0]


@pytest.mark.parametrize("service,region,words,quantity,usd_per_unit,monthly_usd", SEED_LINES,
                         ids=[f"{s}|{r}|{w}" for s, r, w, *_ in SEED_LINES])
def test_seed_line_by_hand(seed, service, region, words, quantity, usd_per_unit, monthly_usd):
    line = _find(seed, service, region, words)
    assert line.quantity == pytest.approx(quantity, rel=1e-6)
    assert line.usd_per_unit == usd_per_unit
    assert line.monthly_usd == pytest.approx(monthly_usd, rel=1e-6, abs=1e-9)
    assert line.source  # every line keeps its price row's source


def test_seed_has_exactly_these_lines(seed):
    assert len(seed.lines) == len(SEED_LINES)


def _hand_sum(region=None, service=None):
    return sum(m for s, r, _, _, _, m in SEED_LINES
               if region in (None, r) and service in (None, s))


def test_seed_total_is_the_hand_sum(seed):
    # 72.0802 Fargate + 55.9764 ALB + 102.03384 VPC (NAT, its and the ALBs' addresses)
    # + 792.34 Aurora + 40.635 DynamoDB + 27.293512 S3 (26.285 data + 1.008512 access logs)
    # + 5.46 Backup + 3.928353 transfer + 1.0 Route 53 + 18.6 CloudWatch + 24.480581
    # CloudWatch Logs + 63.072 canaries + 5.256 EventBridge + 0.0001 Step Functions
    # + 0.8 Secrets Manager
    assert seed.monthly_usd == pytest.approx(1212.955986, abs=1e-5)
    assert seed.yearly_usd == pytest.approx(12 * 1212.955986, abs=1e-4)
    assert seed.by_region == pytest.approx({r: _hand_sum(region=r) for r in (P, S, G)})
    assert seed.by_service["Aurora PostgreSQL"] == pytest.approx(792.34)
    assert seed.by_service["DynamoDB"] == pytest.approx(40.635)
    assert seed.by_service == pytest.approx(
        {name: _hand_sum(service=name) for name in {ln[0] for ln in SEED_LINES}})


def test_dr_spend_is_the_secondary_plus_replication_and_failover(seed):
    # Everything in us-east-2, plus in us-east-1 the inter-region transfer (3.828353),
    # the forwarded events (2.628), the standby probe (10.512) and the game day's guard
    # alarm (0.1), plus the health check (0.5).
    assert seed.dr_monthly_usd == pytest.approx(_hand_sum(region=S) + 3.828353 + 2.628
                                                + 10.512 + 0.1 + 0.5, abs=1e-5)
    assert seed.dr_yearly_usd == pytest.approx(12 * seed.dr_monthly_usd)


def test_records_become_a_table(seed):
    import pandas as pd

    df = pd.DataFrame(seed.records())
    assert len(df) == len(SEED_LINES)
    assert df["monthly_usd"].sum() == pytest.approx(seed.monthly_usd)
    assert df.loc[df["dr"], "monthly_usd"].sum() == pytest.approx(seed.dr_monthly_usd)
    assert df["unconfirmed"].sum() == len(seed.unconfirmed_lines)
    assert set(df["table"]) == set(seed.tables.values())


def test_options_of_the_health_check_are_priced():
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml",
                      ["health_check.protocol=HTTPS", "health_check.port=443",
                       "health_check.interval_s=10", "health_check.string_match=true"])
    line = _find(price_scenario(s), "Route 53", G, "optional health-check feature")
    assert line.quantity == 3 and line.monthly_usd == pytest.approx(3.0)  # 1 check x 3 x $1


def test_high_resolution_failover_alarm():
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml", ["alarm.period_s=10"])
    b = price_scenario(s)
    assert _find(b, "CloudWatch", S, "failover alarm, high-resolution").monthly_usd == \
        pytest.approx(0.3)
    assert _find(b, "CloudWatch", P, "service alarms, high-resolution").monthly_usd == \
        pytest.approx(0.6)  # 2 x $0.30
    # the probe feeding a 10 s alarm runs every 10 s: 262,800 runs x $0.0012
    assert _find(b, "CloudWatch Synthetics", S, "failover probe").monthly_usd == \
        pytest.approx(315.36)


def test_rtc_fee_on_replicated_gigabytes():
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml", ["datastores.assets.rtc=true"])
    line = _find(price_scenario(s), "S3", P, "Replication Time Control")
    assert line.quantity == pytest.approx(168.192)  # 657,000 objects x 256 KB
    assert line.monthly_usd == pytest.approx(2.52288)  # x $0.015/GB
    # RTC turns on the 4 replication metrics, billed as custom metrics at $0.30
    metrics = _find(price_scenario(s), "CloudWatch", P, "S3 replication metrics")
    assert metrics.quantity == 4 and metrics.monthly_usd == pytest.approx(1.2)


def test_arm_fargate_and_extra_ephemeral_storage():
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml",
                      ["usage.fargate_cpu_architecture=arm64",
                       "usage.fargate_ephemeral_storage_gb=50"])
    b = price_scenario(s)
    assert _find(b, "ECS Fargate", P, "Linux/ARM vCPU").monthly_usd == pytest.approx(1095 * 0.03238)
    eph = _find(b, "ECS Fargate", S, "ephemeral storage")
    assert eph.quantity == pytest.approx(1 * 30 * 730)  # 1 task x 30 GB above 20 x 730 h
    assert eph.monthly_usd == pytest.approx(21900 * 0.000111)


def test_hourly_backups_and_the_primary_database_of_backup_restore():
    b = price_scenario(load_scenario(SCENARIOS / "backup-restore.yaml"))
    # 7 days of hourly backups: 168 kept, each 0.05 / 24 of 100 GB new
    stored = 100 * (1 + 167 * 0.05 / 24)
    assert _find(b, "AWS Backup", S, "orders_db").quantity == pytest.approx(stored)
    # the Aurora cluster the backups protect, in the primary only
    assert _find(b, "Aurora PostgreSQL", P, "orders_db: db.r6g.large").monthly_usd == \
        pytest.approx(379.6)
    assert not [ln for ln in b.lines if ln.service == "Aurora PostgreSQL" and ln.region == S]
    # nothing of the service runs in the secondary before the disaster; only the probe and
    # alarm that page people about the primary do
    assert not [ln for ln in b.lines if ln.region == S and ln.service in
                ("ECS Fargate", "Elastic Load Balancing", "VPC")]
    assert {ln.item.split(" (")[0] for ln in b.lines
            if ln.region == S and ln.service.startswith("CloudWatch")} == {
        "failover probe of the primary, canary runs", "failover alarm, standard"}


def test_pilot_light_keeps_one_aurora_instance_and_no_tasks():
    b = price_scenario(load_scenario(SCENARIOS / "pilot-light.yaml"))
    assert _find(b, "Aurora PostgreSQL", S, "db.r6g.large").quantity == 730
    assert not [ln for ln in b.lines if ln.service == "ECS Fargate" and ln.region == S]
    # manual routing still watches the primary with one health check
    assert _find(b, "Route 53", G, "basic health check").quantity == 1


def test_active_active_splits_traffic_and_writes():
    b = price_scenario(load_scenario(SCENARIOS / "active-active.yaml"))
    # half the 3.96 LCU in each region
    for region in (P, S):
        assert _find(b, "Elastic Load Balancing", region, "ALB LCU").quantity == \
            pytest.approx(1.98 * 730)
        # sessions: 5 of the 10 writes/s originate in each region and are replicated to the other
        assert _find(b, "DynamoDB", region, "sessions: on-demand write").quantity == \
            pytest.approx(13.14)
        assert _find(b, "DynamoDB", region, "sessions: global tables replicated").quantity == \
            pytest.approx(13.14)
        assert _find(b, "ECS Fargate", region, "vCPU").quantity == 3 * 0.5 * 730
    assert _find(b, "Route 53", G, "basic health check").quantity == 2  # one per region


def test_unconfirmed_prices_are_reported(seed):
    flagged = {(ln.service, ln.region, ln.item) for ln in seed.unconfirmed_lines}
    aurora = "orders_db: db.r6g.large on-demand (Aurora Standard) (2 instances x 730 h)"
    # The Aurora instance rate is confirmed for us-east-1 (the 2026-12-05.3 table, AWS's
    # own agent toolkit) but not for us-east-2, whose table is still 2026-12-05.2.
    assert ("Aurora PostgreSQL", S, aurora) in flagged
    assert ("Aurora PostgreSQL", P, aurora) not in flagged
    assert all(ln.unconfirmed == ("unconfirmed" in ln.source.lower()) for ln in seed.lines)
    assert len(seed.unconfirmed_lines) == 25
    # 521.56 of 1,212.96 USD: the secondary's two on-demand Aurora instances (379.60) dominate
    assert seed.unconfirmed_share == pytest.approx(
        sum(ln.monthly_usd for ln in seed.unconfirmed_lines) / seed.monthly_usd)
    assert 0.42 < seed.unconfirmed_share < 0.44
    # ... and the other lines on them: S3 storage of both log buckets, and us-east-2's
    # CloudWatch Logs rates (assumed equal to us-east-1's)
    assert sum(ln.monthly_usd for ln in seed.unconfirmed_lines) == pytest.approx(
        14.7752 + 3.24485 + 379.6 + 10 + 1.314 + 1.25 * 2 + 16.425 + 1.0 + 11.5 * 2 + 3.285
        + 2.73 + 0.2 + 0.1 + 52.56 + 0.9840958848 + 0.024416064 + 0.3504 + 0.020736
        + 0.4 + 0.001314 + 0.001894752  # us-east-2's secret and logs rates, assumed = us-east-1's
        + 9.0 + 0.0438)  # and its custom-metric rate


def test_customer_managed_keys_are_one_key_month_and_their_requests_per_region(seed):
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml", ["security.kms_keys=customer_managed"])
    b = price_scenario(s)
    for region in (P, S):
        key = _find(b, "KMS", region, "customer managed key (")
        assert (key.quantity, key.usd_per_unit, key.monthly_usd) == (1, 1.0, 1.0)
        requests = _find(b, "KMS", region, "customer managed key requests")
        assert requests.quantity == pytest.approx(1.0)  # 10,000 requests / 10,000
        assert requests.monthly_usd == pytest.approx(0.03)
    assert requests.unconfirmed and not key.unconfirmed  # us-east-2's request rate is assumed
    assert b.monthly_usd == pytest.approx(seed.monthly_usd + 2 * 1.03)
    assert not [ln for ln in seed.lines if ln.service == "KMS"]  # aws_managed: no charge


def test_enhanced_monitoring_off_prices_no_log_lines(seed):
    s = load_scenario(SCENARIOS / "seed-warm-standby.yaml",
                      ["security.enhanced_monitoring_interval_s=0"])
    b = price_scenario(s)
    assert not [ln for ln in b.lines if "Enhanced Monitoring" in ln.item]
    assert b.monthly_usd == pytest.approx(seed.monthly_usd - 2 * (0.3504 + 0.020736))
