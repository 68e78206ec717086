"""The seed's bill beside the seed document's own estimate (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drsim import load_scenario
from drsim.cli import main
from drsim.cost import price_scenario
from drsim.cost.reconcile import SEED_ITEMS, SEED_TOTAL_USD, reconcile

SEED_DOC = Path("/work/shared/seed/000_6a44074131ece3ac.txt")


@pytest.fixture(scope="module")
def seed_bill():
    return price_scenario(load_scenario("seed-warm-standby"))


def test_every_line_lands_in_exactly_one_row_and_the_rows_add_up(seed_bill):
    rows = reconcile(seed_bill)
    assert rows[-1]["item"] == "total"
    assert sum(r["drsim_usd"] for r in rows[:-1]) == pytest.approx(seed_bill.monthly_usd)
    assert rows[-1]["drsim_usd"] == pytest.approx(seed_bill.monthly_usd)
    # the seed's own items add up to its total's range
    seed = [r for r in rows[:-1] if r["seed_low_usd"] is not None]
    assert sum(r["seed_low_usd"] for r in seed) == 547 and sum(r["seed_high_usd"] for r in seed) == 747
    assert SEED_TOTAL_USD == (550, 750)  # the seed rounds its items' 547-747 up
    assert all(r["reason"] for r in rows)


@pytest.mark.skipif(not SEED_DOC.exists(), reason="the seed document is not on this machine")
def test_the_seed_items_are_the_seed_documents_words():
    text = SEED_DOC.read_text()
    for item in SEED_ITEMS:
        if item.low_usd is None:
            continue
        price = (f"${item.low_usd:g}/month" if item.low_usd == item.high_usd
                 else f"${item.low_usd:g}-{item.high_usd:g}/month")
        assert f"{item.label}: {price} ({item.basis})" in text, item.label


def test_differences_are_measured_from_the_seed_range(seed_bill):
    rows = {r["item"]: r for r in reconcile(seed_bill)}
    fargate = rows["ECS Fargate"]
    assert 50 <= fargate["drsim_usd"] <= 100 and fargate["difference_usd"] == 0
    aurora = rows["Aurora Global Database"]
    assert aurora["difference_usd"] == pytest.approx(aurora["drsim_usd"] - 400)
    # 4 db.r6g.large x 730 h x 0.26 USD/h (the unconfirmed on-demand rate)
    assert "are 759.20 alone" in aurora["reason"] and "1.6-2.1 such instances" in aurora["reason"]
    transfer = rows["Data Transfer"]
    assert transfer["difference_usd"] == pytest.approx(transfer["drsim_usd"] - 50)
    assert "5,000-10,000 GB" in transfer["reason"]
    assert rows["NAT Gateways"]["reason"].startswith("the gateways' hours are 65.70")
    assert rows["Application Load Balancers"]["reason"].startswith("the ALBs' hours are 32.85")
    dynamo = rows["DynamoDB (not itemised by the seed)"]
    assert dynamo["seed_low_usd"] is None and dynamo["difference_usd"] == dynamo["drsim_usd"]


def test_cost_explain_prints_and_returns_the_table(capsys):
    assert main(["cost", "seed-warm-standby", "--no-risk", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "against the seed's own estimate" in out
    assert "Aurora Global Database" in out and "300-400" in out
    assert main(["cost", "seed-warm-standby", "--no-risk", "--explain", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [r["item"] for r in d["reconciliation"]][-1] == "total"
    assert main(["cost", "seed-warm-standby", "--no-risk", "--json"]) == 0
    assert "reconciliation" not in json.loads(capsys.readouterr().out)


def test_the_scenario_reports_table_is_the_same_rows(seed_bill):
    from drsim.report.tables import reconciliation_table

    table = reconciliation_table(seed_bill)
    rows = reconcile(seed_bill)
    assert list(table["item"]) == [r["item"] for r in rows]
    assert table.iloc[0]["seed's estimate"] == "300-400"
    assert table.iloc[-1]["seed's estimate"] == "550-750"
