"""``drsim prices refresh`` against recorded Price List API answers.

moto has no Pricing backend, so the boto3 client is driven by
``botocore.stub.Stubber``. The answers below have the documented ``get_products``
shape (``FormatVersion: aws_v1``; ``PriceList`` items are JSON strings with
``product.attributes.usagetype`` and ``terms.OnDemand.*.priceDimensions``); they
are written down from that format, as this machine cannot reach AWS.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber

from drsim import load_scenario
from drsim.bundled import prices_dir
from drsim.cli import main
from drsim.cost import price_scenario
from drsim.cost.prices import load_table
from drsim.cost.refresh import _region_prefix_stripped, refresh_prices
from drsim.errors import DrsimError
from tests.conftest import ROOT, SCENARIOS, run_cli

PRICES = prices_dir()
TODAY = dt.date(2027, 1, 15)
REGION = "us-east-2"


def _item(code, usagetype, usd, unit, sku, family="Compute", begin="0", **attrs):
    term = f"{sku}.JRTCKXETXF"
    return json.dumps({
        "product": {"productFamily": family, "sku": sku,
                    "attributes": {"servicecode": code, "regionCode": REGION,
                                   "location": "US East (Ohio)", "usagetype": usagetype,
                                   **attrs}},
        "serviceCode": code,
        "terms": {"OnDemand": {term: {
            "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-12-01T00:00:00Z",
            "priceDimensions": {f"{term}.6YS6EN2CT7": {
                "rateCode": f"{term}.6YS6EN2CT7", "description": f"{usagetype} price",
                "unit": unit, "beginRange": begin, "endRange": "Inf",
                "pricePerUnit": {"USD": usd}}},
            "termAttributes": {}}}},
        "version": "20261201000000", "publicationDate": "2026-12-01T00:00:00Z"})


def _filters(**extra):
    out = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": REGION}]
    return out + [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in sorted(extra.items())]


# One answer per query, in the order refresh asks (grouped by service and filters).
RECORDED = [
    ("AmazonECS", _filters(), [
        [_item("AmazonECS", "USE2-Fargate-vCPU-Hours:perCPU", "0.0404800000", "hours", "ECS1"),
         _item("AmazonECS", "USE2-SpotUsage:Fargate-vCPU-Hours:perCPU", "0.0121440000", "hours",
               "ECS2"),
         _item("AmazonECS", "USE2-Fargate-GB-Hours", "0.0044450000", "hours", "ECS3")],
        # second page (NextToken): ARM and ephemeral storage
        [_item("AmazonECS", "USE2-Fargate-ARM-vCPU-Hours:perCPU", "0.0323800000", "hours",
               "ECS4"),
         _item("AmazonECS", "USE2-Fargate-ARM-GB-Hours", "0.0035600000", "hours", "ECS5"),
         _item("AmazonECS", "USE2-Fargate-EphemeralStorage-GB-Hours", "0.0001110000", "hours",
               "ECS6")],
    ]),
    ("AWSELB", _filters(productFamily="Load Balancer-Application"), [[
        _item("AWSELB", "USE2-LoadBalancerUsage", "0.0225000000", "Hrs", "ELB1",
              family="Load Balancer-Application"),
        _item("AWSELB", "USE2-LCUUsage", "0.0080000000", "LCU-Hrs", "ELB2",
              family="Load Balancer-Application")]]),
    ("AmazonEC2", _filters(productFamily="NAT Gateway"), [[
        _item("AmazonEC2", "USE2-NatGateway-Hours", "0.0450000000", "Hrs", "NAT1",
              family="NAT Gateway"),
        _item("AmazonEC2", "USE2-NatGateway-Bytes", "0.0450000000", "GB", "NAT2",
              family="NAT Gateway")]]),
    ("AmazonRDS", _filters(databaseEngine="Aurora PostgreSQL", instanceType="db.r6g.large"), [[
        # the I/O-Optimized product of the same class must not be taken for Aurora Standard
        _item("AmazonRDS", "USE2-InstanceUsageIOOptimized:db.r6g.large", "0.3380000000", "Hrs",
              "RDS0", family="Database Instance"),
        _item("AmazonRDS", "USE2-InstanceUsage:db.r6g.large", "0.2600000000", "Hrs", "RDS1",
              family="Database Instance")]]),
    ("AmazonRDS", _filters(databaseEngine="Aurora PostgreSQL", instanceType="db.r7g.large"), [[
        _item("AmazonRDS", "USE2-InstanceUsage:db.r7g.large", "0.2760000000", "Hrs", "RDS2",
              family="Database Instance")]]),
    ("AmazonS3", _filters(volumeType="Standard"), [[
        _item("AmazonS3", "USE2-TimedStorage-ByteHrs", "0.0230000000", "GB-Mo", "S3A",
              family="Storage"),
        _item("AmazonS3", "USE2-TimedStorage-ByteHrs", "0.0220000000", "GB-Mo", "S3B",
              family="Storage", begin="51200")]]),
    # Step Functions: the API answers per transition; the table prices per 1,000
    ("AmazonStates", _filters(), [[
        _item("AmazonStates", "USE2-StateTransition", "0.0000250000", "StateTransitions",
              "SFN1", family="AWS Step Functions")]]),
]


def _stubbed_client(recorded=RECORDED):
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stub = Stubber(client)
    for code, filters, pages in recorded:
        for n, page in enumerate(pages):
            params = {"ServiceCode": code, "Filters": filters, "FormatVersion": "aws_v1"}
            response = {"FormatVersion": "aws_v1", "PriceList": page}
            if n:
                params["NextToken"] = f"token-{n}"
            if n + 1 < len(pages):
                response["NextToken"] = f"token-{n + 1}"
            stub.add_response("get_products", response, params)
    stub.activate()
    return client, stub


@pytest.fixture
def folder(tmp_path):
    for path in PRICES.glob("aws_*.csv"):
        shutil.copy(path, tmp_path)
    return tmp_path


def test_region_prefix_is_stripped_before_matching():
    assert _region_prefix_stripped("USE2-Fargate-GB-Hours") == "Fargate-GB-Hours"
    assert _region_prefix_stripped("Fargate-GB-Hours") == "Fargate-GB-Hours"
    assert _region_prefix_stripped("EU-NatGateway-Hours") == "NatGateway-Hours"
    assert _region_prefix_stripped("USE1-SpotUsage:Fargate-vCPU-Hours:perCPU") == \
        "SpotUsage:Fargate-vCPU-Hours:perCPU"


def test_refresh_writes_a_new_dated_table(folder):
    before = (folder / "aws_us-east-2_2026-11-28.csv").read_bytes()
    client, stub = _stubbed_client()
    result = refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)
    stub.assert_no_pending_responses()
    assert result.path == folder / "aws_us-east-2_2027-01-15.csv"
    assert (folder / "aws_us-east-2_2026-11-28.csv").read_bytes() == before  # never in place
    assert len(result.refreshed) == 13 and not result.not_found
    assert len(result.carried) == 45 - 13  # the table of 2026-12-05.2 has 45 rows

    new = load_table(REGION, folder)
    assert new.date == TODAY and new.path == result.path
    vcpu = new.rows["fargate.x86_64.vcpu_hour"]
    # unconfirmed in the old table ("assumed = us-east-1"); the API confirms it now
    assert vcpu.usd_per_unit == 0.04048 and not vcpu.unconfirmed
    assert vcpu.retrieved == "2027-01-15" and vcpu.source_date == "2026-12-01"
    assert "get_products ServiceCode=AmazonECS usagetype=USE2-Fargate-vCPU-Hours:perCPU" \
        in vcpu.source and "sku=ECS1" in vcpu.source
    assert new.rows["aurora.instance.db.r6g.large"].usd_per_unit == 0.26  # not I/O-Optimized
    assert new.rows["s3.storage.standard"].usd_per_unit == 0.023  # the first tier
    assert new.rows["stepfunctions.standard.transition"].usd_per_unit == pytest.approx(0.025)
    # rows the API was not asked for are carried over unchanged, still unconfirmed
    old = load_table(REGION, folder, as_of=dt.date(2026, 12, 5))
    assert new.rows["dynamodb.on_demand.rwru"] == \
        old.rows["dynamodb.on_demand.rwru"].__class__(**{
            **old.rows["dynamodb.on_demand.rwru"].__dict__, "table": new.path.name})
    assert new.rows["dynamodb.on_demand.rwru"].unconfirmed
    # 8 of the 13 refreshed rows were unconfirmed (Fargate x5, Aurora instances x2, S3 storage)
    assert sum(r.unconfirmed for r in new.rows.values()) == 33 - 8


def test_the_cost_model_uses_the_new_table_and_flags_fewer_lines(folder):
    client, _ = _stubbed_client()
    refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)
    seed = load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    fresh = price_scenario(seed, prices_dir=folder)
    # (the tables of 2026-11-28 lack the CloudWatch Logs rows the model needs since 12-05)
    old = price_scenario(seed, prices_dir=folder, as_of=dt.date(2026, 12, 5))
    assert fresh.tables[REGION] == "aws_us-east-2_2027-01-15.csv"
    assert fresh.monthly_usd == pytest.approx(old.monthly_usd)  # same figures, now sourced
    # the Fargate, Aurora instance and S3 storage lines (assets and the log bucket) of
    # us-east-2 are confirmed now
    assert len(old.unconfirmed_lines) - len(fresh.unconfirmed_lines) == 5


def test_a_price_in_another_unit_is_not_taken(folder):
    recorded = [(code, f, pages) for code, f, pages in RECORDED]
    code, filters, _ = recorded[2]
    recorded[2] = (code, filters, [[
        _item("AmazonEC2", "USE2-NatGateway-Hours", "32.85", "Month", "NAT1",
              family="NAT Gateway")]])
    client, _ = _stubbed_client(recorded)
    result = refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)
    assert set(result.not_found) == {"nat.hour", "nat.gb"}
    assert load_table(REGION, folder).rows["nat.hour"].usd_per_unit == 0.045  # carried over


def test_a_table_of_today_is_never_overwritten(folder):
    client, _ = _stubbed_client()
    refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)
    client, _ = _stubbed_client()
    with pytest.raises(DrsimError, match="exists; price tables are never edited in place"):
        refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)


def test_an_api_error_is_one_line(folder):
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stub = Stubber(client)
    stub.add_client_error("get_products", service_error_code="AccessDeniedException",
                          service_message="not authorized to perform pricing:GetProducts")
    stub.activate()
    with pytest.raises(DrsimError, match=r"^the Pricing API failed: .*AccessDeniedException"):
        refresh_prices(REGION, client=client, prices_dir=folder, today=TODAY)
    assert not list(folder.glob(f"aws_{REGION}_2027-*.csv"))  # nothing written


def test_cli_refresh_with_a_stubbed_client(tmp_path, monkeypatch, capsys):
    # the bundled table, under an older date, so that today's refresh is new whatever today is
    folder = tmp_path
    shutil.copy(PRICES / "aws_us-east-2_2026-12-05.csv", folder / "aws_us-east-2_2000-01-01.csv")
    client, _ = _stubbed_client()
    monkeypatch.setattr("drsim.cli.prices._client_for_cli", lambda: client)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert main(["prices", "refresh", "--region", REGION, "--prices-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    written = folder / f"aws_us-east-2_{today}.csv"
    assert out.startswith(f"wrote {written}: 13 rows from the Price List API, 30 carried over")
    with written.open(newline="") as f:
        assert len(list(csv.DictReader(f))) == 43


def test_cli_refresh_without_credentials_is_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_EC2_METADATA_DISABLED="true")
    done = subprocess.run([sys.executable, "-m", "drsim", "prices", "refresh", "--region",
                           REGION, "--prices-dir", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == ("drsim prices: refresh calls the AWS Price List API and "
                                   "needs AWS credentials (none found in the environment or "
                                   "~/.aws)")
    assert "Traceback" not in done.stderr


def test_prices_list_reports_the_unconfirmed_rows():
    done = run_cli("prices", "list", "--unconfirmed")
    assert done.returncode == 0
    assert ("us-east-2: aws_us-east-2_2026-11-28.csv, aws_us-east-2_2026-12-05.csv, "
            "aws_us-east-2_2026-12-05.2.csv (45 rows, 33 unconfirmed)") in done.stdout
    assert ("  aurora.instance.db.r6g.large: 0.26 USD per instance-hour -- unconfirmed; verify "
            "https://aws.amazon.com/rds/aurora/pricing/") in done.stdout
    # us-east-1's Aurora instance rates are confirmed since its 2026-12-05.3 table
    assert ("us-east-1: aws_us-east-1_2026-11-28.csv, aws_us-east-1_2026-12-05.csv, "
            "aws_us-east-1_2026-12-05.2.csv, aws_us-east-1_2026-12-05.3.csv (45 rows, "
            "4 unconfirmed)") in done.stdout
    assert done.stdout.count("\n  ") == 4 + 33
