"""A binary SVM dual solved by libsvm, the inner solver of the MKL family.

``svm_dual`` solves

    max_alpha  1^T alpha - 1/2 beta^T K beta,    beta = s * alpha,
    s.t.       0 <= alpha_i <= C c_i,  s^T alpha = 0

with libsvm through scikit-learn's binding (the call ``SVC(kernel="precomputed")``
makes, without SVC's per-call input validation; ``SVC`` itself if the private
binding ever changes).  A plain loop around libsvm is the fast way to do
MKL; this wrapper turns the
fitted ``SVC`` into plain arrays so that solvers never hold an estimator.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.svm import SVC


@dataclass
class SVMSolution:
    """The solution of one binary SVM dual.

    Attributes
    ----------
    alpha : ndarray of shape (n_samples,)
        Dual variables, ``0 <= alpha_i <= C c_i``.
    beta : ndarray of shape (n_samples,)
        Signed coefficients ``s * alpha``: ``f(x) = sum_i beta_i k(x_i, x) + b``.
    intercept : float
    objective : float
        Dual objective ``sum(alpha) - beta^T K beta / 2``.
    """

    alpha: np.ndarray
    beta: np.ndarray
    intercept: float
    objective: float


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
    SVMSolution
    """
    # Samples of weight 0 are removed here: libsvm drops them itself, but then
    # SVC.support_ indexes the reduced set (observed with scikit-learn 1.9).
    c = np.asarray(c, dtype=float)
    keep = np.flatnonzero(c > 0)
    Kk = K[np.ix_(keep, keep)] if keep.size < K.shape[0] else K
    raw = _libsvm_direct(Kk, s[keep], c[keep], C, tol, cache_size) if _DIRECT else None
    if raw is None:
        support, coef, intercept = _libsvm_via_svc(Kk, s[keep], c[keep], C, tol, cache_size)
    else:
        support, coef, intercept = raw
    beta = np.zeros(K.shape[0])
    beta[keep[support]] = coef
    alpha = s * beta
    objective = float(alpha.sum() - 0.5 * beta @ (K @ beta))
    return SVMSolution(alpha=alpha, beta=beta, intercept=float(intercept),
                       objective=objective)


# scikit-learn's own binding of libsvm: SVC.fit spends ~10 ms per call in
# target and input validation (type_of_target, dataframe checks), more than
# libsvm itself needs on a few hundred samples, and the MKL family calls it
# once per task (SimpleMKL: per line-search trial).  The binding is private,
# so it is used only if it accepts the call SVC makes in scikit-learn 1.9
# (checked against SVC in the test suite); otherwise SVC is used.
try:  # pragma: no cover - depends on the scikit-learn version
    from sklearn.svm import _libsvm
    _DIRECT = hasattr(_libsvm, "fit")
except ImportError:  # pragma: no cover
    _DIRECT = False


def _libsvm_direct(K, s, c, C, tol, cache_size):
    """``(support, beta[support], intercept)`` from libsvm, or None if the binding differs."""
    global _DIRECT
    y = (s > 0).astype(np.float64)          # class index: 0 for -1, 1 for +1 (SVC's encoding)
    try:
        _libsvm.set_verbosity_wrap(0)
        out = _libsvm.fit(np.ascontiguousarray(K, dtype=np.float64), y, svm_type=0,
                          sample_weight=np.ascontiguousarray(c, dtype=np.float64),
                          class_weight=np.empty(0), kernel="precomputed", C=float(C),
                          nu=0.5, probability=0, degree=3, shrinking=1, tol=float(tol),
                          cache_size=float(cache_size), coef0=0.0, gamma=0.0, epsilon=0.1,
                          max_iter=-1, random_seed=0)
        support, dual_coef, intercept = out[0], out[3], out[4]
    except (TypeError, ValueError, AttributeError, IndexError):  # pragma: no cover
        _DIRECT = False
        return None
    # scikit-learn's libsvm orders the classes by label (index 0 = -1 first) and
    # its decision values are positive for the first class; SVC flips both signs
    # for binary problems so that positive means +1.  Do the same.
    return (np.asarray(support, dtype=np.intp), -np.asarray(dual_coef[0], dtype=float),
            -float(intercept[0]))


def _libsvm_via_svc(K, s, c, C, tol, cache_size):
    svc = SVC(C=C, kernel="precomputed", tol=tol, cache_size=cache_size, shrinking=True)
    svc.fit(K, s, sample_weight=c)
    # scikit-learn flips the sign of binary dual coefficients so that
    # f(x) = K[:, support] @ dual_coef_[0] + intercept_ is positive for classes_[1] = +1.
    sign = 1.0 if svc.classes_[1] == 1 else -1.0
    return svc.support_, sign * svc.dual_coef_[0], sign * float(svc.intercept_[0])
