"""cvxpy reference for the MTMK objective (SPEC 2.3).

The exact formulation in factor form: ``K_m = L_m L_m^T``, variables
``V_m`` (r_m x T) and ``b`` (T).  It is the ground truth the fast solver is
tested against on small problems, not an engine: it is orders of magnitude
slower.
"""

import numpy as np

from .bcd import SolverResult, _block_norms, mtmk_objective, optimality_violation


def logistic_factor_model(gram, S, W, fit_intercept):
    """The MTMK datafit in cvxpy, in factor form (shared by the references).

    Returns
    -------
    factors : list of ndarray
        ``L_m`` with ``K_m = L_m L_m^T``.
    V : list of cvxpy.Variable of shape (r_m, n_tasks)
    b : cvxpy.Variable of shape (n_tasks,) or zeros
    loss : cvxpy.Expression
        ``sum_it W_it log(1 + exp(-S_it F_it))`` with ``F = sum_m L_m V_m + 1 b^T``.
    """
    import cvxpy as cp

    n, n_tasks = S.shape
    factors = [gram.factor(m) for m in range(gram.n_kernels)]
    V = [cp.Variable((L.shape[1], n_tasks)) for L in factors]
    b = cp.Variable(n_tasks) if fit_intercept else np.zeros(n_tasks)
    F = sum(L @ Vm for L, Vm in zip(factors, V) if L.shape[1])
    if fit_intercept:
        F = F + np.ones((n, 1)) @ cp.reshape(b, (1, n_tasks), order="C")
    return factors, V, b, cp.sum(cp.multiply(W, cp.logistic(-cp.multiply(S, F))))


def solve_cvxpy(gram, S, W, lam_group, lam_ridge, fit_intercept=True, solver=None,
                tol=1e-4, **solver_options):
    """Solve the MTMK objective with cvxpy.

    Parameters
    ----------
    gram : GramStack
    S, W : ndarray of shape (n_samples, n_tasks)
        Signs and normalised weights, as for :func:`solve_bcd`.
    lam_group, lam_ridge : float
    fit_intercept : bool
    solver : str, optional
        A cvxpy solver name; default Clarabel (exponential cones).
    tol : float
        Used only to report ``converged`` from the optimality certificate.
    **solver_options
        Passed to ``problem.solve``.

    Returns
    -------
    SolverResult
        Dual coefficients are recovered as ``alpha_m = U_m diag(1/sqrt(w)) V_m``
        so that ``K_m alpha_m = L_m V_m``.
    """
    import cvxpy as cp

    n, n_tasks = S.shape
    factors, V, b, loss = logistic_factor_model(gram, S, W, fit_intercept)
    norms = [cp.norm(Vm, "fro") for L, Vm in zip(factors, V) if L.shape[1]]
    penalty = 0
    if lam_group > 0:
        penalty = penalty + lam_group * sum(norms)
    if lam_ridge > 0:
        penalty = penalty + lam_ridge * sum(cp.sum_squares(Vm) for L, Vm in zip(factors, V)
                                            if L.shape[1])
    problem = cp.Problem(cp.Minimize(loss + penalty))
    solver = solver or cp.CLARABEL
    problem.solve(solver=solver, **solver_options)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"cvxpy ({solver}) ended with status {problem.status!r}.")

    alpha = np.zeros((gram.n_kernels, n, n_tasks))
    for m, (L, Vm) in enumerate(zip(factors, V)):
        if L.shape[1]:
            # L = U sqrt(w): the minimum-norm alpha with L^T alpha = V is U V / sqrt(w).
            sqrt_w = np.linalg.norm(L, axis=0)
            alpha[m] = (L / sqrt_w**2) @ Vm.value
    intercept = np.asarray(b.value if fit_intercept else b, dtype=float).ravel()
    KA = np.stack([gram.dot(m, alpha[m]) for m in range(gram.n_kernels)])
    norms_value = _block_norms(alpha, KA)
    objective = mtmk_objective(KA.sum(axis=0) + intercept, S, W, norms_value,
                               lam_group, lam_ridge)
    violation = optimality_violation(gram, alpha, intercept, S, W, lam_group, lam_ridge,
                                     fit_intercept, KA=KA)
    return SolverResult(alpha=alpha, intercept=intercept, block_norms=norms_value,
                        objective=objective, violation=violation, n_iter=1,
                        converged=violation < tol)
