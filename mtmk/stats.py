"""Paired comparisons of two methods over seeds or splits.

One concept: the difference ``a - b`` of two methods scored on the same seeds
(or splits), its mean, its sample standard deviation (``ddof=1``), a Student t
confidence interval for the mean (optionally a percentile bootstrap interval),
the t statistic with its two-sided p-value, and a verdict that says "not
distinguishable" whenever the interval contains 0.

The t interval assumes the per-seed differences are independent draws; with
the handful of seeds usual in benchmarks it is wide, which is the point.
Random train/test splits of one data set are not independent (their training
sets overlap): ``test_train_ratio`` applies the corrected resampled t test of
Nadeau and Bengio (2003, "Inference for the generalization error", Machine
Learning 52), which inflates the variance of the mean from ``sd^2 / n`` to
``sd^2 (1 / n + n_test / n_train)``.
Exact ties (differences of exactly zero, or within ``atol``) are counted
separately so that "k of n seeds >= 0" is never read as "k wins".
"""

from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
from scipy import stats as _sps
from sklearn.utils import check_random_state

__all__ = ["PairedDifference", "paired_difference", "verdict", "mean_interval"]


@dataclass(frozen=True)
class PairedDifference:
    """Summary of the paired difference ``a - b`` (see :func:`paired_difference`).

    Parameters
    ----------
    mean, sd : float
        Mean and sample standard deviation (``ddof=1``) of the differences.
    n : int
        Number of pairs.
    low, high : float
        Student t confidence interval for the mean difference.
    confidence : float
        Confidence level of the interval.
    t, p_value : float
        t statistic ``mean / (sd / sqrt(n))`` and its two-sided p-value
        (``nan`` when ``sd == 0``: then ``p_value`` is 1 if the mean is 0, else 0).
    n_positive, n_negative, n_ties : int
        Differences above ``atol``, below ``-atol`` and within ``atol`` of 0.
    boot_low, boot_high : float
        Percentile bootstrap interval for the mean (``nan`` unless requested).
    """

    mean: float
    sd: float
    n: int
    low: float
    high: float
    confidence: float
    t: float
    p_value: float
    n_positive: int
    n_negative: int
    n_ties: int
    boot_low: float = float("nan")
    boot_high: float = float("nan")

    def verdict(self, names=("A", "B")):
        """Verdict for this difference; see :func:`verdict`.

        Parameters
        ----------
        names : tuple of str, default=("A", "B")
            Names of the two sides of the difference.
        """
        return verdict(self, names=names)

    def as_dict(self):
        """The fields as a plain ``dict`` (for CSV rows)."""
        return asdict(self)

    def format(self, digits=3):
        """``"+0.012 [-0.003, +0.027]"``: mean and interval with signs.

        Parameters
        ----------
        digits : int, default=3
            Decimals printed.
        """
        return (f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, "
                f"{self.high:+.{digits}f}]")


def _check_confidence(confidence):
    if not isinstance(confidence, Real) or isinstance(confidence, bool) \
            or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}.")
    return float(confidence)


def _check_ratio(test_train_ratio):
    if test_train_ratio is None:
        return 0.0
    if not isinstance(test_train_ratio, Real) or isinstance(test_train_ratio, bool) \
            or not np.isfinite(test_train_ratio) or test_train_ratio < 0:
        raise ValueError("test_train_ratio must be None or a finite number >= 0, got "
                         f"{test_train_ratio!r}.")
    return float(test_train_ratio)


def mean_interval(values, confidence=0.95, test_train_ratio=None):
    """Mean of ``values`` with a Student t interval (``ddof=1``).

    Parameters
    ----------
    values : array-like of shape (n,)
        Finite values, ``n >= 2``.
    confidence : float, default=0.95
        Confidence level of the interval.
    test_train_ratio : float or None, default=None
        For values from random train/test splits of one data set: the ratio
        ``n_test / n_train``, which widens the interval by the Nadeau-Bengio
        correction (see the module docstring).

    Returns
    -------
    mean, sd, low, high : float

    Examples
    --------
    >>> from mtmk.stats import mean_interval
    >>> m, sd, lo, hi = mean_interval([1.0, 2.0, 3.0])
    >>> round(m, 6), round(sd, 6), bool(lo < 2 < hi)
    (2.0, 1.0, True)
    """
    confidence = _check_confidence(confidence)
    x = np.asarray(values, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"need at least 2 values for an interval, got {x.size}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("values contain NaN or infinite entries.")
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    se = sd * np.sqrt(1.0 / x.size + _check_ratio(test_train_ratio))
    half = _sps.t.ppf(0.5 + confidence / 2, df=x.size - 1) * se
    return mean, sd, mean - half, mean + half


def paired_difference(a, b, confidence=0.95, n_bootstrap=0, atol=1e-12,
                      random_state=None, test_train_ratio=None):
    """Paired difference ``a - b`` with a t interval, t test and tie count.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Scores of methods A and B on the same ``n >= 2`` seeds or splits, in
        the same order.
    confidence : float, default=0.95
        Level of the interval(s).
    n_bootstrap : int, default=0
        If positive, also a percentile bootstrap interval for the mean from
        this many resamples of the differences.
    atol : float, default=1e-12
        Differences with ``|d| <= atol`` count as ties (``n_ties``).
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap.
    test_train_ratio : float or None, default=None
        ``n_test / n_train`` when the pairs come from random train/test splits
        of one data set: the t interval and test use the Nadeau-Bengio
        corrected variance (the bootstrap interval is not corrected).

    Returns
    -------
    result : PairedDifference

    Examples
    --------
    >>> from mtmk.stats import paired_difference
    >>> r = paired_difference([0.9, 0.8, 0.85, 0.9], [0.8, 0.8, 0.8, 0.82])
    >>> r.n, r.n_ties, round(r.mean, 4)
    (4, 1, 0.0575)
    >>> r.verdict(("MTMK", "single-task"))
    'not distinguishable'
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length (paired), got {a.size} "
                         f"and {b.size}.")
    if not isinstance(n_bootstrap, Integral) or isinstance(n_bootstrap, bool) \
            or n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be an integer >= 0, got {n_bootstrap!r}.")
    if not isinstance(atol, Real) or isinstance(atol, bool) or not atol >= 0:
        raise ValueError(f"atol must be a number >= 0, got {atol!r}.")
    d = a - b
    mean, sd, low, high = mean_interval(d, confidence, test_train_ratio)
    n = d.size
    if sd > 0:
        t = mean / (sd * np.sqrt(1.0 / n + _check_ratio(test_train_ratio)))
        p = float(2 * _sps.t.sf(abs(t), df=n - 1))
    else:
        t, p = float("nan"), 1.0 if mean == 0 else 0.0
    boot_low = boot_high = float("nan")
    if n_bootstrap:
        rng = check_random_state(random_state)
        means = d[rng.randint(0, n, size=(int(n_bootstrap), n))].mean(axis=1)
        alpha = 1 - confidence
        boot_low, boot_high = (float(v) for v in
                               np.quantile(means, [alpha / 2, 1 - alpha / 2]))
    return PairedDifference(
        mean=mean, sd=sd, n=int(n), low=float(low), high=float(high),
        confidence=float(confidence), t=float(t), p_value=p,
        n_positive=int(np.sum(d > atol)), n_negative=int(np.sum(d < -atol)),
        n_ties=int(np.sum(np.abs(d) <= atol)), boot_low=boot_low, boot_high=boot_high)


def verdict(result, names=("A", "B")):
    """Plain-language verdict on a paired difference.

    Parameters
    ----------
    result : PairedDifference
        From :func:`paired_difference` with ``a`` the scores of ``names[0]``.
    names : tuple of str, default=("A", "B")
        Names of the two sides of the difference.

    Returns
    -------
    str
        ``"<A> better"`` if the interval lies above 0, ``"<B> better"`` if it
        lies below 0, else ``"not distinguishable"`` (interval contains 0).

    Examples
    --------
    >>> from mtmk.stats import paired_difference, verdict
    >>> verdict(paired_difference([2.0, 2.1, 2.2], [1.0, 1.0, 1.1]), ("L1", "L2"))
    'L1 better'
    """
    if not isinstance(result, PairedDifference):
        raise ValueError("result must be a PairedDifference from paired_difference, "
                         f"got {type(result).__name__}.")
    if len(names) != 2:
        raise ValueError(f"names must hold two method names, got {names!r}.")
    if result.low > 0:
        return f"{names[0]} better"
    if result.high < 0:
        return f"{names[1]} better"
    return "not distinguishable"
