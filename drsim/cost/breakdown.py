"""Cost lines and their sums: what :func:`drsim.cost.price_scenario` returns."""

from __future__ import annotations

from dataclasses import dataclass

from drsim.cost.prices import Price

HOURS_PER_MONTH = 730
"""Hours in a billing month, the convention of AWS's pricing pages and calculator
(8,760 h a year / 12). [h]"""
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
"""2,628,000 s. [s]"""
MONTHS_PER_YEAR = 12

JSON_DECIMALS = 6
"""Money and quantities in JSON are rounded to 6 decimals (a millionth of a dollar):
enough that the lines add up to the totals to the cent, short enough to read."""


@dataclass(frozen=True)
class CostLine:
    """One priced line: ``quantity`` x ``price.usd_per_unit`` = ``monthly_usd``.

    service : AWS service (from the price table).
    item : what is priced and how the quantity was derived.
    region : AWS region, or ``global``.
    quantity : monthly quantity. [``price.unit`` per month]
    price : the price-table row used (unit, rate, source, confirmation).
    dr : the line exists because of disaster recovery (the secondary region,
        replication, failover detection and runbook), not to run the service.
    """

    service: str
    item: str
    region: str
    quantity: float
    price: Price
    dr: bool

    @property
    def unit(self) -> str:
        return self.price.unit

    @property
    def usd_per_unit(self) -> float:
        return self.price.usd_per_unit

    @property
    def monthly_usd(self) -> float:
        """Cost per month. [USD/month]"""
        return self.quantity * self.price.usd_per_unit

    @property
    def source(self) -> str:
        return self.price.source

    @property
    def unconfirmed(self) -> bool:
        return self.price.unconfirmed

    def as_dict(self) -> dict:
        """The line as the JSON of ``drsim cost --json`` shows it."""
        return {
            "service": self.service,
            "item": self.item,
            "region": self.region,
            "quantity": round(self.quantity, JSON_DECIMALS),
            "unit": self.unit,
            "usd_per_unit": self.usd_per_unit,
            "monthly_usd": round(self.monthly_usd, JSON_DECIMALS),
            "source": self.source,
        }


@dataclass(frozen=True)
class CostBreakdown:
    """The monthly cost of one scenario, line by line.

    scenario : the scenario's name.
    strategy : its DR strategy.
    lines : every priced line, in a stable order (by service, then region).
    tables : ``{region: price-table file}`` the prices came from.
    """

    scenario: str
    strategy: str
    lines: tuple[CostLine, ...]
    tables: dict[str, str]

    @property
    def monthly_usd(self) -> float:
        """Total per month. [USD/month]"""
        return sum(line.monthly_usd for line in self.lines)

    @property
    def yearly_usd(self) -> float:
        """Total per year. [USD/year]"""
        return self.monthly_usd * MONTHS_PER_YEAR

    @property
    def dr_monthly_usd(self) -> float:
        """The part of the monthly cost that DR adds (lines with ``dr``). [USD/month]"""
        return sum(line.monthly_usd for line in self.lines if line.dr)

    @property
    def dr_yearly_usd(self) -> float:
        """Yearly DR spend. [USD/year]"""
        return self.dr_monthly_usd * MONTHS_PER_YEAR

    def _sum_by(self, attr: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            key = getattr(line, attr)
            out[key] = out.get(key, 0.0) + line.monthly_usd
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def by_service(self) -> dict[str, float]:
        """Monthly cost per service, largest first. [USD/month]"""
        return self._sum_by("service")

    @property
    def by_region(self) -> dict[str, float]:
        """Monthly cost per region (``global`` for Route 53), largest first. [USD/month]"""
        return self._sum_by("region")

    @property
    def unconfirmed_lines(self) -> tuple[CostLine, ...]:
        """Lines priced with a figure no retrieved source confirms."""
        return tuple(line for line in self.lines if line.unconfirmed)

    @property
    def unconfirmed_share(self) -> float:
        """The share of the bill priced with unconfirmed figures (0 for an empty bill). [-]"""
        total = self.monthly_usd
        return sum(ln.monthly_usd for ln in self.unconfirmed_lines) / total if total else 0.0

    def records(self) -> list[dict]:
        """One plain row per line, for ``pandas.DataFrame(breakdown.records())``.

        The JSON line's fields plus ``dr``, ``unconfirmed``, the price ``key`` and
        the ``table`` it came from; numbers unrounded.
        """
        return [{"service": ln.service, "item": ln.item, "region": ln.region,
                 "quantity": ln.quantity, "unit": ln.unit, "usd_per_unit": ln.usd_per_unit,
                 "monthly_usd": ln.monthly_usd, "source": ln.source, "dr": ln.dr,
                 "unconfirmed": ln.unconfirmed, "key": ln.price.key, "table": ln.price.table}
                for ln in self.lines]

    def __repr__(self) -> str:
        # Short on purpose: the lines are many; records() and as_dict() hold them all.
        n_unconf = len(self.unconfirmed_lines)
        unconf = f", {n_unconf} unconfirmed" if n_unconf else ""
        return (f"CostBreakdown({self.scenario!r}, {self.strategy}: "
                f"{self.monthly_usd:,.2f} USD/month, DR part {self.dr_monthly_usd:,.2f} "
                f"USD/month; {len(self.lines)} lines{unconf})")

    def as_dict(self) -> dict:
        """The JSON of ``drsim cost --json`` (without the cost of risk)."""
        r = JSON_DECIMALS
        return {
            "scenario": self.scenario,
            "monthly_usd": round(self.monthly_usd, r),
            "by_service": {k: round(v, r) for k, v in self.by_service.items()},
            "by_region": {k: round(v, r) for k, v in self.by_region.items()},
            "lines": [line.as_dict() for line in self.lines],
            "unconfirmed_lines": [line.as_dict() for line in self.unconfirmed_lines],
            "strategy": self.strategy,
            "yearly_usd": round(self.yearly_usd, r),
            "dr_monthly_usd": round(self.dr_monthly_usd, r),
            "dr_yearly_usd": round(self.dr_yearly_usd, r),
            "price_tables": dict(self.tables),
            "unconfirmed_share": round(self.unconfirmed_share, r),
        }
