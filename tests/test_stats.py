"""mtmk.stats: paired differences, intervals and verdicts."""

import numpy as np
import pytest
from scipy import stats as sps

from mtmk.stats import PairedDifference, mean_interval, paired_difference, verdict


def test_matches_scipy_paired_t_test():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=12), rng.normal(size=12)
    r = paired_difference(a, b)
    ref = sps.ttest_rel(a, b)
    assert r.t == pytest.approx(ref.statistic)
    assert r.p_value == pytest.approx(ref.pvalue)
    d = a - b
    assert r.sd == pytest.approx(np.std(d, ddof=1))
    assert r.sd != pytest.approx(np.std(d))  # ddof=1, not 0
    lo, hi = sps.t.interval(0.95, df=11, loc=d.mean(), scale=sps.sem(d))
    assert (r.low, r.high) == pytest.approx((lo, hi))


def test_five_seed_example_is_not_distinguishable():
    # Mean +0.0029 with t of about 2 over 5 seeds, two ties: the interval holds 0.
    a = np.array([0.0, 1e-16, 0.004, 0.006, 0.0045])
    r = paired_difference(a, np.zeros(5))
    assert r.n_ties == 2 and r.n_positive == 3 and r.n_negative == 0
    assert r.low < 0 < r.high
    assert 0.05 < r.p_value < 0.2
    assert verdict(r, ("sharing", "single-task")) == "not distinguishable"


def test_verdict_directions():
    up = paired_difference([1.0, 1.1, 1.2, 1.05], [0.0, 0.1, 0.0, 0.05])
    assert verdict(up, ("A", "B")) == "A better"
    down = paired_difference([0.0, 0.1, 0.0, 0.05], [1.0, 1.1, 1.2, 1.05])
    assert down.verdict(("A", "B")) == "B better"
    assert down.high < 0 and down.n_negative == 4


def test_constant_difference():
    r = paired_difference([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert r.mean == 0 and r.p_value == 1.0 and r.n_ties == 3
    assert r.verdict() == "not distinguishable"


def test_bootstrap_interval_is_seeded_and_brackets_mean():
    rng = np.random.RandomState(1)
    a, b = rng.normal(0.3, 1, size=30), rng.normal(size=30)
    r1 = paired_difference(a, b, n_bootstrap=500, random_state=0)
    r2 = paired_difference(a, b, n_bootstrap=500, random_state=0)
    assert r1.boot_low == r2.boot_low and r1.boot_high == r2.boot_high
    assert r1.boot_low < r1.mean < r1.boot_high
    assert np.isnan(paired_difference(a, b).boot_low)
    row = r1.as_dict()
    assert row["n"] == 30 and set(row) >= {"mean", "sd", "low", "high", "p_value"}
    assert r1.format(2).startswith(("+", "-"))


def test_mean_interval_width_shrinks_with_confidence():
    x = [0.1, 0.4, 0.2, 0.3]
    _, _, lo90, hi90 = mean_interval(x, confidence=0.90)
    _, _, lo99, hi99 = mean_interval(x, confidence=0.99)
    assert lo99 < lo90 < hi90 < hi99


@pytest.mark.parametrize("kwargs, match", [
    (dict(a=[1.0, 2.0], b=[1.0]), "same length"),
    (dict(a=[1.0], b=[1.0]), "at least 2"),
    (dict(a=[1.0, np.nan], b=[1.0, 2.0]), "NaN"),
    (dict(a=[1.0, 2.0], b=[1.0, 2.0], confidence=1.5), "confidence"),
    (dict(a=[1.0, 2.0], b=[1.0, 2.0], n_bootstrap=-1), "n_bootstrap"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        paired_difference(**kwargs)


def test_verdict_rejects_other_objects():
    with pytest.raises(ValueError, match="PairedDifference"):
        verdict((0.1, -0.1, 0.2))
    assert isinstance(paired_difference([1, 2], [0, 0]), PairedDifference)


def test_corrected_resampled_t_widens_the_interval():
    rng = np.random.RandomState(2)
    a, b = rng.normal(0.2, 1, size=20), rng.normal(size=20)
    plain = paired_difference(a, b)
    corrected = paired_difference(a, b, test_train_ratio=1 / 3)
    assert corrected.mean == plain.mean and corrected.sd == plain.sd
    factor = np.sqrt((1 / 20 + 1 / 3) / (1 / 20))
    assert (corrected.high - corrected.low) == pytest.approx(factor * (plain.high - plain.low))
    assert corrected.t == pytest.approx(plain.t / factor)
    assert corrected.p_value > plain.p_value
    assert paired_difference(a, b, test_train_ratio=0.0).t == pytest.approx(plain.t)
    with pytest.raises(ValueError, match="test_train_ratio"):
        paired_difference(a, b, test_train_ratio=-1.0)
