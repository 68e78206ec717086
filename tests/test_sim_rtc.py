"""S3 Replication Time Control reaches the simulator: with ``rtc: true`` the assets
lag is the lognormal truncated at 900 s (RTC: 99.99 % of objects within 15 min),
with ``rtc: false`` it keeps its unbounded tail. Checked against closed forms and
binomial counts, never against the simulator's own output."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from drsim import load_scenario
from drsim.sim import simulate

SCENARIO = "seed-warm-standby"  # its S3 datastore is `assets`: lognormal p50 30 s, p95 900 s, rtc false
RTC_S = 900.0
KS_P = 1e-3
TAIL_P = 1e-6  # a count outside the binomial's central 1 - 1e-6 is a model error, not chance


def _seed_lag():
    s = load_scenario(SCENARIO)
    (assets,) = [ds for ds in s.datastores if ds.name == "assets"]
    assert assets.kind == "s3_crr" and not assets.rtc
    lag = assets.replication_lag_s
    return stats.lognorm(s=lag.sigma, scale=lag.p50)


def _rpo(rtc: bool, trials: int, seed: int, workers: int = 1):
    s = load_scenario(SCENARIO, overrides=[f"datastores.assets.rtc={str(rtc).lower()}"])
    return simulate(s, trials=trials, seed=seed, workers=workers).trials


def test_rtc_true_changes_the_assets_rpo_to_the_truncated_lognormal_and_nothing_else():
    off, on = _rpo(False, 4000, 21), _rpo(True, 4000, 21)
    col = "rpo_s.assets"
    x, y = off[col].to_numpy(), on[col].to_numpy()
    assert (x > RTC_S).any() and y.max() <= RTC_S
    assert np.all(y <= x)  # the truncation maps each trial's lag monotonically down
    # every other figure of every trial is unchanged: common random numbers
    others = [c for c in off.columns if not c.endswith(".assets")]
    assert off[others].equals(on[others])
    (assets,) = [ds for ds in load_scenario(SCENARIO).datastores if ds.name == "assets"]
    assert np.array_equal(on["lost_writes.assets"], y * assets.write_rate_per_s)
    # the lag with RTC against the closed-form truncated lognormal
    ln = _seed_lag()
    mass = ln.cdf(RTC_S)
    assert stats.kstest(y, lambda t: np.minimum(ln.cdf(t) / mass, 1.0)).pvalue > KS_P
    s, mu = ln.kwds["s"], math.log(ln.kwds["scale"])
    zb = (math.log(RTC_S) - mu) / s
    mean = math.exp(mu + s * s / 2) * stats.norm.cdf(zb - s) / stats.norm.cdf(zb)
    second = math.exp(2 * mu + 2 * s * s) * stats.norm.cdf(zb - 2 * s) / stats.norm.cdf(zb)
    assert abs(y.mean() - mean) <= 4 * math.sqrt((second - mean**2) / len(y))


def test_rtc_false_keeps_the_unbounded_tail():
    n = 10_000
    lag = _rpo(False, n, 5)["rpo_s.assets"].to_numpy()
    # p95 of the seed's lag is 900 s, so P(lag > 900 s) = 0.05 exactly
    assert _seed_lag().sf(RTC_S) == pytest.approx(0.05)
    lo, hi = stats.binom.interval(1 - TAIL_P, n, 0.05)
    assert lo <= (lag > RTC_S).sum() <= hi
    assert lag.max() > 4 * RTC_S  # the tail reaches far beyond 15 minutes
    assert stats.kstest(lag, _seed_lag().cdf).pvalue > KS_P


@pytest.mark.slow
def test_rtc_keeps_at_most_the_sla_share_above_15_minutes_in_100k_trials():
    """The issue's "Done when": P(lag > 900 s) <= 1e-4 (RTC's 99.99 %). A model that
    sat exactly at the SLA would put Binomial(1e5, 1e-4) trials (mean 10) above
    900 s; more than its 1 - 1e-6 quantile would break the promise."""
    n = 100_000
    allowed = int(stats.binom.ppf(1 - TAIL_P, n, 1e-4))
    assert 20 <= allowed <= 30
    lag = _rpo(True, n, 7, workers=2)["rpo_s.assets"].to_numpy()
    assert len(lag) == n
    assert (lag > RTC_S).sum() <= allowed
