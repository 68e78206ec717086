"""JSON output: strict JSON (no Infinity/NaN) with numpy scalars as plain numbers."""

import json
import math

import numpy as np

from drsim.jsontext import plain, to_json


def test_infinities_and_nan_become_null_and_numpy_scalars_plain_numbers():
    data = {"rto_s": {"max": math.inf, "p50": np.float64(12.5)}, 3: [np.int64(7), math.nan],
            "t": (1.0, -math.inf)}
    assert plain(data) == {"rto_s": {"max": None, "p50": 12.5}, "3": [7, None], "t": [1.0, None]}
    text = to_json(data)
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)["rto_s"]["p50"] == 12.5
