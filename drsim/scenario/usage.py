"""Usage assumptions the cost model needs (sizes, request and transfer volumes).

Every field has a documented default so a scenario may omit the section.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Usage(BaseModel):
    """Monthly usage of the service.

    requests_per_s : average requests per second over the month. [1/s]
    response_kb : average response size. [KB]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    requests_per_s: float = Field(default=50.0, ge=0, allow_inf_nan=False)
    response_kb: float = Field(default=20.0, ge=0, allow_inf_nan=False)
