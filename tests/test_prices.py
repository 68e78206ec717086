"""The dated price tables and their one loader."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil

import pytest

from drsim.bundled import prices_dir
from drsim.cost.prices import COLUMNS, available_regions, load_prices, load_table
from drsim.errors import DrsimError
from tests.conftest import run_cli

PRICES = prices_dir()
REFERENCE_DATE = "2026-11-28"

# Tables are never edited in place: a changed price is a new dated file. These digests
# catch an edit of a committed table (add a line here for each new table).
TABLE_SHA256 = {
    "aws_global_2026-11-28.csv": "18bad7e27603d610c5be2a15728071855fd52eec73f598b00e78d327bbc34882",
    "aws_us-east-1_2026-11-28.csv":
        "01185b2ddddb765ddfd053c7604e3c0c1691313cde2043780d80d7a5d7e7f2c3",
    "aws_us-east-2_2026-11-28.csv":
        "c56374aadb611d046e747f0a03260c571ad0e0619132f057021323fa5bd67ba8",
    "aws_us-east-1_2026-12-05.csv":
        "5d8eddded094e2cb621c8c2b211aaba746d151ec6157eebc475dd0c97f4ef12d",
    "aws_us-east-2_2026-12-05.csv":
        "1185c4488d4432fa440c1084e849f37c127b37d8b9dba7ddd486e6d87830de1a",
    "aws_us-east-1_2026-12-05.2.csv":
        "3746396922ef04a67e18249f4591e45ff8ce41e70eab23fa23e861b750dc97a5",
    "aws_us-east-2_2026-12-05.2.csv":
        "308aa12ff6c047f8c4a25aa60b6990eea53c65a4b976733abbe676f3f767d895",
    "aws_us-east-1_2026-12-05.3.csv":
        "ec3a433d9cd844c33b56a8738007d78491280f8e88c4df9444a6aa9fe1137a1e",
}
WORKLOAD_TABLE = "2026-12-05.2"
"""The tables of issue 17 (the same day's second): the 2026-12-05 rows verbatim, plus the
Secrets Manager secret and the public IPv4 address."""
AURORA_TABLE = "2026-12-05.3"
"""us-east-1's third table of that day: the 2026-12-05.2 rows verbatim but the Aurora
instance rates, confirmed by AWS's own agent toolkit."""
SECURITY_DATE = "2026-12-05"
"""The tables that added the rows of the security posture (issue 16): the 2026-11-28 rows
verbatim, plus CloudWatch Logs and KMS."""
NEW_KEYS = ("cloudwatch.logs.ingestion", "cloudwatch.logs.storage", "kms.key_month",
            "kms.requests")


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_bundled_regions():
    assert available_regions(PRICES) == ["us-east-1", "us-east-2"]
    for region, name in (("us-east-1", AURORA_TABLE), ("us-east-2", WORKLOAD_TABLE),
                         ("global", REFERENCE_DATE)):
        table = load_table(region, PRICES)
        assert table.date == dt.date.fromisoformat(name[:10])
        assert table.path.name == f"aws_{region}_{name}.csv"
    old = load_table("us-east-1", PRICES, as_of=dt.date(2026, 11, 28))
    assert old.path.name == f"aws_us-east-1_{REFERENCE_DATE}.csv"


@pytest.mark.parametrize("region", ["us-east-1", "us-east-2"])
def test_the_security_tables_keep_every_older_row_and_source_the_new_ones(region):
    """The 2026-12-05 tables are the 2026-11-28 rows unchanged (a new file, not an edit),
    plus the CloudWatch Logs and KMS rows, each sourced; us-east-2's rates are us-east-1's,
    so they stay unconfirmed but for the key-month, which AWS states for every region."""
    old = _rows(PRICES / f"aws_{region}_{REFERENCE_DATE}.csv")
    new = _rows(PRICES / f"aws_{region}_{SECURITY_DATE}.csv")
    assert new[:len(old)] == old
    added = {row["key"]: row for row in new[len(old):]}
    assert tuple(added) == NEW_KEYS
    for key, row in added.items():
        assert list(row) == list(COLUMNS) and "http" in row["source"]
        assert row["retrieved"] == SECURITY_DATE
        assert (row["unconfirmed"] == "yes") == ("unconfirmed" in row["source"].lower())
        expected = "yes" if region == "us-east-2" and key != "kms.key_month" else "no"
        assert row["unconfirmed"] == expected, key
    assert {k: float(r["usd_per_unit"]) for k, r in added.items()} == {
        "cloudwatch.logs.ingestion": 0.5, "cloudwatch.logs.storage": 0.03,
        "kms.key_month": 1.0, "kms.requests": 0.03}


@pytest.mark.parametrize("region", ["us-east-1", "us-east-2"])
def test_the_workload_tables_keep_every_older_row_and_source_the_new_ones(region):
    """Issue 17's tables are the 2026-12-05 rows unchanged plus the secret and the public
    IPv4 address; us-east-2's secret rate is us-east-1's (unconfirmed there), the IPv4 rate
    is stated for every region."""
    old = _rows(PRICES / f"aws_{region}_{SECURITY_DATE}.csv")
    new = _rows(PRICES / f"aws_{region}_{WORKLOAD_TABLE}.csv")
    assert new[:len(old)] == old
    added = {row["key"]: row for row in new[len(old):]}
    assert {k: float(r["usd_per_unit"]) for k, r in added.items()} == {
        "secretsmanager.secret_month": 0.4, "vpc.public_ipv4_hour": 0.005}
    for key, row in added.items():
        assert list(row) == list(COLUMNS) and "http" in row["source"]
        assert row["retrieved"] == SECURITY_DATE
        assert (row["unconfirmed"] == "yes") == ("unconfirmed" in row["source"].lower())
        expected = "yes" if region == "us-east-2" and key.startswith("secrets") else "no"
        assert row["unconfirmed"] == expected, key


@pytest.mark.parametrize("name", [f"aws_{r}_{REFERENCE_DATE}.csv"
                                  for r in ("global", "us-east-1", "us-east-2")])
def test_every_row_has_unit_price_source_and_dates(name):
    rows = _rows(PRICES / name)
    assert rows
    for row in rows:
        assert list(row) == list(COLUMNS)
        assert row["unit"] and row["source"] and row["source_date"]
        assert "http" in row["source"]
        dt.date.fromisoformat(row["retrieved"])
        assert float(row["usd_per_unit"]) >= 0


def test_unconfirmed_rows_of_the_reference_stay_marked():
    """Every row the shared reference marks unconfirmed is flagged, and no other."""
    for region, expected in (("us-east-1", 6), ("us-east-2", 29), ("global", 0)):
        rows = _rows(PRICES / f"aws_{region}_{REFERENCE_DATE}.csv")
        for row in rows:
            assert (row["unconfirmed"] == "yes") == ("unconfirmed" in row["source"].lower()), row
        assert sum(row["unconfirmed"] == "yes" for row in rows) == expected
    # The reference's own rows stay marked (above); a later table confirms a rate only
    # with a source: us-east-1's Aurora rates from 2026-12-05.3, us-east-2's not yet.
    assert load_table("us-east-2", PRICES).rows["aurora.instance.db.r6g.large"].unconfirmed
    assert not load_table("us-east-1", PRICES).rows["fargate.x86_64.vcpu_hour"].unconfirmed


def test_the_aurora_table_confirms_only_the_instance_rates_with_aws_own_source():
    before = {r["key"]: r for r in _rows(PRICES / f"aws_us-east-1_{WORKLOAD_TABLE}.csv")}
    after = {r["key"]: r for r in _rows(PRICES / f"aws_us-east-1_{AURORA_TABLE}.csv")}
    confirmed = {"aurora.instance.db.r6g.large", "aurora.instance.db.r7g.large"}
    assert list(after) == list(before)
    for key, row in after.items():
        if key not in confirmed:
            assert row == before[key], key
            continue
        assert before[key]["unconfirmed"] == "yes" and row["unconfirmed"] == "no"
        assert row["usd_per_unit"] == before[key]["usd_per_unit"]  # confirmed, not changed
        assert "agent-toolkit-for-aws" in row["source"] and "us-east-1" in row["source"]


def test_prices_match_the_shared_reference():
    """The tables hold the reference's figures (../shared/reference/prices-us-east.csv)."""
    spot = {("us-east-1", "fargate.x86_64.vcpu_hour"): 0.04048,
            ("us-east-1", "aurora.global.replicated_write_io"): 0.2,
            ("us-east-2", "transfer.inter_region.us-east-1"): 0.01,
            ("us-east-1", "s3.rtc"): 0.015,
            ("global", "route53.health_check.aws_endpoint"): 0.5,
            ("us-east-2", "dynamodb.on_demand.rwru"): 0.625}
    for (region, key), usd in spot.items():
        assert load_table(region, PRICES).rows[key].usd_per_unit == usd


def test_committed_tables_are_unchanged():
    """A committed table's bytes never change (write a new dated file instead)."""
    digests = {p.name: _sha256(p) for p in sorted(PRICES.glob("aws_*.csv"))}
    assert {name: digests.get(name) for name in TABLE_SHA256} == TABLE_SHA256


# -- the loader on tables made for the test ----------------------------------------------


def _table(folder, region, date, rows):
    path = folder / f"aws_{region}_{date}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for key, usd, *rest in rows:
            w.writerow({"key": key, "service": "S", "item": key, "unit": rest[0] if rest else "GB",
                        "usd_per_unit": usd, "source": "https://example.org/p",
                        "source_date": "n.d.", "retrieved": date, "unconfirmed": "no"})
    return path


@pytest.fixture
def folder(tmp_path):
    shutil.copy(PRICES / f"aws_global_{REFERENCE_DATE}.csv", tmp_path)
    _table(tmp_path, "eu-west-1", "2026-01-01", [("nat.gb", "0.048")])
    _table(tmp_path, "eu-west-1", "2026-06-01", [("nat.gb", "0.05")])
    return tmp_path


def test_newest_table_wins_and_as_of_picks_an_older_one(folder):
    assert load_table("eu-west-1", folder).rows["nat.gb"].usd_per_unit == 0.05
    old = load_table("eu-west-1", folder, as_of=dt.date(2026, 3, 1))
    assert old.rows["nat.gb"].usd_per_unit == 0.048 and old.date == dt.date(2026, 1, 1)


def test_a_second_table_of_the_same_day_is_a_revision_and_wins(folder):
    _table(folder, "eu-west-1", "2026-06-01.2", [("nat.gb", "0.052")])
    _table(folder, "eu-west-1", "2026-06-01.10", [("nat.gb", "0.06")])
    newest = load_table("eu-west-1", folder)
    assert newest.rows["nat.gb"].usd_per_unit == 0.06  # revision 10 after 2, numerically
    assert newest.path.name == "aws_eu-west-1_2026-06-01.10.csv"
    assert load_table("eu-west-1", folder, as_of=dt.date(2026, 6, 1)).path == newest.path
    assert load_table("eu-west-1", folder, as_of=dt.date(2026, 5, 31)).rows["nat.gb"] \
        .usd_per_unit == 0.048


def test_unknown_region_lists_the_regions_that_exist(folder):
    with pytest.raises(DrsimError) as err:
        load_prices({"regions.secondary": "ap-south-1"}, prices_dir=folder)
    text = str(err.value)
    assert text.startswith("regions.secondary: no price table for region 'ap-south-1'")
    assert "regions with a table: eu-west-1" in text and "global" not in text.split(":")[-1]
    with pytest.raises(DrsimError, match=r"dated on or before 2025-01-01"):
        load_table("eu-west-1", folder, as_of=dt.date(2025, 1, 1))


def test_unit_mismatch_is_an_error_not_a_wrong_number(folder):
    book = load_prices(["eu-west-1"], prices_dir=folder)
    assert book.price("eu-west-1", "nat.gb", "GB").usd_per_unit == 0.05
    with pytest.raises(DrsimError, match=r"priced per 'GB', but the cost model counts 'GB-month'"):
        book.price("eu-west-1", "nat.gb", "GB-month")


def test_a_table_without_a_needed_row_says_so(folder):
    book = load_prices(["eu-west-1"], prices_dir=folder)
    with pytest.raises(DrsimError) as err:
        book.price("eu-west-1", "alb.hour", "ALB-hour")
    assert str(err.value) == ("aws_eu-west-1_2026-06-01.csv has no row 'alb.hour'; the cost "
                              "model needs it (add it in a new dated table)")


def test_missing_key_names_what_is_priced(folder):
    _table(folder, "eu-west-2", "2026-06-01", [("aurora.instance.db.r6g.large", "0.29",
                                                "instance-hour")])
    book = load_prices(["eu-west-2"], prices_dir=folder)
    with pytest.raises(DrsimError) as err:
        book.price("eu-west-2", "aurora.instance.db.r5.xlarge", "instance-hour",
                   what="datastores[orders_db].instance_class", family="aurora.instance.")
    assert str(err.value) == (
        "datastores[orders_db].instance_class: 'db.r5.xlarge' has no price in "
        "aws_eu-west-2_2026-06-01.csv (key 'aurora.instance.db.r5.xlarge'); priced there: "
        "db.r6g.large")


@pytest.mark.parametrize("row,message", [
    ({"usd_per_unit": "cheap"}, "usd_per_unit 'cheap' is not a number"),
    ({"usd_per_unit": "-1"}, "must be a finite number >= 0"),
    ({"unconfirmed": "maybe"}, "unconfirmed 'maybe' is not yes or no"),
    ({"source": ""}, "source is empty"),
])
def test_bad_rows_are_named_by_file_and_line(tmp_path, row, message):
    path = _table(tmp_path, "eu-west-3", "2026-06-01", [("nat.gb", "0.05")])
    rows = _rows(path)
    rows[0].update(row)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DrsimError, match=message) as err:
        load_table("eu-west-3", tmp_path)
    assert f"{path}:2:" in str(err.value)


def test_pricing_as_of_a_day_before_a_line_was_priced_names_the_first_table_with_it():
    # The 2026-11-28 tables predate the NAT gateways' public IPv4 addresses (first
    # priced by the same day's second table, 2026-12-05.2), the access logs and more.
    r = run_cli("cost", "seed-warm-standby", "--prices-as-of", "2026-11-28")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "aws_us-east-1_2026-11-28.csv has no row 'vpc.public_ipv4_hour'" in r.stderr
    assert "the cost model prices it since aws_us-east-1_2026-12-05.2.csv" in r.stderr
    assert run_cli("cost", "seed-warm-standby", "--prices-as-of", "2026-12-05").returncode == 0
