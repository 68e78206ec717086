"""drsim's bill beside the seed document's own estimate, with the reason for every difference.

The seed document (the two-region CDK stack the bundled ``seed-warm-standby`` scenario
models) closes with a cost estimate of 550-750 USD/month in six items. drsim prices the
same architecture line by line; :func:`reconcile` sums drsim's lines into the seed's
items (and the services the seed does not itemise into rows of their own), sets each
beside the seed's range, and says why the two part. The figures in a reason are computed
from the lines, so they hold for whatever scenario is priced; the seed's own basis (its
words) is quoted as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from drsim.cost.breakdown import HOURS_PER_MONTH, CostBreakdown, CostLine
from drsim.cost.lines import ALB_IPV4_NAME

SEED_ESTIMATE_SOURCE = ("the seed document's 'Cost Estimate' (/work/shared/seed/"
                        "000_6a44074131ece3ac.txt; drsim/data/scenarios/seed-warm-standby.yaml "
                        "models its stack)")
SEED_TOTAL_USD = (550.0, 750.0)
"""The seed's total. [USD/month]"""


@dataclass(frozen=True)
class SeedItem:
    """One item of the seed's estimate and the drsim services summed into it.

    low_usd, high_usd : the seed's range; None for a service the seed does not itemise. [USD/month]
    basis : the seed's own words for it.
    services : drsim services summed into this row.
    claims : item names (their start) of lines this row takes from another service: the
        ALB's public addresses are a VPC line, but the seed's NAT figure is about gateways.
    """

    label: str
    low_usd: float | None
    high_usd: float | None
    basis: str
    services: tuple[str, ...]
    claims: tuple[str, ...] = ()


SEED_ITEMS = (
    SeedItem("Aurora Global Database", 300, 400, "2 regions, 2 instances each",
             ("Aurora PostgreSQL",)),
    SeedItem("ECS Fargate", 50, 100, "4 tasks running 24/7", ("ECS Fargate",)),
    SeedItem("NAT Gateways", 64, 64, "2 gateways, one per region", ("VPC",)),
    SeedItem("Application Load Balancers", 33, 33, "2 ALBs", ("Elastic Load Balancing",),
             claims=(ALB_IPV4_NAME,)),
    SeedItem("Data Transfer", 50, 100, "cross-region replication", ("Data Transfer",)),
    SeedItem("Other Services", 50, 50, "Route 53, CloudWatch, Backup, etc.",
             ("Route 53", "CloudWatch", "CloudWatch Logs", "AWS Backup", "EventBridge",
              "Step Functions", "KMS", "Secrets Manager")),
    SeedItem("DynamoDB (not itemised by the seed)", None, None, "-", ("DynamoDB",)),
    SeedItem("S3 (not itemised by the seed)", None, None, "-", ("S3",)),
    SeedItem("CloudWatch Synthetics (not itemised by the seed)", None, None, "-",
             ("CloudWatch Synthetics",)),
)


def _usd(x: float) -> str:
    return f"{x:,.2f}"


def _stem(line: CostLine) -> str:
    """The line's item without its quantity's derivation, and without the datastore."""
    return line.price.item


def _parts(lines: list[CostLine], top: int = 4) -> str:
    """The biggest items of ``lines`` summed over regions: 'instances 759.20, I/O 13.14'."""
    sums: dict[str, float] = {}
    for ln in lines:
        sums[_stem(ln)] = sums.get(_stem(ln), 0.0) + ln.monthly_usd
    ranked = sorted(sums.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{name} {_usd(usd)}" for name, usd in ranked[:top] if usd >= 0.005)
    rest = sum(usd for _, usd in ranked[top:])
    return text + (f", other {_usd(rest)}" if rest >= 0.005 else "")


def _regions(lines: list[CostLine]) -> int:
    return len({ln.region for ln in lines if ln.region != "global"})


def _reason(item: SeedItem, lines: list[CostLine]) -> str:
    """Why drsim's figure for ``item`` is what it is beside the seed's."""
    usd = sum(ln.monthly_usd for ln in lines)
    if not lines:
        return "drsim prices nothing here for this scenario"
    if item.label.startswith("Aurora"):
        inst = [ln for ln in lines if ln.unit == "instance-hour"]
        hours = sum(ln.quantity for ln in inst)
        inst_usd = sum(ln.monthly_usd for ln in inst)
        rate = inst[0].usd_per_unit if inst else 0.0
        per_instance = rate * HOURS_PER_MONTH
        pays_for = (f"{item.low_usd / per_instance:.1f}-{item.high_usd / per_instance:.1f}"
                    if per_instance else "no")
        return (f"{hours / HOURS_PER_MONTH:g} instances x {HOURS_PER_MONTH} h at "
                f"{rate:g} USD/h on demand are {_usd(inst_usd)} alone (Aurora Standard); the "
                f"seed's {item.low_usd:g}-{item.high_usd:g} pays for {pays_for} such instances "
                "on demand, not its own 2 per region (reserved instances would close part of "
                "the gap; drsim prices on-demand only); storage and I/O add "
                f"{_usd(usd - inst_usd)}, the I/O following the workload's writes")
    if item.label == "NAT Gateways":
        hours_usd = sum(ln.monthly_usd for ln in lines if ln.unit == "NAT-gateway-hour")
        ip_usd = sum(ln.monthly_usd for ln in lines if ln.unit == "IP-hour")
        return (f"the gateways' hours are {_usd(hours_usd)} (the seed's figure counts only "
                f"these); drsim adds their public IPv4 addresses ({_usd(ip_usd)}, billed since "
                f"2024) and the data they process ({_usd(usd - hours_usd - ip_usd)}, "
                "usage.nat_processed_gb_per_region_month, plus the DynamoDB items and S3 "
                "uploads of the workload's writes, which cross them without VPC endpoints)")
    if item.label == "Application Load Balancers":
        hours_usd = sum(ln.monthly_usd for ln in lines if ln.unit == "ALB-hour")
        ip_usd = sum(ln.monthly_usd for ln in lines if ln.unit == "IP-hour")
        return (f"the ALBs' hours are {_usd(hours_usd)} (the seed's figure); drsim adds the "
                f"capacity units the workload's traffic uses ({_usd(usd - hours_usd - ip_usd)}: "
                "the largest of new connections, active connections and processed bytes) and "
                f"the ALBs' public IPv4 addresses ({_usd(ip_usd)}, one per Availability Zone, "
                "billed since 2024)")
    if item.label == "Data Transfer":
        gb = sum(ln.quantity for ln in lines)
        rate = max((ln.usd_per_unit for ln in lines), default=0.0)
        seed_gb = (item.low_usd / rate, item.high_usd / rate) if rate else (0, 0)
        return (f"{gb:,.0f} GB a month between the regions at {rate:g} USD/GB, the volume the "
                f"workload's replicated writes, backup copies and peering make; the seed's "
                f"{item.low_usd:g}-{item.high_usd:g} would be {seed_gb[0]:,.0f}-"
                f"{seed_gb[1]:,.0f} GB at that rate (the seed quotes about 0.02 USD/GB for S3 "
                "replication)")
    if item.label == "ECS Fargate":
        return (f"on-demand Fargate for the scenario's tasks in {_regions(lines)} region(s) "
                f"({_parts(lines)})")
    if item.label == "Other Services":
        return (f"the services the seed names and the other small ones, as the scenario "
                f"uses them ({_parts(lines)}); the seed gives no basis for its "
                f"{item.low_usd:g}")
    if item.low_usd is None:
        return (f"the seed's estimate has no line for it (its 'Other Services' names Route 53, "
                f"CloudWatch and Backup); drsim: {_parts(lines)}")
    return f"drsim: {_parts(lines)}"


def reconcile(breakdown: CostBreakdown) -> list[dict]:
    """Rows: the seed's item and range, drsim's sum of the matching lines, the difference
    from the seed's range (0 inside it), what makes up drsim's figure, and why they part.
    The last row is the total. [USD/month]"""
    rows = []
    claimed: set[int] = set()
    taken = tuple(name for item in SEED_ITEMS for name in item.claims)
    for item in SEED_ITEMS:
        lines = [ln for ln in breakdown.lines
                 if ln.item.startswith(item.claims or "\0")
                 or (ln.service in item.services and not ln.item.startswith(taken or "\0"))]
        claimed.update(id(ln) for ln in lines)
        rows.append(_row(item.label, item.low_usd, item.high_usd, item.basis, lines,
                         _reason(item, lines)))
    rest = [ln for ln in breakdown.lines if id(ln) not in claimed]
    if rest:
        rows.append(_row("services not listed above", None, None, "-", rest,
                         f"drsim: {_parts(rest)}"))
    low, high = SEED_TOTAL_USD
    total = breakdown.monthly_usd
    rows.append({"item": "total", "seed_low_usd": low, "seed_high_usd": high,
                 "seed_basis": "the seed's total", "drsim_usd": round(total, 6),
                 "difference_usd": round(_difference(total, low, high), 6),
                 "drsim_parts": "", "reason": "the sum of the rows above"})
    return rows


def _difference(usd: float, low: float | None, high: float | None) -> float:
    if low is None:
        return usd
    if usd < low:
        return usd - low
    return max(0.0, usd - high)


def _row(label, low, high, basis, lines, reason) -> dict:
    usd = sum(ln.monthly_usd for ln in lines)
    return {"item": label, "seed_low_usd": low, "seed_high_usd": high, "seed_basis": basis,
            "drsim_usd": round(usd, 6), "difference_usd": round(_difference(usd, low, high), 6),
            "drsim_parts": _parts(lines), "reason": reason}


def format_reconciliation(rows: list[dict]) -> str:
    """The rows as text: item, the seed's range, drsim's figure, the difference, the reason."""
    def seed(r):
        if r["seed_low_usd"] is None:
            return "-"
        lo, hi = r["seed_low_usd"], r["seed_high_usd"]
        return f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}-{hi:,.0f}"

    width = max(len(r["item"]) for r in rows)
    out = [f"against the seed's own estimate ({SEED_ESTIMATE_SOURCE}), USD/month:",
           f"{'item'.ljust(width)}  {'seed':>9}  {'drsim':>9}  {'beyond':>9}  why"]
    for r in rows:
        out.append(f"{r['item'].ljust(width)}  {seed(r):>9}  {_usd(r['drsim_usd']):>9}  "
                   f"{_usd(r['difference_usd']):>9}  {r['reason']}")
    return "\n".join(out)
