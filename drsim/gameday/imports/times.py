"""Times as the tools write them, as Unix epoch seconds (UTC).

ISO-8601 text goes through :func:`drsim.gameday.aws.raw.epoch_s` (``Z`` or an offset;
a naive time refused), the one parser of times in drsim, with two documented
exceptions: Chaos Toolkit writes its journal's times as naive UTC (its journal
specification says UTC; chaoslib writes ``datetime.utcnow().isoformat()``), and
the AWS CLI may print timestamps as epoch numbers.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from drsim.errors import DrsimError
from drsim.gameday.aws.raw import epoch_s

__all__ = ["aws_time", "epoch_s", "iso_duration_s", "utc_time"]


def utc_time(text, where: str) -> float:
    """Epoch seconds of an ISO-8601 time; a naive one is read as UTC (Chaos Toolkit's
    journals, whose specification puts every time in UTC). [s]"""
    if isinstance(text, str):
        try:
            naive = datetime.fromisoformat(text.strip()).tzinfo is None
        except ValueError:
            naive = False  # epoch_s words the refusal
        if naive:
            text = text.strip() + "+00:00"
    return epoch_s(text, where)


def aws_time(value, where: str) -> float:
    """Epoch seconds of a timestamp in an AWS response saved as JSON: ISO-8601 text
    with an offset (boto3's datetime as text, the AWS CLI v2), or epoch seconds (the
    API's own JSON, the AWS CLI v1). [s]"""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise DrsimError(f"{where}: time {value!r} is not a moment")
        return float(value)
    return epoch_s(value, where)


_DURATION = re.compile(r"P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def iso_duration_s(text, where: str) -> float:
    """Seconds of an ISO-8601 duration (``PT7M42S``, ``P1DT2H``: days and time parts;
    years and months have no fixed length and are refused). [s]"""
    m = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise DrsimError(f"{where}: {text!r} is not an ISO-8601 duration in days, hours, "
                         "minutes and seconds (e.g. PT7M42S)")
    d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s
