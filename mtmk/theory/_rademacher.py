"""Empirical Rademacher complexity of constrained kernel combinations.

For the class of functions in the RKHS of ``sum_k eta_k K_k`` with norm at
most ``Lambda`` and mixture weights ``eta`` constrained by (Cortes, Mohri and
Rostamizadeh, ICML 2010):

- an L1 constraint (``eta`` in the simplex):
  ``R_hat = (Lambda / n) E_sigma[ max_k sqrt(sigma^T K_k sigma) ]``;
- an Lq constraint (``||eta||_q <= 1``):
  ``R_hat = (Lambda / n) E_sigma[ || (sigma^T K_k sigma)_k ||_r^{1/2} ]`` with
  ``1/q + 1/r = 1``.

``sqrt(n) R_hat`` grows like ``sqrt(log M)`` under L1 and like ``M^{1/(2r)}``
(``M^{1/4}`` for q = 2) under Lq, for kernels normalised to unit mean
diagonal.  Both are estimated by Monte Carlo over Rademacher vectors sigma.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from .._sklearn_compat import Interval, StrOptions, validate_params
from ._data import make_sparse_kernel_model
from ._rates import fit_slope


@validate_params(
    {"grams": ["array-like"],
     "constraint": [StrOptions({"l1", "lq"})],
     "q": [Interval(Real, 1, None, closed="neither")],
     "radius": [Interval(Real, 0, None, closed="neither")],
     "n_draws": [Interval(Integral, 2, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def empirical_rademacher(grams, constraint="l1", q=2.0, radius=1.0, n_draws=500,
                         random_state=None):
    """Monte Carlo empirical Rademacher complexity of a kernel combination class.

    Parameters
    ----------
    grams : array-like of shape (n_kernels, n_samples, n_samples)
        Gram matrices of the base kernels on the sample.
    constraint : {"l1", "lq"}, default="l1"
        Constraint on the mixture weights.
    q : float, default=2.0
        Exponent of the Lq constraint (q > 1); ignored for L1.
    radius : float, default=1.0
        RKHS-norm bound ``Lambda``.
    n_draws : int, default=500
        Rademacher vectors drawn.
    random_state : int, RandomState instance or None
        Seeds the sign vectors.

    Returns
    -------
    mean : float
        Estimated ``R_hat``.
    stderr : float
        Its Monte Carlo standard error.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.theory import empirical_rademacher
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> K = np.stack([np.outer(X[:, j], X[:, j]) for j in range(4)])
    >>> mean, stderr = empirical_rademacher(K, n_draws=200, random_state=0)
    >>> bool(mean > 10 * stderr > 0)
    True
    """
    K = np.asarray(grams, dtype=float)
    if not np.all(np.isfinite(K)):
        raise ValueError("grams contains NaN or infinite values: pass finite Gram matrices.")
    if K.ndim != 3 or K.shape[1] != K.shape[2] or K.shape[0] == 0:
        raise ValueError(f"grams must have shape (n_kernels, n, n) with n_kernels >= 1; "
                         f"got {K.shape}.")
    if constraint not in ("l1", "lq"):
        raise ValueError(f"constraint must be 'l1' or 'lq', got {constraint!r}.")
    if constraint == "lq" and not q > 1:
        raise ValueError(f"q must be > 1 for the Lq constraint, got {q}.")
    if n_draws < 2:
        raise ValueError(f"n_draws must be >= 2, got {n_draws}.")
    n = K.shape[1]
    rng = check_random_state(random_state)
    sigma = rng.choice([-1.0, 1.0], size=(n_draws, n))
    return _complexity(_quadratic_forms(K, sigma), constraint, q, radius, n)


def _quadratic_forms(K, sigma):
    """``quad[d, k] = sigma_d^T K_k sigma_d``, one matrix product per kernel."""
    quad = np.empty((sigma.shape[0], K.shape[0]))
    for k, Kk in enumerate(K):
        quad[:, k] = np.einsum("di,di->d", sigma @ Kk, sigma)
    return np.maximum(quad, 0.0)


def _complexity(quad, constraint, q, radius, n):
    if constraint == "l1":
        values = np.sqrt(quad.max(axis=1))
    else:
        r = q / (q - 1.0)
        values = np.sum(quad ** r, axis=1) ** (1.0 / (2.0 * r))
    values *= radius / n
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(quad.shape[0]))


@validate_params(
    {"kernel_counts": ["array-like"],
     "n": [Interval(Integral, 2, None, closed="left")],
     "family": [StrOptions({"polynomial", "linear", "rbf", "laplacian"})],
     "q": [Interval(Real, 1, None, closed="neither")],
     "n_draws": [Interval(Integral, 2, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def rademacher_curve(kernel_counts, n=200, family="polynomial", q=2.0, n_draws=500,
                     random_state=None):
    """``sqrt(n) R_hat`` for growing dictionaries, with linear fits against theory.

    The dictionary is the first M of ``max(kernel_counts)`` per-covariate
    kernels on independent covariates (``x ~ N(0, I)``), each normalised to
    unit mean diagonal.  Independent kernels are the case the worst-case
    bounds describe; strongly correlated kernels grow more slowly.

    Parameters
    ----------
    kernel_counts : sequence of int
        Dictionary sizes M (at least two distinct values).
    n : int, default=200
        Sample size of the simulated data.
    family : str, default="polynomial"
        Kernel family of the per-covariate kernels.
    q : float, default=2.0
        Exponent of the Lq constraint (q = 2 gives the ``M^{1/4}`` law).
    n_draws : int >= 2, default=500
        Monte Carlo sign vectors per estimate (two at least, for a standard error).
    random_state : int, RandomState instance or None
        Seeds the data and the sign vectors.

    Returns
    -------
    rows : list of dict
        ``n_kernels``, ``constraint``, ``complexity`` (``sqrt(n) R_hat``) and
        ``stderr``.
    fits : dict
        ``"l1_vs_sqrt_log_M"`` and ``"lq_vs_M_quarter"`` (the predictor for Lq
        is ``M^{1/(2r)}``): :class:`~mtmk.theory.SlopeFit` as dicts
        (slope, interval, R^2).
    """
    counts = list(np.ravel(np.asarray(kernel_counts, dtype=object)))
    if not all(isinstance(m, (Integral, np.integer)) and not isinstance(m, (bool, np.bool_))
               for m in counts):
        raise ValueError(f"kernel_counts must hold integer dictionary sizes, got "
                         f"{kernel_counts!r}.")
    counts = sorted({int(m) for m in counts})
    if len(counts) < 2 or counts[0] < 1:
        raise ValueError("kernel_counts needs at least two distinct positive sizes, got "
                         f"{kernel_counts!r}.")
    rng = check_random_state(random_state)
    M = counts[-1]
    model = make_sparse_kernel_model(n_features=M, n_kernels=M, n_active=1, n_tasks=1,
                                     family=family, random_state=rng)
    X = model.sample_X(n, rng)
    K = model.gram(X)
    K /= np.einsum("kii->k", K)[:, None, None] / n
    rows = []
    r = q / (q - 1.0)
    # The same sign vectors for every M (a smoother curve): the quadratic forms
    # of the largest dictionary are computed once and sliced.
    sigma = rng.choice([-1.0, 1.0], size=(n_draws, n))
    quad = _quadratic_forms(K, sigma)
    for m in counts:
        for constraint in ("l1", "lq"):
            mean, se = _complexity(quad[:, :m], constraint, q, 1.0, n)
            rows.append(dict(n_kernels=m, constraint=constraint, q=q, n=n,
                             complexity=float(np.sqrt(n) * mean),
                             stderr=float(np.sqrt(n) * se)))
    l1 = [r_ for r_ in rows if r_["constraint"] == "l1"]
    lq = [r_ for r_ in rows if r_["constraint"] == "lq"]
    fits = {
        "l1_vs_sqrt_log_M": fit_slope(np.sqrt(np.log([r_["n_kernels"] for r_ in l1])),
                                      [r_["complexity"] for r_ in l1], n_boot=500,
                                      random_state=0).to_dict(),
        "lq_vs_M_quarter": fit_slope(np.array([r_["n_kernels"] for r_ in lq]) ** (1 / (2 * r)),
                                     [r_["complexity"] for r_ in lq], n_boot=500,
                                     random_state=0).to_dict(),
        "l1_vs_M_quarter": fit_slope(np.array([r_["n_kernels"] for r_ in l1]) ** 0.25,
                                     [r_["complexity"] for r_ in l1], n_boot=500,
                                     random_state=0).to_dict(),
    }
    return rows, fits
