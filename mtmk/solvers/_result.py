"""The one result type of every solver in :mod:`mtmk.solvers`."""

from dataclasses import dataclass

import numpy as np


@dataclass
class SolverResult:
    """What every solver returns: the point, its objective and its stopping criterion.

    Every solver fills the four leading fields; the others describe the point
    in the solver's own representation and are ``None`` where they do not
    apply.  The multi-task solvers (:func:`mtmk.solvers.solve_bcd`,
    :func:`mtmk.solvers.solve_rows`, :func:`mtmk.solvers.solve_lplq`,
    :func:`mtmk.solvers.solve_cvxpy`) fill ``alpha`` (or ``coef``),
    ``task_norms`` and ``block_norms``; the single-task MKL solvers (SimpleMKL,
    p-norm MKL by SMO, the estimators' EasyMKL, ALIGNF and average-kernel
    fits) and the SVM dual fill ``weights``, ``beta`` and, where the problem
    has one, ``dual``.

    Parameters
    ----------
    intercept : ndarray of shape (n_tasks,) or float
        Intercepts (one float for a single-task solver).
    objective : float
        Objective value at the returned point (the solver's own objective:
        ``datafit + penalty``, the MKL dual ``J(d)``, the SVM dual...).
    n_iter : int
        Sweeps, alternations or steps taken (1 for a direct solve).
    converged : bool
        Whether ``violation`` fell below the requested tolerance.
    violation : float or None, default=None
        The solver's stopping criterion at the returned point: the scale-free
        optimality certificate of the multi-task solvers (largest
        subdifferential distance relative to the penalty level), the relative
        duality gap of SimpleMKL, the KKT violation of SMO, the relative
        Frank-Wolfe gap of EasyMKL; ``None`` when the solver reports none
        (libsvm, exact solves).
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks), default=None
        Dual coefficients: ``F[:, t] = sum_m K_m alpha[m, :, t] + b_t``.
    task_norms : ndarray of shape (n_kernels, n_tasks), default=None
        ``||f_tm||_H``.
    block_norms : ndarray of shape (n_kernels,), default=None
        The penalty's size of each kernel block (ALIGNF: the unnormalised
        alignment weights); the kernel weights are
        ``block_norms / block_norms.sum()``.
    coef : list of ndarray of shape (r_m, n_tasks), default=None
        Low-rank solvers over row blocks (:func:`mtmk.solvers.solve_rows`):
        the primal coefficients ``Phi_m^T alpha[m]`` (``alpha`` is then
        ``None``).
    weights : ndarray of shape (n_kernels,), default=None
        Single-task MKL: the kernel weights ``d`` of the decision function.
    beta : ndarray of shape (n_samples,), default=None
        Single-task MKL and SVM: signed coefficients,
        ``f(x) = sum_m d_m sum_i beta_i k_m(x_i, x) + b`` (``d = 1`` for an SVM).
    dual : ndarray of shape (n_samples,), default=None
        The dual variables of the problem solved where they differ from
        ``beta``: the SVM's ``0 <= alpha_i <= C c_i`` (``beta = s * alpha``),
        EasyMKL's ``gamma``.
    """

    intercept: np.ndarray
    objective: float
    n_iter: int
    converged: bool
    violation: float = None
    alpha: np.ndarray = None
    task_norms: np.ndarray = None
    block_norms: np.ndarray = None
    coef: list = None
    weights: np.ndarray = None
    beta: np.ndarray = None
    dual: np.ndarray = None
