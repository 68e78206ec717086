"""Duration distributions used in scenarios.

Every uncertain duration in a scenario is one of these, written in YAML as a
mapping with a ``dist`` tag::

    {dist: fixed, value: 30}
    {dist: uniform, low: 20, high: 60}
    {dist: triangular, low: 20, mode: 40, high: 180}
    {dist: lognormal, p50: 45, p95: 120}
    {dist: empirical, samples: [41.2, 38.0, 52.9]}

Each class validates its parameters when built, knows its ``mean`` and
``variance``, and draws from an explicit :class:`numpy.random.Generator`.
All values are durations in seconds and therefore never negative.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

# z-score of the 95th percentile of the standard normal distribution.
Z95 = 1.6448536269514722

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Distribution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def sample(self, rng: np.random.Generator, size: int | None = None):
        """Draw one value (``size=None``) or an array of ``size`` values. [s]"""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """Expected value. [s]"""
        raise NotImplementedError

    @property
    def variance(self) -> float:
        """Variance. [s²]"""
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.model_dump().items() if k != "dist")
        return f"{type(self).__name__}({params})"

    __str__ = __repr__


class Fixed(_Distribution):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    def sample(self, rng, size=None):
        return self.value if size is None else np.full(size, self.value, dtype=float)

    @property
    def mean(self):
        return self.value

    @property
    def variance(self):
        return 0.0


class Uniform(_Distribution):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise PydanticCustomError(
                "drsim", "high ({high}) is below low ({low}); swap them",
                {"high": self.high, "low": self.low},
            )
        return self

    def sample(self, rng, size=None):
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12


class Triangular(_Distribution):
    """Triangular with minimum ``low``, most likely ``mode`` and maximum ``high``."""

    dist: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high:
            raise PydanticCustomError(
                "drsim",
                "needs low <= mode <= high, got low={low}, mode={mode}, high={high}",
                {"low": self.low, "mode": self.mode, "high": self.high},
            )
        return self

    def sample(self, rng, size=None):
        if self.low == self.high:  # numpy refuses a zero-width triangle
            return Fixed(value=self.low).sample(rng, size)
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean(self):
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self):
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


class LogNormal(_Distribution):
    """Log-normal given by its median ``p50`` and 95th percentile ``p95``.

    ``mu = ln(p50)`` and ``sigma = (ln(p95) - ln(p50)) / z95``; ``p95 == p50``
    is the degenerate case ``sigma = 0``.
    """

    dist: Literal["lognormal"] = "lognormal"
    p50: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    p95: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _ordered(self):
        if self.p95 < self.p50:
            raise PydanticCustomError(
                "drsim",
                "p95 ({p95}) is below p50 ({p50}); the 95th percentile of a duration "
                "cannot be shorter than its median",
                {"p95": self.p95, "p50": self.p50},
            )
        return self

    # Sampling sits on the simulator's hot path: compute the parameters once
    # (cached in the instance; pydantic compares and dumps fields only).
    @cached_property
    def mu(self) -> float:
        return math.log(self.p50)

    @cached_property
    def sigma(self) -> float:
        return (math.log(self.p95) - math.log(self.p50)) / Z95

    def sample(self, rng, size=None):
        return rng.lognormal(self.mu, self.sigma, size)

    @property
    def mean(self):
        return math.exp(self.mu + self.sigma**2 / 2)

    @property
    def variance(self):
        s2 = self.sigma**2
        return (math.exp(s2) - 1) * math.exp(2 * self.mu + s2)


class Empirical(_Distribution):
    """Resamples observed values with equal weight (e.g. game-day measurements)."""

    dist: Literal["empirical"] = "empirical"
    samples: Annotated[tuple[NonNegative, ...], Field(min_length=1)]

    @field_validator("samples", mode="before")
    @classmethod
    def _not_empty(cls, v):
        if isinstance(v, (list, tuple)) and len(v) == 0:
            raise PydanticCustomError("drsim", "needs at least one sample", {})
        return v

    _values: np.ndarray = PrivateAttr()

    def model_post_init(self, __context) -> None:
        self._values = np.asarray(self.samples, dtype=float)

    def sample(self, rng, size=None):
        idx = rng.integers(0, len(self._values), size)
        return float(self._values[idx]) if size is None else self._values[idx]

    @property
    def mean(self):
        return float(np.mean(self.samples))

    @property
    def variance(self):
        return float(np.var(self.samples))


Distribution = Annotated[
    Union[Fixed, Uniform, Triangular, LogNormal, Empirical],
    Field(discriminator="dist"),
]
"""Any of the distributions, chosen by the ``dist`` tag."""

DIST_NAMES = ("fixed", "uniform", "triangular", "lognormal", "empirical")
