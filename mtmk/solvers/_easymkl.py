"""EasyMKL (Aiolli & Donini, Neurocomputing 2015).

One QP on the sum kernel, for one binary task with labels ``s``:

    min_gamma  (1 - lam) gamma^T Y K_sum Y gamma + lam sum_i gamma_i^2 / c_i
    s.t.       gamma >= 0,  sum_{s_i = +1} gamma_i = 1,  sum_{s_i = -1} gamma_i = 1,

(``c_i = 1`` is the paper's ``lam ||gamma||^2``; a weight ``c_i`` is equivalent
to repeating the sample ``c_i`` times, and ``c_i = 0`` removes it), then
``eta_m`` proportional to ``(s * gamma)^T K_m (s * gamma)``, normalised to sum 1
like MKLpy (the paper normalises by the l2 norm; only the scale of the
combined kernel differs).  ``K_sum`` is the plain sum of the kernels, as in
MKLpy.  Cost: one matrix-vector product per iteration, linear in M once
``K_sum`` is formed; memory O(n^2).

The QP is the squared distance between the convex hulls of the two classes
in the feature space of ``K' = (1 - lam) K_sum + lam diag(1/c)``, i.e. a
hard-margin SVM dual: libsvm solves it (``gamma = 2 alpha / sum(alpha)``),
which is hundreds of times faster than a first-order method on n = 1000.
The certificate is the Frank-Wolfe duality gap, an upper bound on the
suboptimality; if libsvm's answer does not meet ``tol``, accelerated
projected gradient (FISTA with adaptive restart) on the product of two
simplices polishes it.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._simplemkl import quadratic_forms
from ._svm import svm_dual


def project_simplex(v):
    """Euclidean projection of ``v`` on ``{x >= 0, sum x = 1}`` (sort-based)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.arange(1, v.size + 1)
    rho = np.nonzero(u - css / k > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1.0), 0.0)


def easymkl_objective(gamma, K_sum, s, c, lam):
    """Value of the EasyMKL QP at ``gamma`` (samples with ``c = 0`` must have gamma 0)."""
    sg = s * gamma
    active = c > 0
    ridge = np.sum(gamma[active] ** 2 / c[active])
    return float((1.0 - lam) * sg @ (K_sum @ sg) + lam * ridge)


def solve_easymkl(K, s, c, lam=0.1, K_sum=None, tol=1e-5, max_iter=20000, svm_tol=None):
    """Solve the EasyMKL QP for one binary task and return kernel weights.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    s : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    c : ndarray of shape (n_samples,)
        Non-negative sample weights (see the module docstring).
    lam : float in [0, 1]
    K_sum : ndarray of shape (n_samples, n_samples), optional
        ``K.sum(axis=0)``, shared by the tasks of a multi-task fit.
    tol : float
        Frank-Wolfe gap, relative to the objective, at which to stop.
    max_iter : int
        Iterations of the FISTA polish.
    svm_tol : float, optional
        Tolerance of the libsvm hard-margin solve; default ``tol / 10`` (the
        relative Frank-Wolfe gap it reaches is about ``svm_tol``).

    Returns
    -------
    gamma : ndarray of shape (n_samples,)
    weights : ndarray of shape (n_kernels,)
        ``eta`` on the simplex.
    objective : float
    gap : float
        The relative Frank-Wolfe gap reached.
    """
    if K_sum is None:
        K_sum = K.sum(axis=0)
    c = np.asarray(c, dtype=float)
    active = c > 0
    inv_c = np.where(active, 1.0 / np.where(active, c, 1.0), 0.0)
    index = np.flatnonzero(active)
    Ks = K_sum[np.ix_(index, index)]
    ss = s[index]
    ic = inv_c[index]
    p_mask, n_mask = ss > 0, ss < 0

    def grad(g):
        return 2.0 * (1.0 - lam) * ss * (Ks @ (ss * g)) + 2.0 * lam * ic * g

    def value(g):
        sg = ss * g
        return (1.0 - lam) * sg @ (Ks @ sg) + lam * np.sum(ic * g * g)

    def project(v):
        out = np.empty_like(v)
        out[p_mask] = project_simplex(v[p_mask])
        out[n_mask] = project_simplex(v[n_mask])
        return out

    def fw_gap(g, x, f):
        # g.x - min over the product of simplices of g.v, relative to f
        return (g @ x - g[p_mask].min() - g[n_mask].min()) / max(f, 1e-300)

    x = _hard_margin(Ks, ss, ic, lam, 0.1 * tol if svm_tol is None else svm_tol)
    f_x = value(x)
    gap = fw_gap(grad(x), x, f_x)
    if gap > tol:
        x, f_x, gap = _fista(x, value, grad, project, fw_gap, Ks, ic, lam, tol, max_iter)
    gamma = np.zeros(s.shape[0])
    gamma[index] = x
    weights = quadratic_forms(K, s * gamma)
    weights = np.maximum(weights, 0.0)
    total = weights.sum()
    weights = weights / total if total > 0 else np.full(K.shape[0], 1.0 / K.shape[0])
    return gamma, weights, float(f_x), float(gap)


def _hard_margin(Ks, s, inv_c, lam, svm_tol):
    """The QP's minimiser from a hard-margin SVM on ``(1 - lam) K + lam diag(1/c)``."""
    Kp = (1.0 - lam) * Ks
    Kp[np.diag_indices_from(Kp)] += lam * inv_c
    # The minimiser does not change when Kp is scaled; a unit smallest diagonal
    # keeps libsvm's numbers O(1) whatever the scale of the sample weights
    # (weights of 1e-40 put 1e39 on the diagonal, and libsvm failed).
    diagonal = Kp.diagonal()
    positive = diagonal[diagonal > 0]
    if positive.size:
        Kp /= positive.min()
    alpha = svm_dual(Kp, s, np.ones(s.shape[0]), C=1e12, tol=svm_tol).dual
    alpha = np.maximum(alpha, 0.0)
    x = np.empty_like(alpha)
    for mask in (s > 0, s < 0):
        total = alpha[mask].sum()
        x[mask] = alpha[mask] / total if total > 0 else 1.0 / mask.sum()
    return x


def _fista(x, value, grad, project, fw_gap, Ks, ic, lam, tol, max_iter):
    top = np.linalg.eigvalsh(Ks)[-1] if Ks.shape[0] <= 400 else _power_top(Ks)
    L = 2.0 * ((1.0 - lam) * top + lam * ic.max()) * (1 + 1e-6) + 1e-300
    y, theta, f_x = x.copy(), 1.0, value(x)
    gap = np.inf
    for _ in range(max_iter):
        x_new = project(y - grad(y) / L)
        f_new = value(x_new)
        if f_new > f_x:  # adaptive restart (O'Donoghue & Candes): drop the momentum
            y, theta = x.copy(), 1.0
            x_new = project(x - grad(x) / L)
            f_new = value(x_new)
        gap = fw_gap(grad(x_new), x_new, f_new)
        theta_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * theta * theta))
        y = x_new + ((theta - 1.0) / theta_new) * (x_new - x)
        x, f_x, theta = x_new, f_new, theta_new
        if gap <= tol:
            break
    else:
        warnings.warn(
            f"EasyMKL's QP stopped after {max_iter} iterations with a relative "
            f"Frank-Wolfe gap of {gap:.3g} > tol={tol:.3g}.", ConvergenceWarning, stacklevel=4)
    return x, f_x, gap


def _power_top(A, n_iter=100):
    """Largest eigenvalue of a PSD matrix (Lanczos, with a safe fallback)."""
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh
    try:
        return float(eigsh(A, k=1, which="LA", tol=1e-6, return_eigenvectors=False,
                           v0=np.ones(A.shape[0]))[0]) * (1 + 1e-5)
    except ArpackNoConvergence:
        return float(np.abs(A).sum(axis=1).max())
