"""A binary SVM dual solved by libsvm, the inner solver of the MKL family.

``svm_dual`` solves

    max_alpha  1^T alpha - 1/2 beta^T K beta,    beta = s * alpha,
    s.t.       0 <= alpha_i <= C c_i,  s^T alpha = 0

with libsvm through scikit-learn's public ``SVC(kernel="precomputed")``.  A
plain loop around libsvm is the fast way to do MKL; this wrapper turns the
fitted ``SVC`` into plain arrays so that solvers never hold an estimator.
"""

import numpy as np
from sklearn import config_context
from sklearn.svm import SVC

from ._result import SolverResult


def svm_dual(K, s, c, C=1.0, tol=1e-3, cache_size=200):
    """Solve the binary SVM dual for a precomputed kernel with libsvm.

    Parameters
    ----------
    K : ndarray of shape (n_samples, n_samples)
        PSD kernel matrix.
    s : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    c : ndarray of shape (n_samples,)
        Non-negative per-sample weights multiplying ``C`` (0 drops a sample).
    C : float
    tol : float
        libsvm's stopping tolerance (largest KKT violation).
    cache_size : float
        libsvm kernel cache in MB.

    Returns
    -------
    SolverResult
        ``dual`` the dual variables ``0 <= alpha_i <= C c_i``, ``beta`` the
        signed coefficients ``s * alpha`` (``f(x) = sum_i beta_i k(x_i, x) + b``),
        ``objective`` the dual objective ``sum(alpha) - beta^T K beta / 2``,
        ``n_iter`` libsvm's iterations.
    """
    # Samples of weight 0 are removed here: libsvm drops them itself, but then
    # SVC.support_ indexes the reduced set (observed with scikit-learn 1.9).
    c = np.asarray(c, dtype=float)
    keep = np.flatnonzero(c > 0)
    Kk = K[np.ix_(keep, keep)] if keep.size < K.shape[0] else K
    support, coef, intercept, n_iter = _libsvm_via_svc(Kk, s[keep], c[keep], C, tol,
                                                       cache_size)
    beta = np.zeros(K.shape[0])
    beta[keep[support]] = coef
    alpha = s * beta
    objective = float(alpha.sum() - 0.5 * beta @ (K @ beta))
    # libsvm runs without an iteration limit here: it stops at its tolerance
    return SolverResult(intercept=float(intercept), objective=objective, n_iter=n_iter,
                        converged=True, beta=beta, dual=alpha)


def _libsvm_via_svc(K, s, c, C, tol, cache_size):
    svc = SVC(C=C, kernel="precomputed", tol=tol, cache_size=cache_size, shrinking=True)
    # The solvers hand over validated, finite arrays: skip the repeated checks
    # (they cost more than libsvm itself on a few hundred samples).
    with config_context(assume_finite=True, skip_parameter_validation=True):
        svc.fit(K, s, sample_weight=c)
    # scikit-learn flips the sign of binary dual coefficients so that
    # f(x) = K[:, support] @ dual_coef_[0] + intercept_ is positive for classes_[1] = +1.
    sign = 1.0 if svc.classes_[1] == 1 else -1.0
    return (svc.support_, sign * svc.dual_coef_[0], sign * float(svc.intercept_[0]),
            int(svc.n_iter_[0]))
