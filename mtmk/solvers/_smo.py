"""SMO for p-norm MKL (SMO-MKL, Vishwanathan et al., NIPS 2010).

The primal, for one binary task with labels ``s``, is

    min_{d >= 0, w, b, xi}  1/2 sum_k ||w_k||^2 / d_k + C sum_i c_i xi_i + lam/2 ||d||_p^2
    s.t. s_i (sum_k <w_k, phi_k(x_i)> + b) >= 1 - xi_i,  xi >= 0,

and, eliminating ``d`` through the conjugate of ``lam/2 ||d||_p^2``, its dual

    max_{0 <= alpha <= C c, s^T alpha = 0}  D(alpha) = 1^T alpha - 1/(8 lam) ||u(alpha)||_q^2,
    u_k = alpha^T H_k alpha = beta^T K_k beta,  beta = s * alpha,  1/p + 1/q = 1,

which is differentiable for p > 1.  Its gradient is ``1 - sum_k d_k H_k alpha``
with the kernel weights

    d_k = 1/(2 lam) * (sum_j u_j^q)^(1/q - 1/p) * u_k^(q - 1),

i.e. the gradient of an SVM with the current combined kernel.  This weight
formula is derived here (the papers do not state it): it is the maximiser of
the conjugate, and we checked it against a cvxpy solve of the primal above (the test suite
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

from ._result import SolverResult


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


class _Line:
    """The dual along one SMO direction, ``g(t) = lin t - ||u + 2 a t + cq t^2||_q^2 / (8 lam)``.

    ``deriv(t)`` returns ``(g'(t), g''(t))``.  Each evaluation is a fixed
    handful of vectorised O(M) operations (one power, three dot products) and
    plain float arithmetic, written with ``v = u(t) / max u(t)`` so that the
    powers stay finite for any q.
    """

    __slots__ = ("u", "a2", "cq", "c2", "q", "c4", "lin", "q_is_2")

    # Floor of v = u / max(u): for q < 2 the curvature v^(q-2) of a kernel with
    # u_k = 0 is infinite; 1e-150 keeps it finite without changing T.
    _FLOOR = 1e-150

    def __init__(self, u, a, cq, q, lam, lin):
        self.u = u
        self.a2 = 2.0 * a
        self.cq = cq
        self.c2 = 2.0 * cq
        self.q = q
        self.c4 = 0.25 / lam
        self.lin = lin
        self.q_is_2 = q == 2.0

    def deriv(self, t):
        U = self.u + t * (self.a2 + self.cq * t)
        m = U.max()
        if m <= 0.0:
            return self.lin, 0.0
        v = np.maximum(U, m * self._FLOOR)
        v *= 1.0 / m
        du = self.a2 + self.c2 * t
        q = self.q
        if self.q_is_2:
            w = v
            T = float(v @ v)
            curv = float(du @ du)
            scale = 1.0
            first_term = 0.0
            wdu = float(w @ du)
        else:
            vq2 = v ** (q - 2.0)
            w = vq2 * v
            T = float(w @ v)
            wdu = float(w @ du)
            curv = float((vq2 * du) @ du)
            scale = T ** ((2.0 - q) / q)
            first_term = (2.0 - q) * T ** (2.0 / q - 2.0) * wdu * wdu
        first = self.lin - m * scale * wdu * self.c4
        second = -(first_term + (q - 1.0) * scale * curv
                   + m * scale * float(w @ self.c2)) * self.c4
        return first, second


def _newton_1d(line, hi, f0, rtol=1e-9, max_eval=60):
    """Maximise the concave 1-D dual on ``[0, hi]`` by safeguarded Newton.

    ``f0 = g'(0) > 0`` is known from the gradient (it is the pair's KKT
    violation).  Newton starts at 0; a step that leaves the bracket
    ``[lo, up]`` (``g' > 0`` at ``lo``, ``< 0`` at ``up`` once known) is
    replaced by bisection, and ``g'(hi)`` is evaluated only when Newton wants
    to go beyond ``hi``.  Stops when ``|g'(t)| <= rtol * f0``: typically 2-4
    evaluations.
    """
    _, f2 = line.deriv(0.0)
    t, f = 0.0, f0
    lo, up, up_negative = 0.0, hi, False
    for _ in range(max_eval):
        t_new = t - f / f2 if (f2 < 0.0 and np.isfinite(f2)) else np.inf
        if t_new >= up:
            if not up_negative:
                f_up, f2_up = line.deriv(up)
                if f_up >= 0.0:
                    return up
                up_negative = True
                t, f, f2 = up, f_up, f2_up
                continue
            t_new = 0.5 * (lo + up)
        elif t_new <= lo:
            t_new = 0.5 * (lo + up)
        t = t_new
        f, f2 = line.deriv(t)
        if f > 0.0:
            lo = t
        else:
            up, up_negative = t, True
        if abs(f) <= rtol * f0 or up - lo <= 1e-15 * max(1.0, up):
            break
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
    SolverResult
        ``weights`` are the ``d_k`` of the primal (not normalised), ``beta``
        the signed coefficients, ``objective`` the dual value ``D(alpha)``
        (equal to the primal optimum), ``violation`` the KKT violation.

    Notes
    -----
    Per step: two kernel columns, five O(M n) vectorised products (the
    second-order choice of j, the update of the cached ``h_k = K_k beta`` and
    of the combined output ``F = sum_k d_k h_k``), about twenty O(n)
    operations, and 2-4 evaluations of the O(M) line derivatives.  The
    quadratic forms ``u_k = beta^T K_k beta`` are updated in O(M) from the
    cache and recomputed exactly every 256 steps.
    """
    if p <= 1:
        raise ValueError(f"The SMO solver needs p > 1 (the dual is not smooth at p = 1); got {p}.")
    q = p / (p - 1.0)
    n, M = columns.n_samples, columns.n_kernels
    s = np.asarray(s, dtype=float)
    upper = C * np.asarray(c, dtype=float)
    if max_iter is None:
        max_iter = max(100000, 100 * n)
    diag = np.ascontiguousarray(columns.diagonal())     # (M, n)
    top = float(np.abs(diag).max()) if diag.size else 0.0
    if not top < 1e100:
        raise ValueError(
            f"The kernels' diagonal reaches {top:.3g}: SMO's quadratic forms would overflow "
            "float64. Rescale the kernels (e.g. to unit mean diagonal) or scale the features.")
    # beta^T K_m beta can reach (sum_i C c_i)^2 max K_m(x, x): it must stay finite.
    with np.errstate(over="ignore"):
        reach = np.float64(upper.sum()) ** 2 * np.float64(top)
    if not reach < 1e300:
        raise ValueError(
            f"C={C:g} is too large for these kernels and sample weights (largest weight "
            f"{float(np.max(c, initial=0.0)):.3g}): the quadratic forms beta^T K_m beta can "
            f"reach {float(reach):.3g} and overflow float64. Lower C or the sample weights "
            "(or rescale the kernels).")
    # Unit-diagonal kernels (RBF, normalised stacks): sum_k d_k K_k(x, x) is the
    # same for every sample and costs O(M) instead of O(M n) per step.
    constant_diag = bool(np.all(diag == diag[:, :1]))
    alpha = np.zeros(n)
    beta = np.zeros(n)
    h = np.zeros((M, n))                        # h_k = K_k beta (the cached products)
    u = np.zeros(M)
    d = np.zeros(M)
    F = np.zeros(n)                             # sum_k d_k h_k; -s G = s - F
    is_pos = s > 0
    # libsvm's I_up / I_low, kept up to date at the two indices a step moves.
    up = is_pos & (upper > 0)
    low = ~is_pos & (upper > 0)
    neg_inf = np.full(n, -np.inf)
    pos_inf = np.full(n, np.inf)
    violation = np.inf
    converged = False
    step = 0
    for step in range(1, max_iter + 1):
        score = s - F                           # -s_i G_i
        sc_up = np.where(up, score, neg_inf)
        i = int(sc_up.argmax())
        m_up = sc_up[i]
        violation = m_up - np.where(low, score, pos_inf).min()
        if verbose and step % verbose == 0:
            print(f"[smo] step {step}: violation={violation:.3g}")
        if not violation > tol:                 # also stops when a set is empty (nan/-inf)
            violation = max(float(violation), 0.0) if np.isfinite(violation) else 0.0
            converged = True
            break
        col_i = columns.column(i)
        # Second-order choice of j with the current combined kernel.
        b_ij = m_up - score
        curv = d @ col_i
        curv *= -2.0
        curv += (2.0 * float(d @ diag[:, 0]) if constant_diag
                 else (d @ diag) + float(d @ diag[:, i]))
        np.maximum(curv, 1e-12, out=curv)
        gain = b_ij * b_ij
        gain /= curv
        j = int(np.where(low & (b_ij > 0), gain, -1.0).argmax())
        col_j = columns.column(j)

        # Exact line: beta moves by t (e_i - e_j), u_k by 2 t a_k + t^2 cq_k.
        k_ij = col_i[:, j]
        a = h[:, i] - h[:, j]
        cq = diag[:, i] + diag[:, j] - 2.0 * k_ij
        hi_i = upper[i] - alpha[i] if s[i] > 0 else alpha[i]
        hi_j = alpha[j] if s[j] > 0 else upper[j] - alpha[j]
        t = _newton_1d(_Line(u, a, cq, q, lam, s[i] - s[j]), min(hi_i, hi_j), float(b_ij[j]))
        if not np.isfinite(t):
            raise ValueError(
                f"SMO step {step}: the line search returned {t} (overflow; C={C:g}, largest "
                f"kernel diagonal {top:.3g}). Rescale the kernels or lower C.")
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
            below, above = alpha[k] < upper[k], alpha[k] > 0
            up[k] = (below if is_pos[k] else above) and upper[k] > 0
            low[k] = (above if is_pos[k] else below) and upper[k] > 0
        db_i = s[i] * alpha[i] - beta[i]
        db_j = s[j] * alpha[j] - beta[j]
        beta[i] += db_i
        beta[j] += db_j
        if step % 256 == 0:
            h += db_i * col_i
            h += db_j * col_j
            u = h @ beta
        else:
            # u(beta + delta) = u + 2 delta^T h + delta^T K delta, in O(M).
            u = (u + 2.0 * (db_i * h[:, i] + db_j * h[:, j])
                 + db_i * db_i * diag[:, i] + db_j * db_j * diag[:, j]
                 + 2.0 * db_i * db_j * k_ij)
            h += db_i * col_i
            h += db_j * col_j
        if not np.all(np.isfinite(u)):
            raise ValueError(
                f"SMO step {step}: the quadratic forms beta^T K_m beta overflowed "
                f"(C={C:g}, largest kernel diagonal {top:.3g}). Rescale the kernels or "
                "lower C.")
        d = lp_weights(u, p, lam)
        F = d @ h
    if not converged:
        warnings.warn(
            f"SMO stopped after {step} steps with a KKT violation of {violation:.3g} "
            f"> tol={tol:.3g}. Increase max_iter.", ConvergenceWarning, stacklevel=3)
    u = h @ beta
    d = lp_weights(u, p, lam)
    G = s * (d @ h) - 1.0
    intercept = _intercept(alpha, upper, s, G)
    return SolverResult(intercept=intercept, objective=lp_dual_objective(alpha, u, p, lam),
                        n_iter=step, converged=converged, violation=float(violation),
                        weights=d, beta=beta.copy())


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
