"""Closed-form leave-one-out of kernel ridge regression, and the least-squares path scored by it.

At fixed kernel weights an MTMK least-squares model is a kernel ridge fit.
The group penalty's variational form (see the solvers' user guide),
``lam_m ||f_m|| = min_{eta_m > 0} (lam_m / 2) (||f_m||^2 / eta_m + eta_m)``,
turns block m's penalty ``lam_m ||f_m|| + lam_ridge ||f_m||^2`` into
``||f_m||^2 / (2 theta_m)`` with

    theta_m = eta_m / (lam_m + 2 lam_ridge eta_m),   eta_m = ||f_m||  (at the optimum),

and the blocks into one function of the kernel ``K_theta = sum_m theta_m K_m``:
the fit minimises ``(1/2) sum_i W_i (y_i - f(x_i) - b)^2 + (1/2) ||f||^2`` in
the RKHS of ``K_theta``.  That is a linear smoother, ``y_hat = H y``, and
removing sample i (its weight set to 0, everything else unchanged) moves its
prediction to ``y_i - (y_i - y_hat_i) / (1 - H_ii)``.

With ``D = ridge diag(1 / w)`` over the samples of positive weight and
``P = (K + D)^{-1}``, the coefficients are ``a = P (y - b)``, the residuals
``y - y_hat = D a``, and the intercept ``b = 1^T P y / 1^T P 1`` turns ``P`` into
``P~ = P - P 1 1^T P / 1^T P 1`` (``a = P~ y``).  So ``1 - H_ii = D_i P~_ii`` and
the leave-one-out residual is ``a_i / P~_ii``: one factorisation of ``K + D``
(Cholesky and the inverse's diagonal, O(n^3)), or for low-rank ``K = Phi Phi^T``
one of an r x r matrix (Woodbury, O(n r^2)).  Generalised cross-validation
(Golub, Heath & Wahba 1979) replaces every ``H_ii`` by their mean.
"""

import numpy as np
from scipy.linalg import cho_solve, get_lapack_funcs
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import check_scoring, r2_score

from .solvers import FactorStack


def loo_residuals(K, Y, sample_weight=None, *, ridge=1.0, fit_intercept=True, low_rank=False,
                  gcv=False):
    """Leave-one-out residuals of kernel ridge regression, in closed form.

    Each output t minimises ``sum_i w_it (y_it - f_t(x_i) - b_t)^2 + ridge ||f_t||_K^2``.
    Leaving sample i out sets its weight to 0 and keeps everything else,
    ``ridge`` included (as :class:`~sklearn.linear_model.RidgeCV` does).

    Parameters
    ----------
    K : ndarray of shape (n_samples, n_samples) or (n_samples, rank)
        The Gram matrix, or with ``low_rank`` a factor ``Phi`` with ``K = Phi Phi^T``.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_outputs), default=None
        Non-negative weights (per output: 0 where an output is not observed).
        Samples of weight 0 are not in the fit; their residual is the plain
        prediction error.
    ridge : float, default=1.0
        Strength of the RKHS penalty, positive.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per output (its dependence on the left-out
        sample included).
    low_rank : bool, default=False
        ``K`` is a factor.
    gcv : bool, default=False
        Generalised cross-validation: divide by ``1 - mean_i H_ii`` (over the
        samples of positive weight) instead of ``1 - H_ii``.

    Returns
    -------
    residuals : ndarray of the shape of ``Y``
        ``y_i - f^{(-i)}(x_i)``, the error on each sample of the fit without it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics.pairwise import rbf_kernel
    >>> from mtmk._loo import loo_residuals
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 2))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=30)
    >>> r = loo_residuals(rbf_kernel(X), y, ridge=0.1)
    >>> keep = np.arange(30) != 0                      # the fit without sample 0, by hand
    >>> K = rbf_kernel(X[keep]) + 0.1 * np.eye(29)
    >>> c = np.linalg.solve(K, np.c_[y[keep], np.ones(29)])
    >>> b = c[:, 0].sum() / c[:, 1].sum()
    >>> a = np.linalg.solve(K, y[keep] - b)
    >>> bool(np.isclose(r[0], y[0] - rbf_kernel(X[:1], X[keep]) @ a - b))
    True
    """
    Y = np.asarray(Y, dtype=float)
    single = Y.ndim == 1
    Y = Y[:, None] if single else Y
    n, n_outputs = Y.shape
    if not ridge > 0:
        raise ValueError(f"ridge must be positive; got {ridge!r}.")
    w = (np.ones((n, n_outputs)) if sample_weight is None
         else np.broadcast_to(np.asarray(sample_weight, dtype=float).reshape(n, -1),
                              (n, n_outputs)))
    residuals = np.empty_like(Y)
    for outputs in _weight_groups(w):
        residuals[:, outputs] = _group_residuals(np.asarray(K, dtype=float), Y[:, outputs],
                                                 w[:, outputs[0]], ridge, fit_intercept,
                                                 low_rank, gcv)
    return residuals[:, 0] if single else residuals


def _weight_groups(w):
    """Outputs that share their weights (one factorisation each)."""
    if np.all(w == w[:, :1]):
        return [np.arange(w.shape[1])]
    return [np.array([t]) for t in range(w.shape[1])]


def _group_residuals(K, Y, w, ridge, fit_intercept, low_rank, gcv):
    """Leave-one-out residuals of the outputs ``Y`` that share the weights ``w``."""
    rows = np.flatnonzero(w > 0)
    if rows.size == 0:
        raise ValueError("sample_weight is 0 everywhere for an output: nothing to fit.")
    # the symmetric system I + D^-1/2 K D^-1/2 on the fitted rows, D = ridge / w
    scale = np.sqrt(w[rows] / ridge)
    solve, diagonal = (_woodbury(scale[:, None] * K[rows]) if low_rank
                       else _cholesky(scale[:, None] * K[np.ix_(rows, rows)] * scale[None, :]))

    def P(v):  # (K + D)^{-1} v
        return scale[:, None] * solve(scale[:, None] * v)

    p_diag = scale * scale * diagonal
    y = Y[rows]
    if fit_intercept:
        p1 = P(np.ones((rows.size, 1)))[:, 0]
        total = p1.sum()
        b = (p1 @ y) / total
        p_diag = p_diag - p1 * p1 / total
    else:
        b = np.zeros(Y.shape[1])
    a = P(y - b)
    fitted_residual = a / (scale * scale)[:, None]  # D a
    if gcv:
        leverage = 1.0 - (ridge / w[rows]) * p_diag  # H_ii
        out_rows = fitted_residual / (1.0 - leverage.mean())
    else:
        out_rows = a / p_diag[:, None]
    residuals = np.empty_like(Y)
    residuals[rows] = out_rows
    others = np.flatnonzero(w <= 0)
    if others.size:  # not in the fit: the plain prediction error
        cross = (K[others] @ (K[rows].T @ a)) if low_rank else K[np.ix_(others, rows)] @ a
        residuals[others] = Y[others] - cross - b
    return residuals


def _cholesky(S0):
    """Solves with ``I + S0`` and the diagonal of its inverse.

    With ``I + S0 = L L^T`` the inverse's diagonal holds the squared column
    norms of ``L^{-1}``: a factorisation and a triangular inverse,
    ``2 n^3 / 3`` flops.
    """
    S = S0.copy()
    S.flat[::S.shape[0] + 1] += 1.0
    potrf, trtri = get_lapack_funcs(("potrf", "trtri"), (S,))
    factor, info = potrf(S, lower=True, overwrite_a=False, clean=True)
    if info != 0:
        raise np.linalg.LinAlgError(
            "The kernel ridge system is not positive definite: check that the kernel is "
            "positive semi-definite.")
    inverse, info = trtri(factor, lower=True)
    diagonal = np.einsum("ij,ij->j", inverse, inverse)

    def solve(v):
        return cho_solve((factor, True), v, check_finite=False)

    return solve, diagonal


def _woodbury(B):
    """Solves with ``I + B B^T`` and the diagonal of its inverse, through ``B^T B`` (r x r)."""
    B = np.asarray(B, dtype=np.float64)
    if B.shape[1] == 0:
        return (lambda v: v), np.ones(B.shape[0])
    s, V = np.linalg.eigh(B.T @ B)
    s = np.maximum(s, 0.0)
    BV = B @ V
    shrink = 1.0 / (1.0 + s)
    diagonal = 1.0 - np.einsum("ik,k,ik->i", BV, shrink, BV)

    def solve(v):
        return v - BV @ (shrink[:, None] * (BV.T @ v))

    return solve, diagonal


def kernel_scales(penalty, task_norms):
    """The kernel scales ``theta`` of the ridge fit equivalent to a solution.

    Parameters
    ----------
    penalty : GroupPenalty or TaskGroupPenalty
        The penalty at the solution's level.
    task_norms : ndarray of shape (n_kernels, n_tasks)
        The solution's ``||f_tm||``.

    Returns
    -------
    ndarray of shape (n_kernels, 1) or (n_kernels, n_tasks)
        One column shared by the tasks, or one per task for a penalty that
        is a sum over tasks.
    """
    task_norms = np.asarray(task_norms, dtype=float)
    if getattr(penalty, "separable_tasks", False):
        eta = task_norms
    else:
        eta = penalty.kernel_norms(task_norms)[:, None]
    weights = getattr(penalty, "weights", None)
    mu = penalty.lam * (np.ones(eta.shape[0]) if weights is None else np.asarray(weights))
    mu = mu[:, None]
    rho = penalty.lam_ridge
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mu > 0, eta / (mu + 2.0 * rho * eta),
                        1.0 / (2.0 * rho) if rho > 0 else 0.0)


def path_loo_predictions(operator, Y, W, penalty, lams, results, fit_intercept=True):
    """Leave-one-out predictions at every point of a least-squares path.

    At each point, the kernel ridge fit at the point's kernel scales
    (:func:`kernel_scales`) on all the training rows, left one out in closed
    form; the kernel scales themselves are held fixed.

    Parameters
    ----------
    operator : GramStack or FactorStack
        The training kernels.
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights (each column sums to 1).
    penalty : GroupPenalty or TaskGroupPenalty
        The path's penalty (its ``with_lam`` gives each level).
    lams : array-like of shape (n_lams,)
        The path's levels.
    results : list of SolverResult
        The path's solutions.
    fit_intercept : bool, default=True
        Whether the path fitted intercepts.

    Returns
    -------
    list of ndarray of shape (n_samples, n_tasks)
        Per point, ``y_i`` minus the leave-one-out residual.
    """
    low_rank = isinstance(operator, FactorStack)
    predictions = []
    for lam, result in zip(lams, results):
        theta = kernel_scales(penalty.with_lam(lam), result.task_norms)
        residuals = np.empty_like(Y)
        for column in range(theta.shape[1]):
            tasks = (np.arange(Y.shape[1]) if theta.shape[1] == 1 else np.array([column]))
            scales = theta[:, column]
            active = np.flatnonzero(scales > 0)
            factor = low_rank or not active.size  # no kernel: a factor of rank 0
            if factor:
                K = np.hstack([np.sqrt(scales[m]) * operator.factors[m] for m in active]
                              or [np.zeros((Y.shape[0], 0))])
            else:
                K = np.zeros((Y.shape[0], Y.shape[0]))
                for m in active:
                    K += scales[m] * operator.K[m]
            residuals[:, tasks] = loo_residuals(K, Y[:, tasks], W[:, tasks],
                                                fit_intercept=fit_intercept, low_rank=factor)
        predictions.append(Y - residuals)
    return predictions


class _Predictions(RegressorMixin, BaseEstimator):
    """A regressor whose ``predict`` returns its input: scorers applied to given predictions."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return X


def loo_scores(predictions, y, sample_weight, scoring):
    """Scores of leave-one-out predictions, one per path point.

    Parameters
    ----------
    predictions : list of ndarray of shape (n_samples, n_tasks)
        From :func:`path_loo_predictions`.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets as passed to ``fit``.
    sample_weight : ndarray or None
        As passed to ``fit``; a per-output one of shape (n_samples,
        n_outputs) restricts each output's score to its observed samples.
    scoring : str, callable or None
        ``None``: R^2 (uniform over outputs; with a per-output weight, the mean
        per-output R^2 on the observed samples), as the regressors' ``score``.
        Otherwise a scikit-learn scorer name or callable, called with an
        estimator whose ``predict`` returns the leave-one-out predictions of
        the rows it is given.

    Returns
    -------
    ndarray of shape (n_lams,)
    """
    y = np.asarray(y, dtype=float)
    shape = y.shape
    masked = sample_weight is not None and np.ndim(sample_weight) == 2
    scorer = None if scoring is None else check_scoring(_Predictions(), scoring=scoring)
    scores = []
    for F in predictions:
        F = F.reshape(shape)
        if scorer is not None:
            extra = {"sample_weight": sample_weight} if masked else {}
            scores.append(scorer(_Predictions(), F, y, **extra))
        elif masked:
            mask = np.asarray(sample_weight, dtype=float)
            scores.append(np.mean([r2_score(y[mask[:, t] > 0, t], F[mask[:, t] > 0, t],
                                            sample_weight=mask[mask[:, t] > 0, t])
                                   for t in range(shape[1]) if np.count_nonzero(mask[:, t]) >= 2]))
        else:
            scores.append(r2_score(y, F))
    return np.array(scores, dtype=float)
