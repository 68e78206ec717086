"""A sweep's rows on disk, written as they come so a crash keeps every complete row.

``results.parquet/`` is a folder (a Parquet dataset any Parquet reader opens
whole): ``_sweep.json`` names the spec's fingerprint, and each
``part-NNNNN.parquet`` holds a batch of complete rows, written under a temporary
name and renamed, so a part is either whole or absent. A re-run of the same spec
reads which configurations are there and skips them; another spec at the same
place is refused, and nothing is overwritten. pyarrow is the ``parquet`` extra.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from drsim.errors import DrsimError

MANIFEST = "_sweep.json"
"""The file naming the spec whose rows the folder holds (readers skip ``_`` files)."""
PART = "part-{:05d}.parquet"

_ARROW_TYPES = {"int": "int64", "float": "float64", "bool": "bool_", "str": "string",
                "json": "string"}


def require_pyarrow(where: str):
    """pyarrow, or a DrsimError saying how to install it."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError:
        raise DrsimError(f"{where}: writing a sweep's Parquet results needs pyarrow, which is "
                         "not installed; install it with pip install 'drsim[parquet]' (or "
                         "pip install pyarrow), or run without --out") from None
    return pq


class SweepStore:
    """The rows of one sweep in a Parquet folder (see the module).

    path : the folder.
    columns : ``{column: kind}`` (kinds of :data:`drsim.sweep.configurations.COLUMN_KINDS`),
        in table order.
    """

    def __init__(self, path: str | os.PathLike, fingerprint: str, columns: dict[str, str],
                 about: dict):
        self.pq = require_pyarrow(f"--out {path}")
        import pyarrow as pa

        self.path = Path(path)
        self.columns = dict(columns)
        self.schema = pa.schema([(c, getattr(pa, _ARROW_TYPES[k])()) for c, k in columns.items()])
        self._check_or_create(fingerprint, about)

    def _check_or_create(self, fingerprint: str, about: dict) -> None:
        manifest = self.path / MANIFEST
        if self.path.exists() and not self.path.is_dir():
            raise DrsimError(f"--out {self.path}: is a file; a sweep writes a folder of Parquet "
                             "parts there; choose another --out (nothing was overwritten)")
        if manifest.is_file():
            found = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
            if found != fingerprint:
                raise DrsimError(f"--out {self.path}: holds the results of another sweep (a "
                                 "different spec, base scenario or engine); nothing was "
                                 "overwritten: choose another --out, or remove that folder to "
                                 "start again")
            return
        if self.path.is_dir() and any(self.path.iterdir()):
            raise DrsimError(f"--out {self.path}: is a folder that holds no sweep results "
                             f"(no {MANIFEST}); nothing was overwritten: choose another --out")
        self.path.mkdir(parents=True, exist_ok=True)
        self._atomic(manifest, lambda tmp: Path(tmp).write_text(
            json.dumps({"fingerprint": fingerprint, **about}, indent=2, default=str),
            encoding="utf-8"))

    def _parts(self) -> list[Path]:
        return sorted(self.path.glob("part-*.parquet"))

    def done(self) -> set[int]:
        """The ``config`` numbers whose rows are already there."""
        out: set[int] = set()
        for part in self._parts():
            out.update(self.pq.read_table(part, columns=["config"]).column(0).to_pylist())
        return out

    def write(self, frame: pd.DataFrame) -> None:
        """Add ``frame``'s rows as a new part (whole or not at all)."""
        if frame.empty:
            return
        import pyarrow as pa

        parts = self._parts()
        number = int(parts[-1].stem.split("-")[1]) + 1 if parts else 0
        table = pa.Table.from_pandas(frame[list(self.columns)], schema=self.schema,
                                     preserve_index=False)
        self._atomic(self.path / PART.format(number),
                     lambda tmp: self.pq.write_table(table, tmp))

    def read(self) -> pd.DataFrame:
        """Every row there, in ``config`` order."""
        parts = self._parts()
        if not parts:
            return pd.DataFrame({c: [] for c in self.columns})
        import pyarrow as pa

        table = pa.concat_tables([self.pq.read_table(p, schema=self.schema) for p in parts])
        frame = table.to_pandas()
        return frame.sort_values("config", kind="stable").reset_index(drop=True)

    @staticmethod
    def _atomic(target: Path, write) -> None:
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            write(tmp)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
