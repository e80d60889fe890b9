"""cvxpy references for the MKL family (small problems only).

Each function states the problem the fast solver solves, in the form that is
easiest for a conic solver, and returns its optimal value and the kernel
weights it implies.  Kernel matrices enter through their factors
``K_m = L_m L_m^T`` or through ``cp.psd_wrap`` (without it cvxpy spends
minutes checking PSD-ness).
"""

import numpy as np

from ._operators import GramStack

_TIGHT = dict(tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9, max_iter=500)


def _solve(problem):
    import cvxpy as cp
    problem.solve(solver=cp.CLARABEL, **_TIGHT)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"cvxpy (Clarabel) ended with status {problem.status!r}.")
    return float(problem.value)


def _margin_constraints(cp, factors, V, s, c, C):
    n = s.shape[0]
    b = cp.Variable()
    xi = cp.Variable(n, nonneg=True)
    f = sum(L @ v for L, v in zip(factors, V)) + b
    constraints = [cp.multiply(s, f) >= 1 - xi]
    return C * (c @ xi), constraints, b


def simplemkl_cvxpy(K, s, c, C=1.0):
    """Primal of SimpleMKL: ``min 1/2 (sum_m ||f_m||)^2 + C sum_i c_i xi_i``.

    Returns
    -------
    objective : float
    weights : ndarray of shape (n_kernels,)
        ``||f_m|| / sum ||f_m||`` (the optimal ``d``).
    """
    import cvxpy as cp
    gram = GramStack(K)
    factors = [gram.factor(m) for m in range(K.shape[0])]
    V = [cp.Variable(L.shape[1]) for L in factors]
    hinge, constraints, _ = _margin_constraints(cp, factors, V, s, c, C)
    norms = [cp.norm(v, 2) for v in V]
    objective = _solve(cp.Problem(cp.Minimize(0.5 * cp.square(sum(norms)) + hinge), constraints))
    block = np.array([np.linalg.norm(v.value) for v in V])
    return objective, block / block.sum()


def lp_mkl_cvxpy(K, s, c, p=2.0, C=1.0, lam=1.0):
    """Primal of SMO-MKL's p-norm MKL.

    ``min_{d >= 0} 1/2 sum_m ||w_m||^2 / d_m + C sum_i c_i xi_i + lam/2 ||d||_p^2``.

    Returns
    -------
    objective : float
    weights : ndarray of shape (n_kernels,)
        The optimal ``d`` (not normalised).
    """
    result = lp_mkl_cvxpy_solution(K, s, c, p=p, C=C, lam=lam)
    return result.objective, result.weights


def lp_mkl_cvxpy_solution(K, s, c, p=2.0, C=1.0, lam=1.0):
    """The p-norm MKL primal solved by cvxpy, as a :class:`~mtmk.solvers.SolverResult`.

    The dual variables ``alpha`` are the multipliers of the margin
    constraints, so ``beta = s * alpha`` and the intercept is the primal ``b``.
    """
    import cvxpy as cp

    from ._result import SolverResult
    gram = GramStack(K)
    factors = [gram.factor(m) for m in range(K.shape[0])]
    V = [cp.Variable(L.shape[1]) for L in factors]
    d = cp.Variable(K.shape[0], nonneg=True)
    hinge, constraints, b = _margin_constraints(cp, factors, V, s, c, C)
    fit = sum(cp.quad_over_lin(v, d[m]) for m, v in enumerate(V))
    reg = 0.5 * lam * cp.square(cp.pnorm(d, p))
    objective = _solve(cp.Problem(cp.Minimize(0.5 * fit + hinge + reg), constraints))
    alpha = np.clip(np.asarray(constraints[0].dual_value, dtype=float), 0.0, None)
    return SolverResult(intercept=float(b.value), objective=objective, n_iter=1,
                        converged=True, weights=np.maximum(np.asarray(d.value, dtype=float), 0.0),
                        beta=s * alpha, dual=alpha)


def easymkl_cvxpy(K_sum, s, c, lam=0.1):
    """EasyMKL's QP; returns ``(objective, gamma)``."""
    import cvxpy as cp
    active = c > 0
    gamma = cp.Variable(s.shape[0], nonneg=True)
    inv_c = np.where(active, 1.0 / np.where(active, c, 1.0), 0.0)
    objective = ((1 - lam) * cp.quad_form(cp.multiply(s, gamma), cp.psd_wrap(K_sum))
                 + lam * cp.sum(cp.multiply(inv_c, cp.square(gamma))))
    constraints = [cp.sum(gamma[active & (s > 0)]) == 1, cp.sum(gamma[active & (s < 0)]) == 1]
    if (~active).any():
        constraints.append(gamma[~active] == 0)
    value = _solve(cp.Problem(cp.Minimize(objective), constraints))
    return value, np.asarray(gamma.value, dtype=float)


def alignf_cvxpy(A, a):
    """ALIGNF's QP ``min_{v >= 0} v^T A v - 2 a^T v``; returns ``(objective, v)``."""
    import cvxpy as cp
    v = cp.Variable(A.shape[0], nonneg=True)
    value = _solve(cp.Problem(cp.Minimize(cp.quad_form(v, cp.psd_wrap(A)) - 2 * a @ v)))
    return value, np.asarray(v.value, dtype=float)
