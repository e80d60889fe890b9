"""The lp-lq multi-task MKL penalty (Rakotomamonjy, Flamary, Gasso, Canu, IEEE TNN 2011).

With the logistic datafit of MTMK (SPEC section 2) and ``a_tm = ||f_tm||_H``,
``r_m = (sum_t a_tm^q)^(1/q)``, :func:`solve_lplq` minimises

    J(f, b) = sum_t sum_i W_it log(1 + exp(-S_it f_t(x_i)))  +  lam * sum_m r_m^p,
    f_t = b_t + sum_m f_tm,   0 < p <= 1 <= q <= 2.

For p = 1 and q = 2 this is exactly MTMK's objective with ``lam_group = lam``
and ``lam_ridge = 0`` (``r_m`` is MTMK's block norm ``N_m``), which the test
suite checks against :func:`mtmk.solvers.solve_bcd`.  Two remarks on the
correspondence with the paper and SPEC:

- the paper uses SVMs (hinge loss) inside; here the datafit is MTMK's logistic
  loss so that the p = 1, q = 2 case is the MTMK problem itself, not merely the
  same penalty;
- for p < 1 the penalty is the paper's ``sum_m r_m^p``; SPEC writes
  ``(sum_m r_m^p)^(1/p)``, equal at p = 1 and, for p < 1, a monotone
  transform of it (same constrained problems, a different scale of ``lam``).

Algorithm (p = 1).  For q <= 2 the variational identity

    r_m = min_{eta >= 0} 1/2 [ sum_t a_tm^2 / eta_tm + ||eta_m||_{q/(2-q)} ],
    eta_tm = a_tm^(2-q) r_m^(q-1) at the minimum,

turns the penalty into weighted squared norms, and the problem is jointly
convex in (f, eta).  Alternate:

1. closed-form weights ``d_tm = eta_tm / mu_m`` (``mu_m = lam``); for q = 2 they
   are the same for all tasks, ``d_m`` proportional to ``r_m`` as SPEC states;
2. for fixed d the tasks decouple: task t is a kernel logistic ridge
   regression ``min L_t(K_t beta + b) + 1/2 beta^T K_t beta`` with the combined
   kernel ``K_t = sum_m d_tm K_m``, solved by damped Newton (warm started,
   one (n + 1) x (n + 1) solve per step); then ``f_tm = d_tm K_m beta_t``.

Kernels whose ``r_m`` falls below ``1e-9 max_m r_m`` are set to zero exactly
(the alternation only shrinks them geometrically) and come back if their
optimality condition is violated.  The stopping rule is the KKT violation of
the original problem, measured like MTMK's certificate (SPEC 2.2) in each
block's factor metric; for q = 2 it is the same number as
:func:`mtmk.solvers.optimality_violation`.

p < 1 (not convex) is solved by reweighted l1-lq: majorising ``r^p`` by its
tangent at the current ``r_m`` gives the p = 1 problem with per-kernel
weights ``mu_m = lam p r_m^(p-1)``, solved as above (warm started); a few
rounds until the weights settle.  The result is a stationary point.

The Jawanpuria-Nath (l1, lp) variant (lp over tasks with p >= 2) does not
fall out of this machinery: the eta identity above needs the inner exponent
to be at most 2.

Cost per outer iteration: O(T n^3) for the Newton solves plus O(M n^2 T) for
the certificate; meant for n up to a few thousand.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..losses import Logistic
from .bcd import SolverResult, optimal_intercept

_PRUNE = 1e-9


def _dense_stack(gram):
    K = getattr(gram, "K", gram)
    K = np.asarray(K, dtype=float)
    if K.ndim != 3:
        raise ValueError("solve_lplq needs exact Gram matrices: a GramStack or an array of "
                         f"shape (n_kernels, n_samples, n_samples); got {K.shape}.")
    return K


def lplq_penalty(task_norms, p, q):
    """``sum_m (sum_t a_tm^q)^(p/q)`` for ``task_norms`` of shape (n_kernels, n_tasks)."""
    r = _lq(task_norms, q)
    return float(np.sum(r**p))


def _lq(a, q):
    return np.max(a, axis=1) if np.isinf(q) else np.sum(a**q, axis=1) ** (1.0 / q)


def lplq_objective(F, S, W, task_norms, lam, p, q):
    """Logistic datafit plus ``lam * sum_m r_m^p``."""
    return Logistic.value(F, S, W) + lam * lplq_penalty(task_norms, p, q)


def _gradient_norms(K, F, S, W):
    """``||g_tm||`` of the datafit gradient in each kernel's factor metric, (n_kernels, n_tasks)."""
    R = Logistic.residual(F, S, W)
    return np.sqrt(np.maximum(np.einsum("jt,mjt->mt", R, np.matmul(K, R)), 0.0))


def _dual_norm(g, q):
    """``||g_m||_{q*}`` over tasks, ``q* = q / (q - 1)``."""
    if q == 1:
        return g.max(axis=1)
    q_star = q / (q - 1.0)
    return np.sum(g**q_star, axis=1) ** (1.0 / q_star)


def _task_norms(alpha, KA):
    return np.sqrt(np.maximum(np.einsum("mit,mit->mt", alpha, KA), 0.0))


def lplq_violation(K, alpha, intercept, S, W, mu, q, fit_intercept=True, KA=None):
    """Largest KKT violation of ``Logistic + sum_m mu_m r_m`` (the p = 1 problem).

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks)
    intercept : ndarray of shape (n_tasks,)
    S, W : ndarray of shape (n_samples, n_tasks)
    mu : ndarray of shape (n_kernels,)
        Per-kernel penalty weights (``lam`` for every kernel at p = 1).
    q : float in [1, 2]

    Returns
    -------
    float
        Over kernels: for ``r_m = 0``, ``max(0, ||(||g_tm||)_t||_{q*} - mu_m)``
        (``q* = q / (q - 1)``); otherwise the norm over tasks of
        ``g_tm + mu_m a_tm^(q-2) r_m^(1-q) v_tm`` (``g`` the datafit gradient,
        ``v`` the coefficients, both in the factor metric of ``K_m``), with
        ``||g_tm||`` for tasks with ``a_tm = 0`` (``max(0, ||g_tm|| - mu_m)`` when
        q = 1).  Over intercepts: the absolute partial derivative.
    """
    if KA is None:
        KA = np.matmul(K, alpha)
    F = KA.sum(axis=0) + intercept
    R = Logistic.residual(F, S, W)
    worst = float(np.abs(R.sum(axis=0)).max()) if fit_intercept else 0.0
    KR = np.matmul(K, R)
    g2 = np.maximum(np.einsum("jt,mjt->mt", R, KR), 0.0)     # ||g_tm||^2
    gd = np.einsum("mjt,mjt->mt", KR, alpha)                 # <g_tm, v_tm>
    a = _task_norms(alpha, KA)
    r = _lq(a, q)
    q_star = np.inf if q == 1 else q / (q - 1.0)
    for m in range(K.shape[0]):
        if r[m] <= 0:
            g = np.sqrt(g2[m])
            dual = g.max() if np.isinf(q_star) else np.sum(g**q_star) ** (1.0 / q_star)
            worst = max(worst, float(dual) - mu[m])
            continue
        on = a[m] > 0
        c = np.zeros_like(a[m])
        c[on] = mu[m] * a[m, on] ** (q - 2.0) * r[m] ** (1.0 - q)
        terms = np.where(on, g2[m] + 2.0 * c * gd[m] + c * c * a[m] ** 2, g2[m])
        if q == 1:
            terms = np.where(on, terms, np.maximum(np.sqrt(g2[m]) - mu[m], 0.0) ** 2)
        worst = max(worst, float(np.sqrt(max(np.sum(np.maximum(terms, 0.0)), 0.0))))
    return max(worst, 0.0)


def _newton_task(Kt, s, w, beta, b, fit_intercept, tol, max_steps=50):
    """Kernel logistic ridge ``min L(Kt beta + b) + 1/2 beta^T Kt beta`` by damped Newton.

    The Newton system is written without a factor of ``Kt`` (which may be
    singular): ``(D Kt + I) d_beta + D 1 d_b = -(r + beta)``, ``1^T (beta + d_beta) = 0``.
    Stops when the gradient in the metric of ``Kt``, ``r + beta`` (and
    ``sum r`` for the intercept), is below ``tol`` in max norm.
    """
    n = s.shape[0]
    S, W = s[:, None], w[:, None]

    def value(beta, b, f):
        return Logistic.value(f[:, None], S, W) + 0.5 * float(beta @ (f - b))

    f = Kt @ beta + b
    J = value(beta, b, f)
    for _ in range(max_steps):
        r = Logistic.residual(f[:, None], S, W)[:, 0]
        grad = r + beta
        g_b = float(r.sum())
        if max(np.abs(grad).max(), abs(g_b) if fit_intercept else 0.0) <= tol:
            break
        D = Logistic.hessian_diagonal(f[:, None], S, W)[:, 0]
        if fit_intercept:
            A = np.empty((n + 1, n + 1))
            A[:n, :n] = D[:, None] * Kt
            A[np.diag_indices(n)] += 1.0
            A[:n, n] = D
            A[n, :n] = 1.0
            A[n, n] = 0.0
            step = np.linalg.solve(A, np.concatenate([-grad, [-beta.sum()]]))
            d_beta, d_b = step[:n], step[n]
        else:
            A = D[:, None] * Kt
            A[np.diag_indices(n)] += 1.0
            d_beta, d_b = np.linalg.solve(A, -grad), 0.0
        d_f = Kt @ d_beta + d_b
        t = 1.0
        while True:
            beta_new, b_new, f_new = beta + t * d_beta, b + t * d_b, f + t * d_f
            J_new = value(beta_new, b_new, f_new)
            if J_new <= J + 1e-12 * abs(J) or t < 1e-10:
                break
            t *= 0.5
        beta, b, f, J = beta_new, b_new, f_new, J_new
    return beta, b


class _Anderson:
    """Anderson acceleration (type II) of a fixed-point map on non-negative weights."""

    def __init__(self, depth):
        self.depth = depth
        self.reset()

    def reset(self):
        self.xs, self.gs = [], []

    def step(self, x, gx):
        support = gx > 0
        if self.xs and not np.array_equal(support.ravel(), self.gs[-1] > 0):
            self.reset()  # a kernel switched on or off: old differences mislead
        self.xs.append(x.ravel().copy())
        self.gs.append(gx.ravel().copy())
        if len(self.xs) > self.depth + 1:
            self.xs.pop(0)
            self.gs.pop(0)
        if len(self.xs) < 3:
            return None
        X, G = np.array(self.xs), np.array(self.gs)
        Fr = G - X                                   # residuals
        dF, dG = np.diff(Fr, axis=0), np.diff(G, axis=0)
        gamma, *_ = np.linalg.lstsq(dF.T, Fr[-1], rcond=None)
        out = G[-1] - gamma @ dG
        if not np.all(np.isfinite(out)):
            self.reset()
            return None
        out = np.where(support.ravel(), np.maximum(out, 1e-3 * G[-1]), 0.0)
        return out.reshape(gx.shape)


def _solve_weighted(K, S, W, mu, q, fit_intercept, tol, max_iter, d0, beta0, b0, verbose):
    """The p = 1 problem with per-kernel weights ``mu`` by alternation (see module doc)."""
    M, n, _ = K.shape
    T = S.shape[1]
    d = d0.copy()                      # (M, T)
    beta, b = beta0.copy(), b0.copy()  # (n, T), (T,)
    violation, converged, it = np.inf, False, 0
    inner_tol = max(1e-3 * tol, 1e-12)
    anderson = _Anderson(5)
    safe_d, best = None, np.inf
    for it in range(1, max_iter + 1):
        for t in range(T):
            Kt = np.tensordot(d[:, t], K, axes=1)
            beta[:, t], b[t] = _newton_task(Kt, S[:, t], W[:, t], beta[:, t], b[t],
                                            fit_intercept, inner_tol)
        alpha = d[:, None, :] * beta[None, :, :]                     # f_tm = d_tm K_m beta_t
        KA = np.matmul(K, alpha)
        a = _task_norms(alpha, KA)
        r = _lq(a, q)
        # Exact zeros for kernels (and, for q = 1, kernel-task pairs) that the
        # alternation is only shrinking geometrically: below 1e-9 of the largest
        # norm always, below 1e-4 when zero already satisfies its optimality
        # condition at the current point (||g||_{q*} <= mu).  The certificate is
        # then computed at the pruned point, and a pruned zero that stops being
        # optimal comes back below.
        rmax = max(float(r.max()), 1e-300)
        g = _gradient_norms(K, KA.sum(axis=0) + b, S, W)
        dead = (r <= _PRUNE * rmax) | ((r <= 1e-4 * rmax) & (_dual_norm(g, q) <= mu))
        alpha[dead], KA[dead], a[dead] = 0.0, 0.0, 0.0
        if q == 1:
            # q = 1 is a plain group lasso over (kernel, task) pairs.
            off = (a <= _PRUNE * r[:, None]) | ((a <= 1e-4 * r[:, None]) & (g <= mu[:, None]))
            alpha[np.broadcast_to(off[:, None, :], alpha.shape)] = 0.0
            KA[np.broadcast_to(off[:, None, :], KA.shape)] = 0.0
            a[off] = 0.0
        r = _lq(a, q)
        objective = Logistic.value(KA.sum(axis=0) + b, S, W) + float(mu @ r)
        if safe_d is not None and objective > best:
            # The extrapolated weights did worse than the plain alternation
            # would have: take the plain step instead and restart the history.
            d, safe_d = safe_d, None
            anderson.reset()
            continue
        best = objective
        violation = lplq_violation(K, alpha, b, S, W, mu, q, fit_intercept, KA=KA)
        if verbose and it % verbose == 0:
            F = KA.sum(axis=0) + b
            print(f"[lplq] iteration {it}: objective "
                  f"{Logistic.value(F, S, W) + float(mu @ r):.10g} violation {violation:.3e}")
        if violation <= tol:
            converged = True
            break
        # Closed-form weights: eta_tm = a_tm^(2-q) r_m^(q-1), d = eta / mu.
        eta = np.zeros_like(a)
        live = r > 0
        eta[live] = a[live] ** (2.0 - q) * r[live, None] ** (q - 1.0)
        d_new = eta / mu[:, None]
        # A pruned zero that is not optimal comes back with a small weight.
        if np.any(dead) or q == 1:
            g = _gradient_norms(K, KA.sum(axis=0) + b, S, W)
            small = 1e-3 * d_new.max() if np.any(d_new > 0) else 1.0 / mu.min()
            back = dead & (_dual_norm(g, q) > mu + tol)
            d_new[back] = small
            if q == 1:
                d_new[(a == 0) & ~dead[:, None] & (g > mu[:, None] + tol)] = small
        # Anderson extrapolation of the fixed-point map d -> d_new (the plain
        # alternation converges linearly, slowly when lam is small); kept only
        # if the next point lowers the objective (checked above).
        extrapolated = anderson.step(d, d_new)
        if extrapolated is not None:
            safe_d, d = d_new, extrapolated
        else:
            safe_d, d = None, d_new
        if not np.any(d > 0):
            # Every kernel is off: the intercept-only model (beta = 0) is final.
            beta[:] = 0.0
    # The last evaluated point (its weights d produced it; the updated d has no model yet).
    return alpha, b, d, violation, converged, it


def solve_lplq(gram, S, W, p=1.0, q=2.0, lam=1e-2, fit_intercept=True, tol=1e-6,
               max_iter=500, n_reweight=20, verbose=0):
    """Minimise the logistic datafit plus the lp-lq multi-task MKL penalty.

    Parameters
    ----------
    gram : GramStack or ndarray of shape (n_kernels, n_samples, n_samples)
        Exact training Gram matrices.
    S : ndarray of shape (n_samples, n_tasks)
        Labels as signs in {-1, +1}.
    W : ndarray of shape (n_samples, n_tasks)
        Non-negative weights; each column sums to 1 (as for :func:`solve_bcd`).
    p : float in (0, 1]
        Outer exponent (over kernels); p = 1 is convex, p < 1 sparser.
    q : float in [1, 2]
        Inner exponent (over tasks); q = 2 shares the kernel weights across
        tasks, q = 1 decouples the tasks.
    lam : float > 0
        Penalty strength (``lam_group`` of MTMK for p = 1, q = 2).
    fit_intercept : bool
    tol : float
        KKT violation (see :func:`lplq_violation`) at which to stop.
    max_iter : int
        Alternations (per reweighting round for p < 1).
    n_reweight : int
        Maximum reweighting rounds for p < 1.
    verbose : int

    Returns
    -------
    SolverResult
        ``alpha`` in MTMK's representation (``F = sum_m K_m alpha_m + b``),
        ``block_norms`` the ``r_m`` (kernel weights ``r / r.sum()``),
        ``objective`` the lp-lq objective, ``violation`` the KKT violation of
        the (last reweighted) convex problem.
    """
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1]; got {p}.")
    if not 1 <= q <= 2:
        raise ValueError(f"q must be in [1, 2] (the variational form needs q <= 2); got {q}.")
    if lam <= 0:
        raise ValueError(f"lam must be positive; got {lam}.")
    K = _dense_stack(gram)
    S = np.asarray(S, dtype=float)
    W = np.asarray(W, dtype=float)
    M, n, _ = K.shape
    T = S.shape[1]
    d = np.full((M, T), 1.0 / (M * lam))
    beta = np.zeros((n, T))
    b = optimal_intercept(S, W) if fit_intercept else np.zeros(T)
    mu = np.full(M, float(lam))
    total_iter = 0
    rounds = 1 if p == 1 else n_reweight
    r = np.zeros(M)
    for _ in range(rounds):
        alpha, b, d_last, violation, converged, it = _solve_weighted(
            K, S, W, mu, q, fit_intercept, tol, max_iter, d, beta, b, verbose)
        total_iter += it
        KA = np.matmul(K, alpha)
        r_new = _lq(_task_norms(alpha, KA), q)
        if p == 1:
            r = r_new
            break
        settled = np.allclose(r_new, r, rtol=1e-6, atol=1e-10 * max(r_new.max(), 1e-300))
        r = r_new
        if settled:
            break
        # Tangent of r^p at r: weights lam p r^(p-1); zero kernels stay out.
        with np.errstate(divide="ignore"):
            mu = np.where(r > 0, lam * p * r ** (p - 1.0), np.inf)
        # Warm start: keep beta and b; d from the current point in the new weights.
        a = _task_norms(alpha, KA)
        eta = np.zeros_like(a)
        eta[r > 0] = a[r > 0] ** (2.0 - q) * r[r > 0, None] ** (q - 1.0)
        d = np.where(np.isfinite(mu)[:, None], eta / np.where(np.isfinite(mu), mu, 1.0)[:, None],
                     0.0)
        beta = _beta_from_alpha(alpha, d)
        mu = np.where(np.isfinite(mu), mu, np.finfo(float).max)
    if not converged:
        warnings.warn(
            f"solve_lplq stopped after {total_iter} alternations with a KKT violation of "
            f"{violation:.3g} > tol={tol:g}. Increase max_iter or loosen tol.",
            ConvergenceWarning, stacklevel=2)
    KA = np.matmul(K, alpha)
    F = KA.sum(axis=0) + b
    a = _task_norms(alpha, KA)
    objective = lplq_objective(F, S, W, a, lam, p, q)
    return SolverResult(alpha=alpha, intercept=np.asarray(b, dtype=float), block_norms=_lq(a, q),
                        objective=objective, violation=float(violation), n_iter=total_iter,
                        converged=bool(converged))


def _beta_from_alpha(alpha, d):
    """``beta_t`` with ``alpha_tm = d_tm beta_t`` (from any kernel with ``d_tm > 0``)."""
    M, n, T = alpha.shape
    beta = np.zeros((n, T))
    for t in range(T):
        on = np.flatnonzero(d[:, t] > 0)
        if on.size:
            m = on[np.argmax(d[on, t])]
            beta[:, t] = alpha[m, :, t] / d[m, t]
    return beta


def solve_lplq_cvxpy(gram, S, W, q=2.0, lam=1e-2, fit_intercept=True, **solver_options):
    """cvxpy reference for the convex case p = 1 (Clarabel, factor form of SPEC 2.3).

    ``minimise  sum W * logistic(-S * F) + lam * sum_m || (||V_tm||_2)_t ||_q``
    with ``F = sum_m L_m V_m + 1 b^T`` and ``K_m = L_m L_m^T``.

    Returns
    -------
    objective : float
    block_norms : ndarray of shape (n_kernels,)
        ``r_m`` at the solution.
    """
    import cvxpy as cp

    from ..kernels import GramStack
    from .reference import logistic_factor_model
    K = _dense_stack(gram)
    gram = GramStack(K)
    T = S.shape[1]
    factors, V, _, loss = logistic_factor_model(gram, S, W, fit_intercept)
    blocks = [cp.norm(cp.hstack([cp.norm(Vm[:, t], 2) for t in range(T)]), q)
              for L, Vm in zip(factors, V) if L.shape[1]]
    problem = cp.Problem(cp.Minimize(loss + lam * sum(blocks)))
    options = dict(solver=cp.CLARABEL)
    options.update(solver_options)
    problem.solve(**options)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"cvxpy ended with status {problem.status!r}.")
    norms = np.array([np.linalg.norm(np.linalg.norm(Vm.value, axis=0), q) if L.shape[1] else 0.0
                      for L, Vm in zip(factors, V)])
    return float(problem.value), norms
