"""The lp-lq multi-task MKL penalty (Rakotomamonjy, Flamary, Gasso, Canu, IEEE TNN 2011).

With a datafit (logistic by default, as MTMK) and ``a_tm = ||f_tm||_H``,
``r_m = (sum_t a_tm^q)^(1/q)``, :func:`solve_lplq` minimises

    J(f, b) = sum_t sum_i W_it log(1 + exp(-S_it f_t(x_i)))  +  lam * sum_m r_m^p,
    f_t = b_t + sum_m f_tm,   0 < p <= 1 <= q <= 2.

For p = 1 and q = 2 this is exactly MTMK's objective with ``lam_group = lam``
and ``lam_ridge = 0`` (``r_m`` is MTMK's block norm ``N_m``), which the test
suite checks against :func:`mtmk.solvers.solve_bcd`.  The paper uses SVMs
(hinge loss) inside; here the datafit is any twice-differentiable one of
:class:`~mtmk.solvers.Logistic`, so that the p = 1, q = 2 case with the logistic
datafit is the MTMK problem itself, not merely the same penalty.  For p < 1 the
penalty is the paper's ``sum_m r_m^p`` (``(sum_m r_m^p)^(1/p)`` is a monotone
transform of it: same constrained problems, another scale of ``lam``).

Algorithm (p = 1).  For q <= 2 the variational identity

    r_m = min_{eta >= 0} 1/2 [ sum_t a_tm^2 / eta_tm + ||eta_m||_{q/(2-q)} ],
    eta_tm = a_tm^(2-q) r_m^(q-1) at the minimum,

turns the penalty into weighted squared norms, and the problem is jointly
convex in (f, eta).  Alternate:

1. closed-form weights ``d_tm = eta_tm / mu_m`` (``mu_m = lam``); for q = 2 they
   are the same for all tasks, ``d_m`` proportional to ``r_m``;
2. for fixed d the tasks decouple: task t is a kernel ridge-regularised
   problem ``min L_t(K_t beta + b) + 1/2 beta^T K_t beta`` with the combined
   kernel ``K_t = sum_m d_tm K_m``, solved by damped Newton (warm started,
   one (n + 1) x (n + 1) solve per step); then ``f_tm = d_tm K_m beta_t``.

Kernels whose ``r_m`` falls below ``1e-9 max_m r_m`` are set to zero exactly
(the alternation only shrinks them geometrically) and come back if their
optimality condition is violated.  The stopping rule is the KKT violation of
the original problem, :func:`mtmk.solvers.optimality_violation` with the
penalty's subdifferential (relative to the penalty level, as for every solver).

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

from ._anderson import Anderson
from ._bcd import _task_norms, optimality_violation
from ._contract import SOLVE_LPLQ, check_contract
from ._operators import GramStack
from ._penalties import LpLqPenalty
from ._result import SolverResult

_PRUNE = 1e-9


def _as_operator(operator):
    """A kernel operator (an array of Gram matrices is wrapped in a GramStack)."""
    if hasattr(operator, "dense"):
        return operator
    K = np.asarray(operator, dtype=float)
    if K.ndim != 3:
        raise ValueError("solve_lplq needs exact Gram matrices: a GramStack or an array of "
                         f"shape (n_kernels, n_samples, n_samples); got {K.shape}.")
    return GramStack(K)


def _lq(a, q):
    return np.sum(a**q, axis=1) ** (1.0 / q)


def _gradient_norms(K, F, datafit, S, W):
    """``||g_tm||`` of the datafit gradient in each kernel's factor metric, (n_kernels, n_tasks)."""
    R = datafit.gradient(F, S, W)
    return np.sqrt(np.maximum(np.einsum("jt,mjt->mt", R, np.matmul(K, R)), 0.0))


def _dual_norms(penalty, g):
    """The penalty's dual norm of every kernel's gradient task norms ``g``, (n_kernels,)."""
    return np.array([penalty.dual_norm(m, g_m) for m, g_m in enumerate(g)])


def _newton_task(Kt, s, w, beta, b, datafit, fit_intercept, tol, max_steps=50):
    """Kernel ridge problem ``min L(Kt beta + b) + 1/2 beta^T Kt beta`` by damped Newton.

    The Newton system is written without a factor of ``Kt`` (which may be
    singular): ``(D Kt + I) d_beta + D 1 d_b = -(r + beta)``, ``1^T (beta + d_beta) = 0``.
    Stops when the gradient in the metric of ``Kt``, ``r + beta`` (and
    ``sum r`` for the intercept), is below ``tol`` in max norm.
    """
    n = s.shape[0]
    S, W = s[:, None], w[:, None]

    def value(beta, b, f):
        return datafit.value(f[:, None], S, W) + 0.5 * float(beta @ (f - b))

    f = Kt @ beta + b
    J = value(beta, b, f)
    for _ in range(max_steps):
        r = datafit.gradient(f[:, None], S, W)[:, 0]
        grad = r + beta
        g_b = float(r.sum())
        if max(np.abs(grad).max(), abs(g_b) if fit_intercept else 0.0) <= tol:
            break
        D = datafit.hessian_diagonal(f[:, None], S, W)[:, 0]
        if fit_intercept:
            A = np.empty((n + 1, n + 1))
            A[:n, :n] = D[:, None] * Kt
            A[np.diag_indices(n)] += 1.0
            A[:n, n] = D
            A[n, :n] = 1.0
            A[n, n] = 0.0
            rhs = np.concatenate([-grad, [-beta.sum()]])
            try:
                step = np.linalg.solve(A, rhs)
            except np.linalg.LinAlgError:
                # no curvature at all (e.g. every squared-hinge margin met): the
                # intercept is undetermined; take the least-squares step
                step = np.linalg.lstsq(A, rhs, rcond=None)[0]
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


def _solve_weighted(operator, K, S, W, datafit, lam, mu, q, fit_intercept, tol, max_iter, d0,
                    beta0, b0, verbose):
    """The p = 1 problem with per-kernel weights ``mu`` by alternation (see module doc)."""
    M, n, _ = K.shape
    T = S.shape[1]
    d = d0.copy()                      # (M, T)
    beta, b = beta0.copy(), b0.copy()  # (n, T), (T,)
    violation, converged, it = np.inf, False, 0
    inner_tol = max(1e-3 * tol * lam, 1e-12)
    anderson = Anderson(5)
    penalty = LpLqPenalty(lam, p=1.0, q=q, weights=mu / lam)
    safe_d, best = None, np.inf
    for it in range(1, max_iter + 1):
        for t in range(T):
            Kt = np.tensordot(d[:, t], K, axes=1)
            beta[:, t], b[t] = _newton_task(Kt, S[:, t], W[:, t], beta[:, t], b[t], datafit,
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
        g = _gradient_norms(K, KA.sum(axis=0) + b, datafit, S, W)
        # (the penalty's weights are mu / lam: its dual norm is at most lam
        # where zero is optimal)
        dead = (r <= _PRUNE * rmax) | ((r <= 1e-4 * rmax) & (_dual_norms(penalty, g) <= lam))
        alpha[dead], KA[dead], a[dead] = 0.0, 0.0, 0.0
        if q == 1:
            # q = 1 is a plain group lasso over (kernel, task) pairs.
            off = (a <= _PRUNE * r[:, None]) | ((a <= 1e-4 * r[:, None]) & (g <= mu[:, None]))
            alpha[np.broadcast_to(off[:, None, :], alpha.shape)] = 0.0
            KA[np.broadcast_to(off[:, None, :], KA.shape)] = 0.0
            a[off] = 0.0
        r = _lq(a, q)
        objective = datafit.value(KA.sum(axis=0) + b, S, W) + float(mu @ r)
        if safe_d is not None and objective > best:
            # The extrapolated weights did worse than the plain alternation
            # would have: take the plain step instead and restart the history.
            d, safe_d = safe_d, None
            anderson.reset()
            continue
        best = objective
        violation = optimality_violation(operator, alpha, b, S, W, datafit, penalty,
                                         fit_intercept, KA=KA)
        if verbose and it % verbose == 0:
            F = KA.sum(axis=0) + b
            print(f"[lplq] iteration {it}: objective "
                  f"{datafit.value(F, S, W) + float(mu @ r):.10g} certificate {violation:.3e}")
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
            g = _gradient_norms(K, KA.sum(axis=0) + b, datafit, S, W)
            small = 1e-3 * d_new.max() if np.any(d_new > 0) else 1.0 / mu.min()
            back = dead & (_dual_norms(penalty, g) > lam * (1 + tol))
            d_new[back] = small
            if q == 1:
                d_new[(a == 0) & ~dead[:, None] & (g > mu[:, None] * (1 + tol))] = small
        # Anderson extrapolation of the fixed-point map d -> d_new (the plain
        # alternation converges linearly, slowly when lam is small); kept only
        # if the next point lowers the objective (checked above).
        if np.any((d_new > 0) != (d > 0)):
            anderson.reset()  # a kernel switched on or off: old differences mislead
        anderson.push(d_new)
        extrapolated = anderson.extrapolate()
        if extrapolated is not None:
            guess = np.where(d_new > 0, np.maximum(extrapolated[0].reshape(d.shape),
                                                  1e-3 * d_new), 0.0)
            safe_d, d = d_new, guess
        else:
            safe_d, d = None, d_new
        if not np.any(d > 0):
            # Every kernel is off: the intercept-only model (beta = 0) is final.
            beta[:] = 0.0
    # The last evaluated point (its weights d produced it; the updated d has no model yet).
    return alpha, b, d, violation, converged, it


def solve_lplq(operator, Y, W, datafit, penalty, *, fit_intercept=True, tol=1e-4,
               max_iter=500, n_reweight=20, verbose=0):
    """Minimise a datafit plus the lp-lq multi-task MKL penalty.

    Parameters
    ----------
    operator : GramStack, FactorStack or ndarray of shape (n_kernels, n_samples, n_samples)
        Training kernels; the alternation forms the n x n Gram matrices.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets (signs for classification datafits).
    W : ndarray of shape (n_samples, n_tasks)
        Non-negative weights; each column sums to 1 (as for :func:`solve_bcd`).
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : LpLqPenalty
        ``lam * sum_m (sum_t ||f_tm||^q)^(p/q)``: p in (0, 1] (p < 1 sparser,
        not convex), q in [1, 2] (q = 2 shares the kernel weights across tasks,
        q = 1 decouples the tasks).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Scale-free certificate (see :func:`mtmk.solvers.optimality_violation`)
        at which to stop.
    max_iter : int, default=500
        Alternations (per reweighting round for p < 1).
    n_reweight : int, default=20
        Maximum reweighting rounds for p < 1.
    verbose : int, default=0
        Print the objective and certificate every ``verbose`` alternations.

    Returns
    -------
    SolverResult
        ``alpha`` in the block solver's representation (``F = sum_m K_m alpha_m + b``),
        ``block_norms`` the ``r_m`` (kernel weights ``r / r.sum()``),
        ``objective`` the lp-lq objective, ``violation`` the certificate of
        the (last reweighted) convex problem.
    """
    check_contract(SOLVE_LPLQ, datafit, penalty)
    p, q, lam = penalty.p, penalty.q, penalty.lam
    operator = _as_operator(operator)
    K = operator.dense()
    S = np.asarray(Y, dtype=float)
    W = np.asarray(W, dtype=float)
    M, n, _ = K.shape
    T = S.shape[1]
    d = np.full((M, T), 1.0 / (M * lam))
    beta = np.zeros((n, T))
    b = datafit.initial_intercept(S, W) if fit_intercept else np.zeros(T)
    mu = np.full(M, float(lam))
    total_iter = 0
    rounds = 1 if p == 1 else n_reweight
    r = np.zeros(M)
    for _ in range(rounds):
        alpha, b, d_last, violation, converged, it = _solve_weighted(
            operator, K, S, W, datafit, lam, mu, q, fit_intercept, tol, max_iter, d, beta, b,
            verbose)
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
            f"solve_lplq stopped after {total_iter} alternations with an optimality "
            f"certificate of {violation:.3g} > tol={tol:g}. Increase max_iter or loosen tol.",
            ConvergenceWarning, stacklevel=2)
    KA = np.matmul(K, alpha)
    F = KA.sum(axis=0) + b
    a = _task_norms(alpha, KA)
    objective = datafit.value(F, S, W) + penalty.value(a)
    return SolverResult(alpha=alpha, intercept=np.asarray(b, dtype=float), task_norms=a,
                        block_norms=penalty.kernel_norms(a), objective=objective,
                        violation=float(violation), n_iter=total_iter, converged=bool(converged))


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
