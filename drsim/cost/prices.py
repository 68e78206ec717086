"""Dated, sourced price tables: the one loader.

A table is a CSV file ``aws_<region>_<YYYY-MM-DD>.csv`` in ``drsim/data/prices/`` (see
its README), read from the installed package. Tables are never edited in place; a newer
price is a newer file, so :func:`load_prices` takes the newest table of each region at or
before ``as_of``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from drsim import bundled
from drsim.errors import DrsimError

GLOBAL_REGION = "global"
"""Pseudo-region of services billed once per account (Route 53)."""

COLUMNS = ("key", "service", "item", "unit", "usd_per_unit", "source", "source_date",
           "retrieved", "unconfirmed")
_NAME = re.compile(
    r"^aws_(?P<region>[a-z0-9-]+)_(?P<date>\d{4}-\d{2}-\d{2})(?:\.(?P<revision>[1-9]\d*))?\.csv$")
"""``aws_<region>_<date>.csv``, or ``aws_<region>_<date>.<n>.csv`` for the n-th table written
on the same day (the plain name is the first): a table is never edited, so a second one the
same day gets a revision, and the highest revision of a date is that date's table."""


def default_prices_dir() -> Path:
    """``drsim/data/prices``: the tables bundled in the installed package."""
    return bundled.prices_dir()


@dataclass(frozen=True)
class Price:
    """One row of a price table.

    usd_per_unit : on-demand price. [USD per ``unit``]
    unconfirmed : no retrieved source confirms the figure.
    table : file the row came from.
    """

    key: str
    service: str
    item: str
    unit: str
    usd_per_unit: float
    source: str
    source_date: str
    retrieved: str
    unconfirmed: bool
    table: str


@dataclass(frozen=True)
class PriceTable:
    """The rows of one dated table for one region."""

    region: str
    date: dt.date
    path: Path
    rows: dict[str, Price]


@dataclass(frozen=True)
class PriceBook:
    """The tables a scenario is priced with: one per region, plus ``global``."""

    tables: dict[str, PriceTable] = field(default_factory=dict)

    def price(self, region: str, key: str, unit: str, what: str = "",
              family: str | None = None) -> Price:
        """The row ``key`` of ``region``'s table, checked to be priced in ``unit``.

        Parameters
        ----------
        region : AWS region, or ``global``.
        key : row key, e.g. ``alb.hour``.
        unit : the unit the model computes its quantity in; a table with another
            unit for this key would be silently wrong, so it is an error.
        what : the scenario field that asked for the price, for the message.
        family : the key's prefix shared by its alternatives (``aurora.instance.``),
            to list what is priced when ``key`` is not; default: up to the last dot.
        """
        table = self.tables[region]
        row = table.rows.get(key)
        if row is None:
            where = f"{what}: " if what else ""
            if family is not None:
                # e.g. an instance class: name what the table does price
                siblings = sorted(k.removeprefix(family) for k in table.rows
                                  if k.startswith(family))
                raise DrsimError(f"{where}{key.removeprefix(family)!r} has no price in "
                                 f"{table.path.name} (key {key!r}); priced there: "
                                 f"{', '.join(siblings) or 'none'}")
            later = _first_table_with(table, key)
            if later is not None:
                # An older table, from before the cost model priced this line (--prices-as-of).
                raise DrsimError(f"{where}{table.path.name} has no row {key!r}: the cost model "
                                 f"prices it since {later.name}, dated after "
                                 f"{table.date}; price as of that day or later")
            close = difflib.get_close_matches(key, list(table.rows), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DrsimError(f"{where}{table.path.name} has no row {key!r}{hint}; the cost model "
                             "needs it (add it in a new dated table)")
        if row.unit != unit:
            raise DrsimError(f"{table.path.name}: {key} is priced per {row.unit!r}, but the cost "
                             f"model counts {unit!r}; fix the table (in a new dated file)")
        return row


def _first_table_with(table: PriceTable, key: str) -> Path | None:
    """The first table of ``table``'s region and folder, dated after it, with a row ``key``."""
    for date, path in list_tables(table.path.parent).get(table.region, []):
        if date > table.date and key in _read_table(path, table.region, date).rows:
            return path
    return None


def _read_table(path: Path, region: str, date: dt.date) -> PriceTable:
    rows: dict[str, Price] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise DrsimError(f"{path}: missing column(s) {', '.join(missing)}; "
                             f"a price table has {', '.join(COLUMNS)}")
        for n, raw in enumerate(reader, start=2):
            where = f"{path}:{n}"
            key = (raw["key"] or "").strip()
            if not key:
                raise DrsimError(f"{where}: key is empty")
            if key in rows:
                raise DrsimError(f"{where}: key {key!r} appears twice; keep one")
            try:
                usd = float(raw["usd_per_unit"])
            except (TypeError, ValueError):
                raise DrsimError(f"{where}: usd_per_unit {raw['usd_per_unit']!r} is not a "
                                 "number") from None
            if not math.isfinite(usd) or usd < 0:
                raise DrsimError(f"{where}: usd_per_unit {usd} must be a finite number >= 0")
            flag = (raw["unconfirmed"] or "").strip().lower()
            if flag not in ("yes", "no"):
                raise DrsimError(f"{where}: unconfirmed {raw['unconfirmed']!r} is not yes or no")
            if not (raw["source"] or "").strip():
                raise DrsimError(f"{where}: source is empty; every price needs one")
            rows[key] = Price(key=key, service=raw["service"], item=raw["item"],
                              unit=raw["unit"], usd_per_unit=usd, source=raw["source"],
                              source_date=raw["source_date"], retrieved=raw["retrieved"],
                              unconfirmed=flag == "yes", table=path.name)
    return PriceTable(region=region, date=date, path=path, rows=rows)


def list_tables(prices_dir: str | os.PathLike | None = None) -> dict[str, list[tuple[dt.date, Path]]]:
    """Every table in ``prices_dir`` by region, oldest first (by date, then revision)."""
    folder = Path(prices_dir) if prices_dir is not None else default_prices_dir()
    if not folder.is_dir():
        raise DrsimError(f"{folder}: no such folder of price tables")
    found: dict[str, list[tuple[dt.date, Path]]] = {}
    for path in sorted(folder.glob("aws_*.csv")):
        m = _NAME.match(path.name)
        if not m:
            continue
        try:
            date = dt.date.fromisoformat(m["date"])
        except ValueError:
            raise DrsimError(f"{path}: {m['date']!r} in the name is not a date") from None
        found.setdefault(m["region"], []).append((date, path))
    for versions in found.values():
        versions.sort(key=lambda version: (version[0], _revision(version[1])))
    return found


def _revision(path: Path) -> int:
    """A table's revision within its day: 1 for the plain name, n for ``<date>.<n>.csv``."""
    m = _NAME.match(path.name)
    return int(m["revision"]) if m and m["revision"] else 1


def available_regions(prices_dir: str | os.PathLike | None = None) -> list[str]:
    """Regions that have a price table (``global`` excluded)."""
    return sorted(r for r in list_tables(prices_dir) if r != GLOBAL_REGION)


def load_table(region: str, prices_dir: str | os.PathLike | None = None,
               as_of: dt.date | None = None, what: str = "") -> PriceTable:
    """The newest table of ``region`` dated at or before ``as_of`` (default: any date).

    Raises
    ------
    DrsimError
        when the region has no table, naming the regions that have one.
    """
    tables = list_tables(prices_dir)
    versions = [(d, p) for d, p in tables.get(region, []) if as_of is None or d <= as_of]
    if not versions:
        where = f"{what}: " if what else ""
        regions = ", ".join(sorted(r for r in tables if r != GLOBAL_REGION)) or "none"
        folder = Path(prices_dir) if prices_dir is not None else default_prices_dir()
        dated = f" dated on or before {as_of}" if as_of is not None and region in tables else ""
        raise DrsimError(f"{where}no price table{dated} for region {region!r} in {folder}; "
                         f"regions with a table: {regions} (add one with "
                         f"'drsim prices refresh --region {region}')")
    date, path = versions[-1]
    return _read_table(path, region, date)


def load_prices(regions: dict[str, str] | list[str], prices_dir: str | os.PathLike | None = None,
                as_of: dt.date | None = None) -> PriceBook:
    """The price book for ``regions`` plus the global table.

    Parameters
    ----------
    regions : region names, or ``{field path: region}`` so a missing table is
        reported against the scenario field that names it (``regions.primary``).
    prices_dir : folder of tables (default: the bundled ``drsim/data/prices``).
    as_of : use the newest tables dated on or before this day.
    """
    named = regions if isinstance(regions, dict) else {r: r for r in regions}
    tables: dict[str, PriceTable] = {}
    for what, region in named.items():
        if region not in tables:
            tables[region] = load_table(region, prices_dir, as_of,
                                        what=what if what != region else "")
    tables[GLOBAL_REGION] = load_table(GLOBAL_REGION, prices_dir, as_of)
    return PriceBook(tables)
