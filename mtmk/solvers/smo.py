"""SMO for p-norm MKL (SMO-MKL, Vishwanathan et al., NIPS 2010; SPEC section 3).

The primal, for one binary task with labels ``s``, is

    min_{d >= 0, w, b, xi}  1/2 sum_k ||w_k||^2 / d_k + C sum_i c_i xi_i + lam/2 ||d||_p^2
    s.t. s_i (sum_k <w_k, phi_k(x_i)> + b) >= 1 - xi_i,  xi >= 0,

and, eliminating ``d`` through the conjugate of ``lam/2 ||d||_p^2``, its dual

    max_{0 <= alpha <= C c, s^T alpha = 0}  D(alpha) = 1^T alpha - 1/(8 lam) ||u(alpha)||_q^2,
    u_k = alpha^T H_k alpha = beta^T K_k beta,  beta = s * alpha,  1/p + 1/q = 1,

which is differentiable for p > 1.  Its gradient is ``1 - sum_k d_k H_k alpha``
with the kernel weights

    d_k = 1/(2 lam) * (sum_j u_j^q)^(1/q - 1/p) * u_k^(q - 1),

i.e. the gradient of an SVM with the current combined kernel.  SPEC marks
this weight formula as a reconstruction; it is the maximiser of the conjugate
and we checked it against a cvxpy solve of the primal above (the test suite
compares the primal ``d`` of cvxpy with this formula evaluated at the SMO
``alpha``: they agree to the solvers' accuracy).

SMO: each step picks a pair (i, j) (maximal violating pair, second-order
choice of j in the current combined kernel) and moves
``alpha_i += s_i t, alpha_j -= s_j t``, which keeps ``s^T alpha = 0``.  Along
that line every ``u_k`` is a quadratic in ``t`` with coefficients read from the
cached ``h_k = K_k beta`` and two kernel columns, so ``D(t)`` and its first two
derivatives cost O(M); a safeguarded 1-D Newton iteration finds the best ``t``
in the box.  Updating the caches costs O(M n) per step, vectorised over the
kernels.  The stopping rule is libsvm's: the largest KKT violation
``max_{I_up} -s G - min_{I_low} -s G <= tol``.
"""

import warnings
from collections import OrderedDict

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .simplemkl import MKLResult


class DenseColumns:
    """Kernel columns from a dense stack ``K`` of shape (n_kernels, n, n)."""

    def __init__(self, K):
        self.K = K
        self.n_kernels, self.n_samples = K.shape[0], K.shape[1]

    def column(self, i):
        """``K[:, :, i]`` (= ``K[:, i, :]`` by symmetry), shape (n_kernels, n)."""
        return self.K[:, i, :]

    def diagonal(self):
        return np.einsum("mii->mi", self.K)


class RBFColumns:
    """Columns of Gaussian kernels ``exp(-gamma_k ||x_i - x_j||^2)`` computed on demand.

    Memory O(M n) instead of O(M n^2): what makes SMO usable at n = 20,000 or
    with thousands of kernels.  Recently used columns are kept in an LRU cache.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    gammas : array-like of shape (n_kernels,)
    cache_bytes : int
    """

    def __init__(self, X, gammas, cache_bytes=256 * 2**20):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.gammas = np.asarray(gammas, dtype=float)
        self.n_kernels, self.n_samples = self.gammas.size, self.X.shape[0]
        self._sq = np.einsum("ij,ij->i", self.X, self.X)
        self._cache = OrderedDict()
        self._max_cached = max(2, cache_bytes // (8 * self.n_kernels * self.n_samples))

    def column(self, i):
        col = self._cache.get(i)
        if col is not None:
            self._cache.move_to_end(i)
            return col
        dist = np.maximum(self._sq + self._sq[i] - 2.0 * (self.X @ self.X[i]), 0.0)
        col = np.exp(-self.gammas[:, None] * dist[None, :])
        self._cache[i] = col
        if len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)
        return col

    def diagonal(self):
        return np.ones((self.n_kernels, self.n_samples))


def _normalised(u, q):
    """``(m, v, T)`` with ``m = max u``, ``v = u / m``, ``T = sum v^q``.

    Working with ``v`` keeps the powers ``u^q`` finite for any q (q is large
    when p is close to 1) and for tiny ``u``.
    """
    u = np.maximum(u, 0.0)
    m = float(u.max()) if u.size else 0.0
    if m <= 0.0:
        return 0.0, np.zeros_like(u), 0.0
    v = u / m
    return m, v, float(np.sum(v**q))


def lp_weights(u, p, lam):
    """Kernel weights ``d_k = (1/(2 lam)) ||u||_q^(2-q) u_k^(q-1)`` of SMO-MKL (p > 1)."""
    q = p / (p - 1.0)
    m, v, T = _normalised(u, q)
    if m == 0.0:
        return np.zeros_like(v)
    # ||u||_q^(2-q) u_k^(q-1) = m T^((2-q)/q) v_k^(q-1)
    return m * T ** ((2.0 - q) / q) * v ** (q - 1.0) / (2.0 * lam)


def lp_dual_objective(alpha, u, p, lam):
    """``D(alpha) = 1^T alpha - ||u||_q^2 / (8 lam)``."""
    q = p / (p - 1.0)
    m, _, T = _normalised(u, q)
    return float(alpha.sum() - (m * m * T ** (2.0 / q) if m > 0 else 0.0) / (8.0 * lam))


def _line_derivatives(t, u, a, cq, q, lam, lin):
    """First and second derivative in t of ``lin t - ||u + 2 a t + cq t^2||_q^2 / (8 lam)``.

    Written with ``v = u(t) / max u(t)`` (see :func:`_normalised`).
    """
    m, v, T = _normalised(u + 2.0 * a * t + cq * t * t, q)
    if m == 0.0:
        return lin, 0.0
    du = 2.0 * a + 2.0 * cq * t
    w = v ** (q - 1.0)
    wdu = w @ du
    scale = T ** ((2.0 - q) / q)
    first = lin - m * scale * wdu / (4.0 * lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        curv_terms = np.where(du != 0.0, v ** (q - 2.0) * du * du, 0.0)
    second = -((2.0 - q) * T ** (2.0 / q - 2.0) * wdu * wdu
               + (q - 1.0) * scale * np.sum(curv_terms)
               + m * scale * (w @ (2.0 * cq))) / (4.0 * lam)
    return first, second


def _newton_1d(u, a, cq, q, lam, lin, hi):
    """Maximise the concave 1-D dual along the pair on [0, hi] (safeguarded Newton)."""
    f_hi, _ = _line_derivatives(hi, u, a, cq, q, lam, lin)
    if f_hi >= 0:
        return hi
    lo, t = 0.0, 0.0
    for _ in range(60):
        f, f2 = _line_derivatives(t, u, a, cq, q, lam, lin)
        if f > 0:
            lo = t
        else:
            hi = t
        if abs(f) <= 1e-13 * max(1.0, abs(lin)) or hi - lo <= 1e-15 * max(1.0, hi):
            break
        t_new = t - f / f2 if (f2 < 0 and np.isfinite(f2)) else np.inf
        # Bisect whenever Newton leaves the bracket or stalls (the dual is quartic in t).
        t = t_new if (lo < t_new < hi and t_new != t) else 0.5 * (lo + hi)
    return t


def solve_smo(columns, s, c, p=2.0, C=1.0, lam=1.0, tol=1e-3, max_iter=None, verbose=0):
    """Solve the p-norm MKL dual (p > 1) by SMO.

    Parameters
    ----------
    columns : DenseColumns, RBFColumns or object with ``column(i)``, ``diagonal()``,
        ``n_kernels`` and ``n_samples``
        Access to the kernel columns ``K[:, :, i]`` of shape (n_kernels, n_samples).
    s : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    c : ndarray of shape (n_samples,)
        Per-sample multipliers of ``C`` (0 removes a sample).
    p : float > 1
    C : float
    lam : float > 0
        Strength of the ``lam/2 ||d||_p^2`` regulariser.
    tol : float
        Largest KKT violation (libsvm's criterion) at which to stop.
    max_iter : int, optional
        Maximum SMO steps; default ``max(100000, 100 n)``.
    verbose : int
        Print progress every ``verbose`` steps.

    Returns
    -------
    MKLResult
        ``weights`` are the ``d_k`` of the primal (not normalised), ``objective``
        the dual value ``D(alpha)`` (equal to the primal optimum), ``gap`` the
        KKT violation.
    """
    if p <= 1:
        raise ValueError(f"The SMO solver needs p > 1 (the dual is not smooth at p = 1); got {p}.")
    q = p / (p - 1.0)
    n, M = columns.n_samples, columns.n_kernels
    s = np.asarray(s, dtype=float)
    upper = C * np.asarray(c, dtype=float)
    if max_iter is None:
        max_iter = max(100000, 100 * n)
    diag = columns.diagonal()                   # (M, n)
    alpha = np.zeros(n)
    beta = np.zeros(n)
    h = np.zeros((M, n))                        # h_k = K_k beta (the cached products)
    u = np.zeros(M)
    d = np.zeros(M)
    G = -np.ones(n)                             # gradient of -D: s * (sum_k d_k h_k) - 1
    is_pos = s > 0
    violation = np.inf
    converged = False
    step = 0
    for step in range(1, max_iter + 1):
        # Working-set selection (libsvm's I_up / I_low in terms of alpha).
        below = alpha < upper
        above = alpha > 0
        up = (is_pos & below) | (~is_pos & above)
        low = (is_pos & above) | (~is_pos & below)
        score = -s * G
        if not up.any() or not low.any():
            violation = 0.0
            converged = True
            break
        i = int(np.argmax(np.where(up, score, -np.inf)))
        m_up = score[i]
        violation = m_up - np.min(np.where(low, score, np.inf))
        if verbose and step % verbose == 0:
            print(f"[smo] step {step}: violation={violation:.3g}")
        if violation <= tol:
            converged = True
            break
        col_i = columns.column(i)
        # Second-order choice of j with the current combined kernel.
        kd_col = d @ col_i
        kd_diag = d @ diag
        b_ij = m_up - score
        curv = kd_diag[i] + kd_diag - 2.0 * kd_col
        curv = np.where(curv > 1e-12, curv, 1e-12)
        candidates = low & (b_ij > 0)
        j = int(np.argmin(np.where(candidates, -(b_ij * b_ij) / curv, np.inf)))
        col_j = columns.column(j)

        # Exact line: beta moves by t (e_i - e_j), u_k by 2 t a_k + t^2 cq_k.
        a = h[:, i] - h[:, j]
        cq = diag[:, i] + diag[:, j] - 2.0 * col_i[:, j]
        hi_i = upper[i] - alpha[i] if s[i] > 0 else alpha[i]
        hi_j = alpha[j] if s[j] > 0 else upper[j] - alpha[j]
        hi = min(hi_i, hi_j)
        lin = s[i] - s[j]
        t = _newton_1d(u, a, cq, q, lam, lin, hi)
        if t <= 0:
            # No progress is possible along the best pair (numerical floor).
            break
        alpha[i] += s[i] * t
        alpha[j] -= s[j] * t
        # Snap to the bounds so that the working sets stay exact.
        for k in (i, j):
            if alpha[k] < 1e-12 * upper[k]:
                alpha[k] = 0.0
            elif alpha[k] > upper[k] * (1 - 1e-12):
                alpha[k] = upper[k]
        beta_old_i, beta_old_j = beta[i], beta[j]
        beta[i] = s[i] * alpha[i]
        beta[j] = s[j] * alpha[j]
        h += (beta[i] - beta_old_i) * col_i
        h += (beta[j] - beta_old_j) * col_j
        u = h @ beta
        d = lp_weights(u, p, lam)
        G = s * (d @ h) - 1.0
    if not converged:
        warnings.warn(
            f"SMO stopped after {step} steps with a KKT violation of {violation:.3g} "
            f"> tol={tol:.3g}. Increase max_iter.", ConvergenceWarning, stacklevel=3)
    intercept = _intercept(alpha, upper, s, G)
    return MKLResult(weights=d, beta=beta.copy(), intercept=intercept,
                     objective=lp_dual_objective(alpha, u, p, lam), gap=float(violation),
                     n_iter=step, converged=converged)


def _intercept(alpha, upper, s, G):
    """libsvm's rule: the mean of ``-s_i G_i`` over free alphas, else the bracket midpoint."""
    free = (alpha > 0) & (alpha < upper)
    if free.any():
        return float(-np.mean(s[free] * G[free]))
    sg = s * G
    below = alpha <= 0
    above = alpha >= upper
    # KKT at a bound: s_i (F_i + b) >= 1 (alpha_i = 0) or <= 1 (alpha_i = C c_i),
    # so -s_i G_i bounds b from below or from above.
    lb_set = (s > 0) & below | (s < 0) & above
    ub_set = (s < 0) & below | (s > 0) & above
    ub = np.min(-sg[ub_set]) if ub_set.any() else np.inf
    lb = np.max(-sg[lb_set]) if lb_set.any() else -np.inf
    if not np.isfinite(ub):
        return float(lb) if np.isfinite(lb) else 0.0
    if not np.isfinite(lb):
        return float(ub)
    return float(0.5 * (ub + lb))
