"""JSON for people and scripts: no Infinity or NaN (JSON has neither), plain numbers.

Every command's ``--json``, the game-day files and the report records go through here.
"""

from __future__ import annotations

import json
import math
from typing import Any


def plain(obj: Any) -> Any:
    """``obj`` as plain JSON data: inf and NaN become None, numpy scalars plain
    numbers, mapping keys strings, a typed result (one with ``as_dict()``, e.g. a
    :class:`drsim.summary.Summary`) its dict."""
    if callable(getattr(obj, "as_dict", None)) and not isinstance(obj, type):
        # Its own JSON shape, rather than the text of its repr that to_json's
        # default=str would write.
        return plain(obj.as_dict())
    if hasattr(obj, "item") and not isinstance(obj, (list, tuple, dict, str)):
        try:
            obj = obj.item()  # numpy scalar
        except (TypeError, ValueError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def to_json(obj: Any) -> str:
    """Indented JSON text of ``obj`` (see :func:`plain`); anything else is written as text."""
    return json.dumps(plain(obj), indent=2, allow_nan=False, default=str)
