"""Block coordinate proximal gradient over kernel blocks, for any datafit and penalty.

The model: task t's decision values are ``F[:, t] = sum_m K_m alpha[m, :, t] + b[t]``
with dual coefficients ``alpha`` of shape (n_kernels, n_samples, n_tasks) and
intercepts ``b``; the objective is ``datafit(F) + penalty(task norms)`` where
the task norm of kernel m and task t is ``||f_tm||_H = sqrt(alpha_mt^T K_m alpha_mt)``.

A block (one kernel, all tasks) step is a proximal gradient step in the metric
of ``K_m`` (the factor form ``K_m = L L^T``, ``v = L^T alpha``, without ever
forming ``L``): one product ``K_m @ R`` with the datafit gradient gives the
block gradient, the new block and the incremental update of ``F``.  The
iteration (step search, zero tests, intercept and block-scale Newton steps,
working sets, Anderson extrapolation, the scale-free certificate) is
:mod:`mtmk.solvers._iterate`'s, shared with the row-block solver
(:func:`~mtmk.solvers.solve_rows`); here the dual coefficients and their
products ``K_m alpha_m`` are kept with the rows, in one block that holds the
kernel operator.
"""

import numpy as np

from ._contract import LAM_MAX, SOLVE_BCD, check_contract
from ._iterate import BlockRows, Iterate, certificate, minimise
from ._result import SolverResult
from ._rows import LocalBlocks

__all__ = ["SolverResult", "lam_max", "objective", "optimality_violation", "solve_bcd",
           "solve_path"]


def _task_norms(alpha, KA):
    return np.sqrt(np.maximum(np.einsum("mit,mit->mt", alpha, KA), 0.0))


def _products(operator, alpha):
    return np.stack([operator.dot(m, a) if np.any(a) else np.zeros_like(a)
                     for m, a in enumerate(alpha)])


def objective(operator, alpha, intercept, Y, W, datafit, penalty):
    """Objective ``datafit(F) + penalty`` at dual coefficients ``alpha``.

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels.
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks)
        Dual coefficients.
    intercept : ndarray of shape (n_tasks,)
        Intercepts.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets, as for :func:`solve_bcd`.
    W : ndarray of shape (n_samples, n_tasks)
        Normalised weights, as for :func:`solve_bcd`.
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : GroupPenalty, TaskGroupPenalty or LpLqPenalty
        The penalty over kernel blocks.

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
    >>> from mtmk.solvers import objective
    >>> penalty = GroupPenalty(0.02)
    >>> result = solve_bcd(operator, Y, W, Logistic(), penalty)
    >>> value = objective(operator, result.alpha, result.intercept, Y, W, Logistic(), penalty)
    >>> bool(np.isclose(value, result.objective))
    True
    """
    KA = _products(operator, alpha)
    return datafit.value(KA.sum(axis=0) + intercept, Y, W) + penalty.value(_task_norms(alpha, KA))


def _start_intercept(Y, W, datafit, fit_intercept):
    return datafit.initial_intercept(Y, W) if fit_intercept else np.zeros(Y.shape[1])


def lam_max(operator, Y, W, datafit, penalty, fit_intercept=True):
    """Smallest penalty level ``lam`` at which every kernel block is zero at the optimum.

    At alpha = 0 (and the optimal intercepts) block m is optimal iff the dual
    norm of its gradient is at most ``lam``, whatever ``lam_ridge``.

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets, as for :func:`solve_bcd`.
    W : ndarray of shape (n_samples, n_tasks)
        Normalised weights, as for :func:`solve_bcd`.
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : GroupPenalty, TaskGroupPenalty or LpLqPenalty
        The penalty over kernel blocks.
    fit_intercept : bool, default=True
        Start from the optimal intercepts (else from zero).

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
    >>> top = lam_max(operator, Y, W, Logistic(), GroupPenalty(1.0))
    >>> result = solve_bcd(operator, Y, W, Logistic(), GroupPenalty(top))
    >>> float(np.abs(result.alpha).max())                   # at lam_max every block is zero
    0.0
    """
    check_contract(LAM_MAX, datafit, penalty)
    eps = np.finfo(float).eps
    b = _start_intercept(Y, W, datafit, fit_intercept)
    F = np.broadcast_to(b, Y.shape)
    R = datafit.gradient(F, Y, W)
    # The gradient's rounding error: how far it moves when the intercept moves
    # by its own rounding (a few ulps of the values it is computed from).
    shift = 4 * eps * (np.abs(b) + np.abs(Y).max(axis=0, initial=0.0)) if fit_intercept else 0
    R_shift = np.abs(datafit.gradient(F + shift, Y, W) - R)
    lams = []
    for m in range(operator.n_kernels):
        squares = np.sum(R * operator.dot(m, R), axis=0)
        # R^T K_m R sums n^2 terms of magnitude at most |R_i| |R_j| sqrt(K_ii K_jj).
        # A value within its rounding error (that of the sum, and that of R) is 0:
        # constant features (a constant kernel: R^T K R is the square of the
        # intercept's vanishing derivative) or constant targets (R is rounding
        # noise) would otherwise give a grid of rounding-level values.
        root = np.sqrt(np.maximum(operator.diagonal(m), 0.0))
        scale, noise = root @ np.abs(R), root @ R_shift
        floor = R.shape[0] * eps * scale**2 + noise * (2 * scale + noise)
        squares[squares <= floor] = 0.0
        lams.append(penalty.dual_norm(m, np.sqrt(squares)))
    return float(max(lams, default=0.0))


def _block_statistics(R, KR, alpha_m, KA_m):
    """Per task: ``||g||^2``, ``<g, v>``, ``||v||^2`` in the block's metric."""
    return (np.sum(R * KR, axis=0), np.sum(R * KA_m, axis=0), np.sum(alpha_m * KA_m, axis=0))


def optimality_violation(operator, alpha, intercept, Y, W, datafit, penalty,
                         fit_intercept=True, KA=None):
    """Scale-free optimality certificate at a point.

    The largest distance of minus the datafit gradient to the penalty's
    subdifferential over kernel blocks, measured in each block's metric, and
    of the intercepts' partial derivatives to zero, divided by the penalty
    level ``penalty.level`` (at least ``1e-12``).

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels.
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks)
        Dual coefficients.
    intercept : ndarray of shape (n_tasks,)
        Intercepts.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets, as for :func:`solve_bcd`.
    W : ndarray of shape (n_samples, n_tasks)
        Normalised weights, as for :func:`solve_bcd`.
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : GroupPenalty, TaskGroupPenalty or LpLqPenalty
        The penalty over kernel blocks.
    fit_intercept : bool, default=True
        Whether the intercepts are free (their optimality is then part of the certificate).
    KA : ndarray of shape (n_kernels, n_samples, n_tasks), default=None
        The products ``K_m alpha_m`` when already known.

    Returns
    -------
    float

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
    >>> from mtmk.solvers import optimality_violation
    >>> penalty = GroupPenalty(0.02)
    >>> result = solve_bcd(operator, Y, W, Logistic(), penalty, tol=1e-6)
    >>> v = optimality_violation(operator, result.alpha, result.intercept, Y, W, Logistic(),
    ...                          penalty)
    >>> bool(v <= 1e-6)
    True
    """
    block = _DualBlock(operator, Y, W, datafit, alpha, KA)
    block.start(intercept)
    return certificate(_Dual(block), penalty, fit_intercept)


def solve_bcd(operator, Y, W, datafit, penalty, *, fit_intercept=True, tol=1e-4,
              max_iter=1000, alpha0=None, intercept0=None, anderson_depth=5, verbose=0):
    """Minimise ``datafit + penalty`` by block coordinate proximal gradient.

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels (``n_kernels``, ``dot``, ``top_eigenvalue``).
    Y : ndarray of shape (n_samples, n_tasks)
        Targets: signs in {-1, +1} for classification datafits, values for
        regression.
    W : ndarray of shape (n_samples, n_tasks)
        Non-negative weights; each column sums to 1 (``w_it / n_t``).
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    penalty : GroupPenalty, TaskGroupPenalty or any penalty with a ``prox_scale``
        The penalty over kernel blocks.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Stop when the scale-free certificate (see :func:`optimality_violation`)
        falls below ``tol``.
    max_iter : int, default=1000
        Maximum number of sweeps over the kernels.
    alpha0, intercept0 : ndarray, optional
        Warm start.
    anderson_depth : int, default=5
        Iterates used by Anderson extrapolation (0 switches it off).
    verbose : int, default=0
        Print the objective and certificate every ``verbose`` sweeps.

    Returns
    -------
    SolverResult

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
    >>> top = lam_max(operator, Y, W, Logistic(), GroupPenalty(1.0))
    >>> result = solve_bcd(operator, Y, W, Logistic(), GroupPenalty(0.1 * top))
    >>> bool(result.converged), bool(result.violation <= 1e-4)
    (True, True)
    >>> int(np.count_nonzero(result.block_norms))           # kernels kept, for all tasks
    1
    """
    check_contract(SOLVE_BCD, datafit, penalty)
    alpha = (np.zeros((operator.n_kernels,) + np.shape(Y)) if alpha0 is None
             else np.array(alpha0, dtype=float))
    layout = _Dual(_DualBlock(operator, Y, W, datafit, alpha))
    state = Iterate(layout, datafit, penalty, fit_intercept, intercept0)
    violation, converged, n_iter = minimise(state, tol, max_iter, warm=alpha0 is not None,
                                            anderson_depth=anderson_depth, verbose=verbose,
                                            fit_intercept=fit_intercept)
    task_norms = state.task_norms()
    return SolverResult(alpha=layout.block.alpha, intercept=state.b, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms),
                        objective=state.objective(), violation=violation, n_iter=n_iter,
                        converged=converged)


def solve_path(operator, Y, W, datafit, penalty, lams, *, fit_intercept=True, tol=1e-4,
               max_iter=1000, solver=None):
    """A solver at decreasing penalty levels ``lams``, each warm-started.

    Parameters
    ----------
    operator, Y, W, datafit, penalty
        As for :func:`solve_bcd`; ``penalty.with_lam(lam)`` sets each level.
    lams : array-like of shape (n_lams,)
        Decreasing penalty levels.
    fit_intercept, tol, max_iter
        As for :func:`solve_bcd`, at every level.
    solver : callable, default=None
        :func:`solve_bcd` (the default) or :func:`~mtmk.solvers.solve_newton`.

    Returns
    -------
    list of SolverResult

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
    >>> from mtmk import lam_group_grid
    >>> from mtmk.solvers import solve_path
    >>> lams = lam_group_grid(lam_max(operator, Y, W, Logistic(), GroupPenalty(1.0)), n_lams=4)
    >>> results = solve_path(operator, Y, W, Logistic(), GroupPenalty(1.0), lams)
    >>> [int(np.count_nonzero(r.block_norms)) for r in results]   # kernels enter as lam falls
    [0, 1, 1, 1]
    """
    solver = solve_bcd if solver is None else solver
    results, alpha, intercept = [], None, None
    for lam in lams:
        result = solver(operator, Y, W, datafit, penalty.with_lam(float(lam)),
                           fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                           alpha0=alpha, intercept0=intercept)
        alpha, intercept = result.alpha, result.intercept
        results.append(result)
    return results


class _DualBlock(BlockRows):
    """All rows with the dual coefficients ``alpha`` and their products ``K_m alpha_m``.

    Block statistics, steps and zero tests cost one product with the kernel
    operator; everything else is O(n T) per kernel.
    """

    def __init__(self, operator, Y, W, datafit, alpha, KA=None):
        super().__init__(Y, W, datafit)
        self.operator, self.alpha = operator, alpha
        self.KA = _products(operator, alpha) if KA is None else KA
        self._KR = None

    def start(self, intercept, refresh=False):
        """Set ``F`` (recomputing ``K alpha`` if ``refresh``); return the loss."""
        if refresh:
            self.KA = _products(self.operator, self.alpha)
        self.F = self.KA.sum(axis=0) + intercept
        return self.datafit.value(self.F, self.Y, self.W)

    def statistics(self, kernels):
        """Per kernel ``(||g||^2, <g, v>, ||v||^2)`` per task in the kernel's metric, and
        the gradient's column sums; remembers the last kernel's ``K R`` for its step."""
        R = self._R = self.at.gradient
        statistics = []
        for m in kernels:
            self._KR = self.operator.dot(m, R)
            statistics.append(_block_statistics(R, self._KR, self.alpha[m], self.KA[m]))
        return statistics, R.sum(axis=0)

    def prepare(self, m, s, t):
        self._P = (m, self.KA[m], self._KR)
        return self.trial(s, t)

    def _metric_change(self, s, t, D):
        alpha = self.alpha[self._P[0]]
        return np.sum((s * (alpha - t * self._R) - alpha) * D, axis=0)

    def _moved(self, m, s, t, KA):
        self.alpha[m] = s * (self.alpha[m] - t * self._R)
        self.KA[m] = KA

    def zero_statistic(self, m):
        """``||g||^2`` per task at block m set to zero (one product)."""
        KA = self.KA[m]
        self._P = (m, KA, None)
        R0 = self._zero_point(KA).gradient
        return np.sum(R0 * self.operator.dot(m, R0), axis=0)

    def _directions(self, kernels, coef):
        return self.KA[kernels]

    def _rescaled(self, kernels, S):
        for k, m in enumerate(kernels):
            self.alpha[m] *= S[k]
            self.KA[m] *= S[k]


class _Dual:
    """Dual coefficients kept with the rows, in one block holding the operator."""

    def __init__(self, block):
        self.block, self.blocks = block, LocalBlocks([block])
        self.n_kernels, self.n_tasks = block.operator.n_kernels, block.Y.shape[1]
        self._candidate = None

    def intercept_guess(self, datafit):
        return datafit.initial_intercept(self.block.Y, self.block.W)

    def at(self, b):
        """The point the certificate reads: ``F`` recomputed from ``K alpha`` and ``b``
        (the same point as :func:`optimality_violation`'s)."""
        block = self.block
        fresh = _DualBlock(block.operator, block.Y, block.W, block.datafit, block.alpha,
                           block.KA)
        fresh.start(b)
        return _Dual(fresh)

    def start(self, b, refresh=False):
        return self.block.start(b, refresh)

    def curvature(self):
        operator = self.block.operator
        return ([operator.top_eigenvalue(m) for m in range(self.n_kernels)],
                float(self.block.W.max()))

    def norms2(self, m):
        return np.sum(self.block.alpha[m] * self.block.KA[m], axis=0)

    def norms(self):
        return _task_norms(self.block.alpha, self.block.KA)

    def statistics(self, kernels):
        return self.block.statistics(kernels)

    def prepare(self, m, s, t):
        return [self.block.prepare(m, s, t)]

    def metric_change(self, m, s, t):
        return 0.0  # all of it is in the block's trial

    def accept(self, m, s, t):
        pass

    def zero_statistic(self, m):
        return self.block.zero_statistic(m)

    def drop(self, m):
        pass

    def scale_coef(self, kernels):
        return None

    def rescale(self, kernels, S):
        pass

    # Anderson extrapolation over (alpha, b) in the kernels' metric (K alpha)
    def push(self, anderson, b):
        anderson.push(np.append(self.block.alpha, b), np.append(self.block.KA, b))

    def extrapolate(self, anderson, n_tasks):
        """The extrapolated intercepts and loss (None if none); keeps the coefficients."""
        extrapolated = anderson.extrapolate()
        if extrapolated is None:
            return None
        x, y = extrapolated
        block = self.block
        alpha = x[:-n_tasks].reshape(block.alpha.shape)
        KA = y[:-n_tasks].reshape(block.alpha.shape)
        F = KA.sum(axis=0) + x[-n_tasks:]
        self._candidate = alpha, KA, F
        return x[-n_tasks:], block.datafit.value(F, block.Y, block.W)

    def candidate_norms(self):
        return _task_norms(*self._candidate[:2])

    def adopt(self, accept):
        if accept:
            self.block.alpha, self.block.KA, self.block.F = self._candidate
        self._candidate = None
