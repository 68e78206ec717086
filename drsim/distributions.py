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

Every distribution also takes optional ``lower`` and ``upper`` bounds [s]
(``{dist: lognormal, p50: 30, p95: 900, upper: 900}``): it is then the
distribution *conditioned* on ``lower <= x <= upper`` (truncated, not
clipped), and ``mean`` and ``variance`` are those of the truncated
distribution, in closed form. A bounded draw takes exactly the random
numbers the unbounded draw would take and maps the unbounded value ``x``
through ``G^-1(F(x))`` (``F`` the CDF, ``G`` the truncated CDF): that is
exact, keeps the simulator's common random numbers aligned between a
bounded and an unbounded configuration, and is monotone, so bounding a
duration never reorders trials. Without bounds nothing changes: the same
draws, bit for bit.
"""

from __future__ import annotations

import functools
import math
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

# z-score of the 95th percentile of the standard normal distribution.
Z95 = 1.6448536269514722

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

# A bounded interval whose probability under the unbounded distribution is
# below this is treated as empty: past it the normal quantile function and
# the ratio of two masses lose their precision (subnormal doubles).
MIN_MASS = 1e-300

_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(x):
    """Standard normal CDF, scalar or array, accurate in both tails (via erfc)."""
    if np.ndim(x) == 0:
        return 0.5 * math.erfc(-float(x) / math.sqrt(2))
    return 0.5 * np.asarray(_erfc(-np.asarray(x, dtype=float) / math.sqrt(2)), dtype=float)


def normal_mass(a: float, b: float) -> float:
    """P(a < Z < b) for a standard normal Z, precise also far in the upper tail."""
    if a > 0:  # 1 - cdf would cancel: use the symmetric lower tail instead
        return normal_cdf(-a) - normal_cdf(-b)
    return normal_cdf(b) - normal_cdf(a)


# Acklam's rational approximation of the normal quantile (relative error below 1.2e-9),
# refined below by one Halley step on the exact CDF: vectorised, where calling
# statistics.NormalDist.inv_cdf once per value cost most of a trial (a thousand bounded
# draws per trial for the TTL violators' extra delay).
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00)
_P_LOW = 0.02425


def _acklam_tail(q: np.ndarray) -> np.ndarray:
    """Acklam's lower-tail ratio in ``q = sqrt(-2 ln p)``."""
    return (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / \
        ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1)


def _acklam_central(p: np.ndarray) -> np.ndarray:
    """Acklam's central ratio, for ``_P_LOW <= p <= 1 - _P_LOW``."""
    q = p - 0.5
    r = q * q
    return (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q / \
        (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)


def _acklam(p: np.ndarray) -> np.ndarray:
    """Acklam's approximation of the standard normal quantile, for 0 < p < 1."""
    low, high = p < _P_LOW, p > 1 - _P_LOW
    any_low, any_high = low.any(), high.any()
    # A region no value falls in costs nothing: the simulator's calls are small arrays
    # (a trial's TTL violators), where each array operation's overhead is the cost.
    if not (any_low or any_high):
        return _acklam_central(p)
    x = np.empty_like(p)
    if any_low:
        x[low] = _acklam_tail(np.sqrt(-2 * np.log(p[low])))
    if any_high:
        x[high] = -_acklam_tail(np.sqrt(-2 * np.log1p(-p[high])))
    mid = ~(low | high)
    if mid.any():
        x[mid] = _acklam_central(p[mid])
    return x


def _normal_quantile(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile of an array of probabilities (0 -> -inf, 1 -> inf).

    Acklam's approximation and one Halley step on the CDF (through erfc, accurate in
    the lower tail, which is the only one :func:`truncate_standard_normal` asks for):
    within a few units in the last place of ``statistics.NormalDist().inv_cdf``.
    """
    p = np.asarray(p, dtype=float)
    upper = p > 0.5
    any_upper = upper.any()  # never, from truncate_standard_normal: skip the mirroring
    # The lower tail of min(p, 1 - p) (1 - p is exact there), mirrored for the upper half.
    inner = np.clip(np.where(upper, 1 - p, p) if any_upper else p, MIN_MASS, 0.5)
    x = _acklam(inner)
    e = normal_cdf(x) - inner
    u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
    x = x - u / (1 + x * u / 2)
    if any_upper:
        x = np.where(upper, -x, x)
    return np.where(p <= 0, -np.inf, np.where(p >= 1, np.inf, x))


@functools.lru_cache(maxsize=256)
def _truncation(a: float, b: float) -> tuple[float, float, float]:
    """``(P(a < Z < b), Phi(a), Phi(-b))`` for the bounds of a truncated normal (each
    bounded distribution has one pair, asked for at every draw)."""
    return normal_mass(a, b), normal_cdf(a), normal_cdf(-b)


def truncate_standard_normal(z, a: float, b: float):
    """Map standard normal draws ``z`` onto the normal truncated to ``[a, b]``.

    ``z -> G^-1(Phi(z))`` with ``G`` the truncated CDF: exact and monotone.
    Each value is computed from the tail it lands in (lower CDF or survival
    function), so bounds far in either tail keep full precision.
    """
    zz = np.asarray(z, dtype=float)
    mass, cdf_a, sf_b = _truncation(float(a), float(b))
    # Phi(z) and Phi(-z) from one pass: the smaller of the two from erfc (accurate in the
    # tail), the larger as 1 minus it (no cancellation: it is at least 1/2).
    tail = normal_cdf(-np.abs(zz))
    lower = zz <= 0
    from_below = cdf_a + mass * np.where(lower, tail, 1 - tail)  # G(z') as a lower-tail probability
    # 1 - G(z'), its upper tail
    from_above = sf_b + mass * np.where(lower, 1 - tail, tail)
    below = from_below <= 0.5
    # Each value from the tail it lands in: the quantile of its lower-tail probability,
    # mirrored for an upper one. One call for both tails (the quantile works value by
    # value), as a trial's small arrays pay per array operation, not per value.
    q = _normal_quantile(np.where(below, from_below, from_above))
    out = np.clip(np.where(below, q, -q), a, b)
    return float(out) if np.ndim(z) == 0 else out


def _num(x: float) -> str:
    return f"{x:g}"


class _Distribution(BaseModel):
    """Common parts: optional truncation bounds and their checks.

    lower : draws are conditioned on being at least this. [s]
    upper : draws are conditioned on being at most this. [s]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lower: NonNegative | None = None
    upper: NonNegative | None = None

    @model_validator(mode="after")
    def _valid(self):
        self._check_params()
        self._check_bounds()
        return self

    def _check_params(self) -> None:
        """Raise a PydanticCustomError if the shape parameters do not fit together."""

    @property
    def bounded(self) -> bool:
        """True if ``lower`` or ``upper`` is set."""
        return self.lower is not None or self.upper is not None

    @property
    def lo(self) -> float:
        """The lower bound, 0 when unset (durations are never negative). [s]"""
        return 0.0 if self.lower is None else self.lower

    @property
    def hi(self) -> float:
        """The upper bound, inf when unset. [s]"""
        return math.inf if self.upper is None else self.upper

    def _check_bounds(self) -> None:
        if not self.bounded:
            return
        if self.lo >= self.hi:
            raise PydanticCustomError(
                "drsim", "lower ({lower}) must be below upper ({upper})",
                {"lower": _num(self.lo), "upper": _num(self.hi)})
        problem = self._excluded_by_bounds()
        if problem:
            raise PydanticCustomError(
                "drsim", "bounds [{lower}, {upper}] exclude the whole distribution: {problem}",
                {"lower": _num(self.lo), "upper": _num(self.hi), "problem": problem})

    def _excluded_by_bounds(self) -> str | None:
        """Why ``[lo, hi]`` keeps none of the distribution, and what is allowed; None if it keeps some."""
        raise NotImplementedError

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
        fields = self.model_dump()
        bounds = {k: fields.pop(k) for k in ("lower", "upper")}
        fields.pop("dist")
        fields.update((k, v) for k, v in bounds.items() if v is not None)
        params = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return f"{type(self).__name__}({params})"

    __str__ = __repr__


class Fixed(_Distribution):
    """Always the same value; bounds must contain it and change nothing else."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    def _excluded_by_bounds(self):
        if self.lo <= self.value <= self.hi:
            return None
        return f"the fixed value {_num(self.value)} lies outside them; allowed: lower <= value <= upper"

    def sample(self, rng, size=None):
        return self.value if size is None else np.full(size, self.value, dtype=float)

    @property
    def mean(self):
        return self.value

    @property
    def variance(self):
        return 0.0


class Uniform(_Distribution):
    """Uniform on ``[low, high]``; bounded, uniform on its overlap with ``[lower, upper]``."""

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    def _check_params(self):
        if self.high < self.low:
            raise PydanticCustomError(
                "drsim", "high ({high}) is below low ({low}); swap them",
                {"high": self.high, "low": self.low},
            )

    @property
    def _range(self) -> tuple[float, float]:
        """The interval the draws cover, after truncation. [s]"""
        if not self.bounded:
            return self.low, self.high
        return max(self.low, self.lo), min(self.high, self.hi)

    def _excluded_by_bounds(self):
        a, b = self._range
        if a < b or (self.low == self.high and self.lo <= self.low <= self.hi):
            return None
        return (f"uniform on [{_num(self.low)}, {_num(self.high)}]; allowed: lower below "
                f"{_num(self.high)} and upper above {_num(self.low)}")

    def sample(self, rng, size=None):
        # One uniform per draw either way: a + (b - a) * u, the same u as unbounded.
        a, b = self._range
        return rng.uniform(a, b, size)

    @property
    def mean(self):
        a, b = self._range
        return (a + b) / 2

    @property
    def variance(self):
        a, b = self._range
        return (b - a) ** 2 / 12


class Triangular(_Distribution):
    """Triangular with minimum ``low``, most likely ``mode`` and maximum ``high``."""

    dist: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    def _check_params(self):
        if not self.low <= self.mode <= self.high:
            raise PydanticCustomError(
                "drsim",
                "needs low <= mode <= high, got low={low}, mode={mode}, high={high}",
                {"low": self.low, "mode": self.mode, "high": self.high},
            )

    def cdf(self, x: float) -> float:
        """P(X <= x) of the untruncated triangle."""
        lo, c, hi = self.low, self.mode, self.high
        if x <= lo:
            return 0.0
        if x >= hi:
            return 1.0
        if x <= c:  # here lo < x <= c, so c > lo
            return (x - lo) ** 2 / ((hi - lo) * (c - lo))
        return 1 - (hi - x) ** 2 / ((hi - lo) * (hi - c))

    def _quantile(self, u):
        lo, c, hi = self.low, self.mode, self.high
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - c))
        return np.where(u <= (c - lo) / (hi - lo), left, right)

    @property
    def _range(self) -> tuple[float, float]:
        return max(self.low, self.lo), min(self.high, self.hi)

    def _excluded_by_bounds(self):
        a, b = self._range
        if (a < b) if self.low < self.high else (self.lo <= self.low <= self.hi):
            return None
        return (f"triangular on [{_num(self.low)}, {_num(self.high)}]; allowed: lower below "
                f"{_num(self.high)} and upper above {_num(self.low)}")

    def sample(self, rng, size=None):
        if self.low == self.high:  # numpy refuses a zero-width triangle
            return Fixed(value=self.low).sample(rng, size)
        if not self.bounded:
            return rng.triangular(self.low, self.mode, self.high, size)
        # numpy's triangular is the inverse CDF of one uniform: take that uniform
        # and put it on the bounded part of the CDF.
        a, b = self._range
        fa, fb = self.cdf(a), self.cdf(b)
        x = np.clip(self._quantile(fa + (fb - fa) * rng.random(size)), a, b)
        return float(x) if size is None else x

    def _partial_moment(self, k: int) -> float:
        """E[Y^k; lower <= X <= upper] with Y = X - low (shifted for precision)."""
        c, h = self.mode - self.low, self.high - self.low
        a, b = (v - self.low for v in self._range)
        total = 0.0
        lo, hi = max(a, 0.0), min(b, c)
        if hi > lo:  # rising side, density 2y / (h c)
            total += 2 / (h * c) * (hi ** (k + 2) - lo ** (k + 2)) / (k + 2)
        lo, hi = max(a, c), min(b, h)
        if hi > lo:  # falling side, density 2 (h - y) / (h (h - c))
            def g(y):
                return h * y ** (k + 1) / (k + 1) - y ** (k + 2) / (k + 2)
            total += 2 / (h * (h - c)) * (g(hi) - g(lo))
        return total

    @property
    def mean(self):
        if not self.bounded or self.low == self.high:
            return (self.low + self.mode + self.high) / 3
        return self.low + self._partial_moment(1) / self._partial_moment(0)

    @property
    def variance(self):
        if not self.bounded or self.low == self.high:
            a, c, b = self.low, self.mode, self.high
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        m0 = self._partial_moment(0)
        m1 = self._partial_moment(1) / m0
        return max(self._partial_moment(2) / m0 - m1 * m1, 0.0)


class LogNormal(_Distribution):
    """Log-normal given by its median ``p50`` and 95th percentile ``p95``.

    ``mu = ln(p50)`` and ``sigma = (ln(p95) - ln(p50)) / z95``; ``p95 == p50``
    is the degenerate case ``sigma = 0``. ``p50`` and ``p95`` are those of the
    untruncated distribution; bounds then condition it on ``[lower, upper]``.
    """

    dist: Literal["lognormal"] = "lognormal"
    p50: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    p95: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    def _check_params(self):
        if self.p95 < self.p50:
            raise PydanticCustomError(
                "drsim",
                "p95 ({p95}) is below p50 ({p50}); the 95th percentile of a duration "
                "cannot be shorter than its median",
                {"p95": self.p95, "p50": self.p50},
            )

    # Sampling sits on the simulator's hot path: compute the parameters once
    # (cached in the instance; pydantic compares and dumps fields only).
    @cached_property
    def mu(self) -> float:
        return math.log(self.p50)

    @cached_property
    def sigma(self) -> float:
        return (math.log(self.p95) - math.log(self.p50)) / Z95

    @cached_property
    def _z_bounds(self) -> tuple[float, float]:
        """The bounds in standard-normal units of ln(x)."""
        def z(x):
            return -math.inf if x <= 0 else (math.log(x) - self.mu) / self.sigma
        return z(self.lo), z(self.hi)

    def _excluded_by_bounds(self):
        if self.sigma == 0:
            if self.lo <= self.p50 <= self.hi:
                return None
            return (f"lognormal with p50 = p95 = {_num(self.p50)} is that value; allowed: "
                    f"lower <= {_num(self.p50)} <= upper")
        mass = normal_mass(*self._z_bounds)
        if mass >= MIN_MASS:
            return None
        return (f"lognormal (p50 {_num(self.p50)}, p95 {_num(self.p95)}) has probability "
                f"{mass:.1e} there, numerically zero; allowed: bounds keeping probability "
                f"above {MIN_MASS:g}, e.g. around its median {_num(self.p50)}")

    def sample(self, rng, size=None):
        if not self.bounded:
            return rng.lognormal(self.mu, self.sigma, size)
        # The same standard normal the unbounded draw uses (rng.lognormal is
        # exp(mu + sigma * standard_normal)), moved onto the truncated normal.
        z = rng.standard_normal(size)
        if self.sigma == 0:
            z = np.zeros_like(z) if size is not None else 0.0
        else:
            z = truncate_standard_normal(z, *self._z_bounds)
        x = np.clip(np.exp(self.mu + self.sigma * np.asarray(z)), self.lo, self.hi)
        return float(x) if size is None else x

    def _raw_moment(self, k: int) -> float:
        """E[X^k | lower <= X <= upper]: exp(k mu + k^2 s^2 / 2) times a ratio of normal masses."""
        s = self.sigma
        full = math.exp(k * self.mu + (k * s) ** 2 / 2)
        if not self.bounded or s == 0:
            return full
        a, b = self._z_bounds
        return full * normal_mass(a - k * s, b - k * s) / normal_mass(a, b)

    @property
    def mean(self):
        if not self.bounded:
            return math.exp(self.mu + self.sigma**2 / 2)
        return self._raw_moment(1)

    @property
    def variance(self):
        if not self.bounded:
            s2 = self.sigma**2
            return (math.exp(s2) - 1) * math.exp(2 * self.mu + s2)
        m1 = self._raw_moment(1)
        return max(self._raw_moment(2) - m1 * m1, 0.0)


class Empirical(_Distribution):
    """Resamples observed values with equal weight (e.g. game-day measurements).

    Bounded, it resamples only the values inside ``[lower, upper]``.
    """

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
        values = np.asarray(self.samples, dtype=float)
        if self.bounded:
            values = values[(values >= self.lo) & (values <= self.hi)]
        self._values = values

    def _excluded_by_bounds(self):
        if len(self._values):
            return None
        return (f"no sample lies in them (samples from {_num(min(self.samples))} to "
                f"{_num(max(self.samples))}); allowed: bounds that keep at least one sample")

    def sample(self, rng, size=None):
        idx = rng.integers(0, len(self._values), size)
        return float(self._values[idx]) if size is None else self._values[idx]

    @property
    def mean(self):
        if self.bounded:
            return float(np.mean(self._values))
        return float(np.mean(self.samples))

    @property
    def variance(self):
        if self.bounded:
            return float(np.var(self._values))
        return float(np.var(self.samples))


Distribution = Annotated[
    Fixed | Uniform | Triangular | LogNormal | Empirical,
    Field(discriminator="dist"),
]
"""Any of the distributions, chosen by the ``dist`` tag."""

DIST_NAMES = ("fixed", "uniform", "triangular", "lognormal", "empirical")
