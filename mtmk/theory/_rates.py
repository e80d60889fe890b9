"""Rate fits: slopes with bootstrap confidence intervals, compared with theory.

- error against n: slope of log(error) on log(n), predicted by
  :func:`mtmk.theory.predicted_n_slope` (-1 for finite-rank kernels);
- error against log M at fixed n: slope of error on log(M); the MTMK bound
  ``s (delta^2 + log M / (n T))`` [reconstructed] predicts a
  positive slope proportional to ``s / (n T)``;
- the 1/T effect: the log(M)-slope against T on log-log axes, predicted -1.

Bootstrap intervals resample replications within every design point (a
stratified nonparametric bootstrap), so each resample keeps the design.
"""

from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from .._sklearn_compat import Interval, validate_params


@dataclass
class SlopeFit:
    """A fitted slope with its bootstrap percentile interval.

    Parameters
    ----------
    slope, intercept : float
        Least-squares line ``y = intercept + slope * x`` (on the transformed
        axes).
    ci_low, ci_high : float
        Bootstrap percentile interval of the slope.
    r2 : float
        Coefficient of determination of the line on the design-point means.
    n_points : int
        Observations used.
    confidence : float
        Confidence level of the interval.
    """

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    r2: float
    n_points: int
    confidence: float

    def contains(self, value):
        """Whether ``value`` lies in the interval.

        Parameters
        ----------
        value : float
            The slope to test, e.g. a predicted one.
        """
        return bool(self.ci_low <= value <= self.ci_high)

    def to_dict(self):
        """The fields as a plain dict (for JSON)."""
        return asdict(self)


def _line(x, y):
    A = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(coef[1]), float(coef[0])


@validate_params(
    {"x": ["array-like"], "y": ["array-like"],
     "n_boot": [Interval(Integral, 1, None, closed="left")],
     "confidence": [Interval(Real, 0, 1, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def fit_slope(x, y, n_boot=2000, confidence=0.95, random_state=None):
    """Least-squares slope of y on x with a stratified bootstrap interval.

    Parameters
    ----------
    x, y : array-like of shape (n_points,)
        Observations; points sharing an x value are the replications of one
        design point and are resampled within it.
    n_boot : int, default=2000
        Bootstrap resamples.
    confidence : float, default=0.95
        Confidence level of the interval.
    random_state : int, RandomState instance or None
        Seeds the bootstrap.

    Returns
    -------
    SlopeFit

    Raises
    ------
    ValueError
        Fewer than two distinct x values, non-finite data, or mismatched
        lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.theory import fit_loglog_slope
    >>> n = np.repeat([100, 200, 400, 800], 5)
    >>> error = 2.0 / n * np.exp(np.random.default_rng(0).normal(0, 0.1, n.size))
    >>> fit = fit_loglog_slope(n, error, n_boot=500, random_state=0)
    >>> round(fit.slope, 1), fit.contains(-1.0)
    (-1.0, True)
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y have different lengths ({x.size} and {y.size}).")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite (take logs of positive values only).")
    levels = np.unique(x)
    if levels.size < 2:
        raise ValueError("A slope needs at least two distinct x values.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    slope, intercept = _line(x, y)
    means = np.array([y[x == v].mean() for v in levels])
    fitted = intercept + slope * levels
    total = np.sum((means - means.mean()) ** 2)
    r2 = float(1.0 - np.sum((means - fitted) ** 2) / total) if total > 0 else 1.0

    rng = check_random_state(random_state)
    groups = [np.flatnonzero(x == v) for v in levels]
    boot = np.empty(n_boot)
    for b in range(n_boot):
        index = np.concatenate([g[rng.randint(0, g.size, g.size)] for g in groups])
        boot[b] = _line(x[index], y[index])[0]
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(boot, [tail, 100.0 - tail])
    return SlopeFit(slope=slope, intercept=intercept, ci_low=float(low), ci_high=float(high),
                    r2=r2, n_points=int(x.size), confidence=confidence)


def fit_loglog_slope(x, y, **kwargs):
    """Slope of log(y) on log(x) (a power law ``y ~ x^slope``); see :func:`fit_slope`.

    Raises
    ------
    ValueError
        If any x or y is not positive.

    Parameters
    ----------
    x : array-like of shape (n_points,)
        Positive abscissae.
    y : array-like of shape (n_points,)
        Positive observations.
    **kwargs : dict
        Passed to :func:`fit_slope`.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.theory import fit_loglog_slope
    >>> n = np.repeat([100.0, 200.0, 400.0, 800.0], 3)
    >>> error = 5.0 / n * np.exp(np.random.default_rng(0).normal(0, 0.05, n.size))
    >>> fit = fit_loglog_slope(n, error, random_state=0)
    >>> round(fit.slope, 1), fit.contains(-1.0)
    (-1.0, True)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("A log-log slope needs positive x and y.")
    return fit_slope(np.log(x), np.log(y), **kwargs)
