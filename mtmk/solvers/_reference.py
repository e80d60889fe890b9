"""cvxpy reference for every datafit x penalty x kernel operator.

The problem is written in factor form: ``K_m = L_m L_m^T``, variables ``V_m``
(rank_m x T) and ``b`` (T), ``F = sum_m L_m V_m + 1 b^T`` and
``||f_tm||_H = ||V_m[:, t]||``.  It is the ground truth the native solvers are
tested against on small problems, not an engine: it is orders of magnitude
slower.
"""

import numpy as np

from ._bcd import _products, _task_norms, optimality_violation
from ._contract import SOLVE_CVXPY, check_contract
from ._result import SolverResult


def solve_cvxpy(operator, Y, W, datafit, penalty, *, fit_intercept=True, tol=1e-4,
                solver=None, **solver_options):
    """Minimise ``datafit + penalty`` with cvxpy.

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels.
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights, as for :func:`solve_bcd`.
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : GroupPenalty, TaskGroupPenalty or LpLqPenalty (p = 1)
        The penalty over kernel blocks.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Used only to report ``converged`` from the scale-free certificate.
    solver : str, optional
        A cvxpy solver name; default Clarabel, with SCS at a tight tolerance
        when Clarabel fails.
    **solver_options
        Passed to ``problem.solve``.

    Returns
    -------
    SolverResult
        The dual coefficients are the minimum-norm ``alpha_m`` with
        ``L_m^T alpha_m = V_m`` (so ``K_m alpha_m = L_m V_m``), which holds for
        any factor with independent columns, orthogonal or not.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import KernelDictionary
    >>> from mtmk.solvers import GramStack, GroupPenalty, Logistic, lam_max, solve_bcd
    >>> X, y = load_iris(return_X_y=True)
    >>> operator = GramStack(KernelDictionary(rbf=2, polynomial=()).fit(X).gram())
    >>> Y = np.where(np.eye(3)[y] > 0, 1.0, -1.0)           # one-vs-rest tasks, signs
    >>> W = np.full(Y.shape, 1 / len(y))                    # columns sum to 1
    >>> from mtmk.solvers import solve_cvxpy
    >>> X, Y, W = X[::3], Y[::3], np.full((50, 3), 1 / 50)
    >>> operator = GramStack(KernelDictionary(rbf=2, polynomial=()).fit(X).gram())
    >>> native = solve_bcd(operator, Y, W, Logistic(), GroupPenalty(0.02), tol=1e-6)
    >>> exact = solve_cvxpy(operator, Y, W, Logistic(), GroupPenalty(0.02))
    >>> bool(abs(exact.objective - native.objective) <= 1e-6 * native.objective)
    True
    """
    check_contract(SOLVE_CVXPY, datafit, penalty)
    import cvxpy as cp

    n, n_tasks = Y.shape
    factors = [operator.factor(m) for m in range(operator.n_kernels)]
    V = [cp.Variable((L.shape[1], n_tasks)) for L in factors]
    b = cp.Variable(n_tasks) if fit_intercept else None
    F = np.zeros((n, n_tasks))
    for L, Vm in zip(factors, V):
        if L.shape[1]:
            F = F + L @ Vm
    if fit_intercept:
        F = F + np.ones((n, 1)) @ cp.reshape(b, (1, n_tasks), order="C")
    penalty_terms = [penalty.cvxpy(m, Vm) for m, (L, Vm) in enumerate(zip(factors, V))
                     if L.shape[1]]
    problem = cp.Problem(cp.Minimize(datafit.cvxpy(F, Y, W) + sum(penalty_terms)))
    if solver is not None:
        problem.solve(solver=solver, **solver_options)
    else:
        solver = cp.CLARABEL
        try:
            problem.solve(solver=solver, **solver_options)
        except cp.error.SolverError:
            # Clarabel occasionally stalls on the squared hinge's kinks; SCS at
            # a tight tolerance is the fallback.
            solver = cp.SCS
            problem.solve(solver=solver, eps=1e-10, max_iters=200_000, **solver_options)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"cvxpy ({solver}) ended with status {problem.status!r}.")

    alpha = np.zeros((operator.n_kernels, n, n_tasks))
    values = [Vm.value if L.shape[1] else None for L, Vm in zip(factors, V)]
    # An interior-point solution has no exact zeros: components below 1e-7 of
    # the largest are zero (the certificate of a tiny block is meaningless).
    top = max((float(np.abs(v).max()) for v in values if v is not None), default=0.0)
    for m, (L, value) in enumerate(zip(factors, values)):
        if value is not None:
            value = np.where(np.linalg.norm(value, axis=0) > 1e-7 * top, value, 0.0)
            alpha[m] = np.linalg.pinv(L.T) @ value
    intercept = (np.asarray(b.value, dtype=float).ravel() if fit_intercept
                 else np.zeros(n_tasks))
    KA = _products(operator, alpha)
    task_norms = _task_norms(alpha, KA)
    value = datafit.value(KA.sum(axis=0) + intercept, Y, W) + penalty.value(task_norms)
    violation = optimality_violation(operator, alpha, intercept, Y, W, datafit, penalty,
                                     fit_intercept, KA=KA)
    return SolverResult(alpha=alpha, intercept=intercept, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms), objective=value,
                        violation=violation, n_iter=1, converged=violation < tol)
