"""``drsim prices refresh``: a new dated price table from the AWS Price List API.

The Price List (Pricing) API answers ``get_products`` with products whose
``usagetype`` carries a region prefix (``USE2-Fargate-GB-Hours``; often none in
us-east-1), so products are fetched by service and region and matched on the
usage type after the prefix. Rows the API gives are written with the API as
their source and today as their retrieval date; every other row of the region's
newest table is carried over unchanged (still unconfirmed where it was), so the
new table is complete. Tables are never edited in place: an existing file for
today is an error.

Tests use ``botocore.stub.Stubber`` with recorded responses: moto has no Pricing
backend (``../shared/reference/toolchain-notes.md``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from drsim.cost.prices import (
    COLUMNS,
    GLOBAL_REGION,
    Price,
    default_prices_dir,
    list_tables,
    load_table,
)
from drsim.errors import DrsimError

PRICING_API_REGION = "us-east-1"
"""The Pricing API has endpoints in a few regions only; us-east-1 is one."""


@dataclass(frozen=True)
class Spec:
    """How one price-table row is found in the Price List.

    service_code : Price List service code (``AmazonECS``).
    usagetype : usage type without the region prefix.
    filters : further TERM_MATCH filters that narrow the query.
    api_units : units the API may state for this price (anything else is rejected,
        since a different unit would make the row wrong).
    scale : table unit / API unit (1e6 when the table prices per million requests).
    service, item, unit : the row's words, for a region without a table yet.
    """

    service_code: str
    usagetype: str
    filters: tuple[tuple[str, str], ...]
    api_units: tuple[str, ...]
    scale: float
    service: str
    item: str
    unit: str


def _spec(code, usagetype, units, service, item, unit, scale=1.0, **filters) -> Spec:
    return Spec(code, usagetype, tuple(sorted(filters.items())), tuple(units), scale,
                service, item, unit)


_HOURS = ("Hrs", "hours", "Hours")
SPECS: dict[str, Spec] = {
    "fargate.x86_64.vcpu_hour": _spec("AmazonECS", "Fargate-vCPU-Hours:perCPU", _HOURS,
                                      "ECS Fargate", "Linux/x86 vCPU", "vCPU-hour"),
    "fargate.x86_64.gb_hour": _spec("AmazonECS", "Fargate-GB-Hours", _HOURS + ("GB-Hours",),
                                    "ECS Fargate", "Linux/x86 memory", "GB-hour"),
    "fargate.arm64.vcpu_hour": _spec("AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", _HOURS,
                                     "ECS Fargate", "Linux/ARM vCPU", "vCPU-hour"),
    "fargate.arm64.gb_hour": _spec("AmazonECS", "Fargate-ARM-GB-Hours", _HOURS + ("GB-Hours",),
                                   "ECS Fargate", "Linux/ARM memory", "GB-hour"),
    "fargate.ephemeral_storage.gb_hour": _spec(
        "AmazonECS", "Fargate-EphemeralStorage-GB-Hours", _HOURS + ("GB-Hours",),
        "ECS Fargate", "ephemeral storage above 20 GB", "GB-hour"),
    "alb.hour": _spec("AWSELB", "LoadBalancerUsage", _HOURS, "Elastic Load Balancing",
                      "Application Load Balancer hour", "ALB-hour",
                      productFamily="Load Balancer-Application"),
    "alb.lcu_hour": _spec("AWSELB", "LCUUsage", ("LCU-Hrs",), "Elastic Load Balancing",
                          "ALB LCU", "LCU-hour", productFamily="Load Balancer-Application"),
    "nat.hour": _spec("AmazonEC2", "NatGateway-Hours", _HOURS, "VPC", "NAT gateway hour",
                      "NAT-gateway-hour", productFamily="NAT Gateway"),
    "nat.gb": _spec("AmazonEC2", "NatGateway-Bytes", ("GB",), "VPC", "NAT gateway data processed",
                    "GB", productFamily="NAT Gateway"),
    "aurora.instance.db.r6g.large": _spec(
        "AmazonRDS", "InstanceUsage:db.r6g.large", _HOURS, "Aurora PostgreSQL",
        "db.r6g.large on-demand (Aurora Standard)", "instance-hour",
        databaseEngine="Aurora PostgreSQL", instanceType="db.r6g.large"),
    "aurora.instance.db.r7g.large": _spec(
        "AmazonRDS", "InstanceUsage:db.r7g.large", _HOURS, "Aurora PostgreSQL",
        "db.r7g.large on-demand (Aurora Standard)", "instance-hour",
        databaseEngine="Aurora PostgreSQL", instanceType="db.r7g.large"),
    "s3.storage.standard": _spec("AmazonS3", "TimedStorage-ByteHrs", ("GB-Mo",), "S3",
                                 "Standard storage (first 50 TB)", "GB-month",
                                 volumeType="Standard"),
    "stepfunctions.standard.transition": _spec(
        "AmazonStates", "StateTransition", ("StateTransitions", "Transitions"), "Step Functions",
        "Standard workflow state transitions (4,000/month free)", "1,000 state transitions",
        scale=1000.0),
}


def _region_prefix_stripped(usagetype: str) -> str:
    """``USE2-Fargate-GB-Hours`` -> ``Fargate-GB-Hours``; no prefix stays as it is."""
    head, sep, rest = usagetype.partition("-")
    if sep and head.isupper() and head.isalnum() and any(ch.isdigit() for ch in head):
        return rest
    if sep and head in ("EU", "US", "UGW1", "UGE1"):
        return rest
    return usagetype


def _first_tier(item: dict) -> tuple[float, str, str, str] | None:
    """``(usd, api unit, sku, effective date)`` of the OnDemand dimension starting at 0."""
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            if str(dim.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            try:
                usd = float(dim["pricePerUnit"]["USD"])
            except (KeyError, TypeError, ValueError):
                continue
            return usd, dim.get("unit", ""), term.get("sku", ""), term.get("effectiveDate", "")
    return None


@dataclass(frozen=True)
class RefreshResult:
    """What ``refresh_prices`` wrote: the file, the keys from the API, the keys carried over."""

    path: Path
    refreshed: tuple[str, ...]
    carried: tuple[str, ...]
    not_found: tuple[str, ...]


def fetch_api_rows(client, region: str, today: dt.date,
                   keys=None) -> tuple[dict[str, Price], list[str]]:
    """Prices of ``SPECS`` in ``region`` from ``client.get_products``.

    Returns the rows found and the keys not found (or found in another unit).
    """
    wanted = {k: SPECS[k] for k in (keys or SPECS)}
    groups: dict[tuple, list[str]] = {}
    for key, spec in wanted.items():
        groups.setdefault((spec.service_code, spec.filters), []).append(key)
    rows: dict[str, Price] = {}
    for (code, filters), group_keys in groups.items():
        query = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
        query += [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in filters]
        items = []
        for page in client.get_paginator("get_products").paginate(
                ServiceCode=code, Filters=query, FormatVersion="aws_v1"):
            items.extend(json.loads(text) for text in page.get("PriceList", []))
        for key in group_keys:
            spec = wanted[key]
            for item in items:
                attrs = item.get("product", {}).get("attributes", {})
                if _region_prefix_stripped(attrs.get("usagetype", "")) != spec.usagetype:
                    continue
                tier = _first_tier(item)
                if tier is None or tier[1] not in spec.api_units:
                    continue
                usd, unit, sku, effective = tier
                published = str(item.get("publicationDate", ""))[:10] or effective[:10] or "n.d."
                rows[key] = Price(
                    key=key, service=spec.service, item=spec.item, unit=spec.unit,
                    usd_per_unit=round(usd * spec.scale, 10),
                    source=(f"AWS Price List API get_products ServiceCode={code} "
                            f"usagetype={attrs.get('usagetype')} sku={sku or item.get('product', {}).get('sku', '?')}"
                            f" (USD {usd:g} per {unit})"),
                    source_date=published, retrieved=today.isoformat(), unconfirmed=False,
                    table="")
                break
    return rows, [k for k in wanted if k not in rows]


def refresh_prices(region: str, *, client=None, prices_dir: str | os.PathLike | None = None,
                   today: dt.date | None = None) -> RefreshResult:
    """Write ``aws_<region>_<today>.csv``: API prices where found, the rest carried over.

    Parameters
    ----------
    region : AWS region to price, e.g. ``us-east-2``.
    client : a boto3 ``pricing`` client (default: one for us-east-1 with the
        environment's credentials).
    prices_dir : folder of tables (default: the bundled ``drsim/data/prices``).
    today : date of the new table (default: today, UTC).
    """
    if region == GLOBAL_REGION:
        raise DrsimError("--region global: Route 53 prices are not refreshed from the API; "
                         "write a new dated global table by hand")
    folder = Path(prices_dir) if prices_dir is not None else default_prices_dir()
    today = today or dt.datetime.now(dt.UTC).date()
    path = folder / f"aws_{region}_{today.isoformat()}.csv"
    if path.exists():
        raise DrsimError(f"{path} exists; price tables are never edited in place "
                         "(remove it yourself if it is wrong, or refresh tomorrow)")
    old: dict[str, Price] = {}
    if region in list_tables(folder):
        old = dict(load_table(region, folder).rows)
    if client is None:
        client = _default_client()
    try:
        fresh, not_found = fetch_api_rows(client, region, today)
    except Exception as err:  # botocore errors: one line, no traceback
        import botocore.exceptions as bex

        if isinstance(err, (bex.BotoCoreError, bex.ClientError)):
            raise DrsimError(f"the Pricing API failed: {err}") from None
        raise
    if not fresh:
        raise DrsimError(f"the Pricing API returned no price for region {region!r} "
                         f"(is it a region name?); nothing written")
    rows = dict(old)
    rows.update(fresh)
    carried = tuple(k for k in old if k not in fresh)
    _write(path, rows.values())
    return RefreshResult(path=path, refreshed=tuple(fresh), carried=carried,
                         not_found=tuple(not_found))


def _default_client():
    try:
        import boto3
    except ModuleNotFoundError:
        raise DrsimError("prices refresh needs boto3: pip install 'drsim[aws]'") from None
    return boto3.client("pricing", region_name=PRICING_API_REGION)


def _write(path: Path, rows) -> None:
    """Write the table to a temporary file, then move it into place: never half a table."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow([r.key, r.service, r.item, r.unit, format(r.usd_per_unit, ".10g"),
                            r.source, r.source_date, r.retrieved,
                            "yes" if r.unconfirmed else "no"])
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
