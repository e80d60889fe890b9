"""Block coordinate proximal gradient over kernel blocks, for any datafit and penalty.

The model: task t's decision values are ``F[:, t] = sum_m K_m alpha[m, :, t] + b[t]``
with dual coefficients ``alpha`` of shape (n_kernels, n_samples, n_tasks) and
intercepts ``b``; the objective is ``datafit(F) + penalty(task norms)`` where
the task norm of kernel m and task t is ``||f_tm||_H = sqrt(alpha_mt^T K_m alpha_mt)``.

A block (one kernel, all tasks) step is a proximal gradient step in the metric
of ``K_m`` (the factor form ``K_m = L L^T``, ``v = L^T alpha``, without ever
forming ``L``): one product ``K_m @ R`` with the datafit gradient gives the
block gradient, the new block and the incremental update of ``F``.  Step
sizes start from the last accepted one (doubled) and are accepted only on
sufficient decrease, with the datafit change computed term by term so the
test stays exact near the optimum.  After every sweep over the working set a
second-order step on the block scales (``alpha_m <- s_m alpha_m``, a Newton
problem with one variable per kernel, or per kernel and task for a penalty
that is a sum over tasks, and no kernel product) lets correlated
kernels trade size and dying kernels reach zero; a block whose step shrinks it
is also tested for being optimal at zero (one more product).  The intercepts
get a safeguarded Newton step after every block.  Working sets restrict sweeps
to the non-zero kernels between full sweeps; Anderson extrapolation speeds up
the tail; the tracked products ``K_m alpha_m`` are recomputed every 50 sweeps
against rounding drift.

The stopping rule is scale-free: the largest distance of minus the gradient to
the penalty's subdifferential over blocks (and the intercepts' partial
derivatives), divided by the penalty's level (``lam + 2 lam_ridge max_m
||f_m||``).  ``tol = 1e-4`` thus means that no block is more than 1e-4 of the
penalty's own force away from optimality, whatever the scale of ``lam``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._anderson import Anderson
from ._contract import LAM_MAX, SOLVE_BCD, check_contract
from ._result import SolverResult
from ._scales import newton_scales, penalty_along_scales, scale_terms


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
    b = _start_intercept(Y, W, datafit, fit_intercept)
    R = datafit.gradient(np.broadcast_to(b, Y.shape), Y, W)
    lams = [penalty.dual_norm(m, np.sqrt(np.maximum(np.sum(R * operator.dot(m, R), axis=0), 0)))
            for m in range(operator.n_kernels)]
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
    if KA is None:
        KA = _products(operator, alpha)
    F = KA.sum(axis=0) + intercept
    R = datafit.gradient(F, Y, W)
    worst = float(np.abs(R.sum(axis=0)).max()) if fit_intercept else 0.0
    for m in range(operator.n_kernels):
        worst = max(worst, penalty.violation(
            m, *_block_statistics(R, operator.dot(m, R), alpha[m], KA[m])))
    return worst / max(penalty.level(_task_norms(alpha, KA)), 1e-12)


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
    state = _State(operator, Y, W, datafit, penalty, alpha0, intercept0, fit_intercept)
    violation, converged, n_iter = _minimise(state, operator.n_kernels, tol, max_iter,
                                             warm=alpha0 is not None,
                                             anderson_depth=anderson_depth, verbose=verbose,
                                             fit_intercept=fit_intercept)
    task_norms = state.task_norms()
    return SolverResult(alpha=state.alpha, intercept=state.b, task_norms=task_norms,
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


def _minimise(state, n_kernels, tol, max_iter, *, warm, anderson_depth, verbose,
              fit_intercept):
    """The sweeps of the block solver over any iterate ``state`` (see :func:`solve_bcd`).

    Returns the certificate, whether it is below ``tol`` and the sweeps made.
    """
    anderson = Anderson(anderson_depth) if anderson_depth > 0 else None
    all_blocks = np.arange(n_kernels)
    working_set, full_sweep, target = all_blocks, True, tol
    if warm:
        # Warm start (a path): first re-solve the kernels already in the model.
        # A full sweep at once would let every kernel whose gradient lies
        # between the new and the previous penalty level in for a few sweeps.
        active = np.flatnonzero(state.kernel_norms() > 0)
        if active.size:
            working_set, full_sweep = active, False
    violation, converged, n_iter = np.inf, False, 0
    for n_iter in range(1, max_iter + 1):
        # Working sets: sweeps over the non-zero kernels until they are solved
        # to a fraction of the last full sweep's violation, then one full sweep
        # to let dropped kernels back in (skglm's strategy, over kernels).
        blocks = all_blocks if full_sweep else working_set
        state.begin_sweep(full_sweep)
        sweep_violation = max([state.visit(m) for m in blocks], default=0.0)
        if not full_sweep:
            # second-order step on the block scales: size trades between
            # correlated kernels and dying kernels, without a kernel product
            state.scale_step(blocks)
        if fit_intercept:
            state.intercept_step()
            sweep_violation = max(sweep_violation, state.intercept_violation())
        sweep_violation /= state.level()
        current = state.objective()
        if anderson is not None:
            state.anderson_push(anderson)
            current = state.anderson_try(anderson, current)
        if n_iter % _REFRESH == 0:
            state.refresh()
        if verbose and n_iter % verbose == 0:
            print(f"[mtmk bcd] sweep {n_iter:4d} ({'all' if full_sweep else len(blocks)} "
                  f"kernels)  objective {current:.10g}  certificate {sweep_violation:.3e}")
        if full_sweep:
            if sweep_violation < tol:
                # The sweep's estimate mixes iterates; certify at the current point.
                violation = state.violation()
                if violation < tol:
                    converged = True
                    break
            working_set = np.flatnonzero(state.kernel_norms() > 0)
            target = max(tol, 0.3 * sweep_violation)
            full_sweep = working_set.size == 0
        else:
            full_sweep = sweep_violation < target
    if not converged:
        violation = state.violation()
        converged = violation < tol
    if not converged:
        warnings.warn(
            f"The block solver did not reach tol={tol:g} in max_iter={max_iter} sweeps; "
            f"the optimality certificate is {violation:.3g} (relative to the penalty "
            "level). Increase max_iter, loosen tol or increase the penalty.",
            ConvergenceWarning)
    return violation, converged, n_iter


# Sweeps between recomputations of the kernel products from scratch.
_REFRESH = 50


class _State:
    """Iterate of the block solver: coefficients, K_m alpha_m, intercepts, F."""

    def __init__(self, operator, Y, W, datafit, penalty, alpha0, intercept0, fit_intercept):
        n_kernels, (n, n_tasks) = operator.n_kernels, Y.shape
        self.operator, self.Y, self.W = operator, Y, W
        self.datafit, self.penalty = datafit, penalty
        self.fit_intercept = fit_intercept
        self.alpha = (np.zeros((n_kernels, n, n_tasks)) if alpha0 is None
                      else np.array(alpha0, dtype=float))
        self.KA = _products(operator, self.alpha)
        self.b = (np.array(intercept0, dtype=float) if intercept0 is not None
                  else _start_intercept(Y, W, datafit, fit_intercept))
        self.F = self.KA.sum(axis=0) + self.b
        self.loss = datafit.value(self.F, Y, W)
        # Curvature of block m is at most curvature * max(W) * lambda_max(K_m):
        # the safe step the step search starts from.
        scale = datafit.curvature * float(W.max())
        self.safe_step = np.array([1.0 / max(scale * operator.top_eigenvalue(m), 1e-300)
                                   for m in range(n_kernels)])
        # one step per block and task (equal across tasks unless the penalty
        # is a sum over tasks)
        self.step = np.repeat(self.safe_step[:, None], Y.shape[1], axis=1)
        # visits to wait before the next zero test of a block (doubles on failure)
        self.zero_wait = np.zeros(n_kernels, dtype=int)
        self.zero_backoff = np.ones(n_kernels, dtype=int)

    def task_norms(self):
        return _task_norms(self.alpha, self.KA)

    def kernel_norms(self):
        return self.penalty.kernel_norms(self.task_norms())

    def level(self):
        return max(self.penalty.level(self.task_norms()), 1e-12)

    def objective(self):
        return self.loss + self.penalty.value(self.task_norms())

    def refresh(self):
        """Recompute ``K_m alpha_m``, F and the loss from scratch (rounding drift)."""
        self.KA = _products(self.operator, self.alpha)
        self.F = self.KA.sum(axis=0) + self.b
        self.loss = self.datafit.value(self.F, self.Y, self.W)

    def violation(self):
        """The certificate at the current point (one product per kernel)."""
        return optimality_violation(self.operator, self.alpha, self.b, self.Y, self.W,
                                    self.datafit, self.penalty, self.fit_intercept, KA=self.KA)

    def visit(self, m):
        """One proximal gradient step on block m; returns its violation before it."""
        Y, W, alpha, KA, datafit = self.Y, self.W, self.alpha, self.KA, self.datafit
        R = datafit.gradient(self.F, Y, W)
        KR = self.operator.dot(m, R)
        g2, gv, v2 = _block_statistics(R, KR, alpha[m], KA[m])
        violation = self.penalty.violation(m, g2, gv, v2)
        if v2.sum() == 0.0 and violation == 0.0:
            return violation  # a zero block that is optimal stays at zero
        # Backtracking from the last accepted step (doubled): the curvature
        # bound is safe but far too pessimistic once most samples are fitted
        # confidently.  Every trial reuses K_m R, so it costs O(n T).  A
        # penalty that is a sum over tasks lets each task keep its own step.
        separable = self.penalty.separable_tasks
        t = self.step[m].copy()
        floor = 1e-6 * self.safe_step[m]
        while True:
            z_norms = np.sqrt(np.maximum(v2 - 2.0 * t * gv + t * t * g2, 0.0))
            c = self.penalty.prox_scale(m, z_norms, t if separable else float(t[0]))
            new_KA = c * (KA[m] - t * KR)
            new_alpha = c * (alpha[m] - t * R)
            dKA, dA = new_KA - KA[m], new_alpha - alpha[m]
            change = datafit.difference(self.F, dKA, Y, W)
            # sufficient decrease of a prox-gradient step, in the K_m metric
            bound = np.sum(R * dKA, axis=0) + np.sum(dA * dKA, axis=0) / (2.0 * t)
            if separable:
                ok = change <= bound + 1e-12 * np.abs(bound)
            else:
                total = float(bound.sum())
                ok = np.full(t.shape, float(change.sum()) <= total + 1e-12 * abs(total))
            stuck = ~ok & (t < floor)
            if np.all(ok | stuck):
                break
            t = np.where(ok | stuck, t, 0.5 * t)
        if np.all(stuck):
            return violation  # no acceptable step: rounding dominates
        if np.any(stuck):
            # tasks without an acceptable step keep their coefficients
            new_KA[:, stuck], new_alpha[:, stuck] = KA[m][:, stuck], alpha[m][:, stuck]
            dKA[:, stuck] = 0.0
            change[stuck] = 0.0
        decrease = float(change.sum())
        self.step[m] = np.minimum(2.0 * t, 1e8 * self.safe_step[m])
        self._move(m, new_alpha, new_KA, dKA, decrease)
        new_norm = float(np.sum(np.sum(new_alpha * new_KA, axis=0)))
        if 0.0 < new_norm < v2.sum():
            self._try_zero(m)
        if self.fit_intercept:
            # Wide kernels nearly contain the constant function, so a block and
            # the intercepts are strongly coupled: re-fit the intercepts at once.
            self.intercept_step()
        return violation

    def _move(self, m, new_alpha, new_KA, dKA, decrease):
        self.F = self.F + dKA
        self.loss += decrease
        self.KA[m] = new_KA
        self.alpha[m] = new_alpha

    def scale_step(self, blocks):
        """Projected Newton steps on the scales of the non-zero blocks (see
        :func:`~mtmk.solvers._scales.newton_scales`)."""
        blocks = [m for m in blocks if np.any(self.KA[m])]
        if not blocks:
            return
        Y, W, datafit = self.Y, self.W, self.datafit
        d = self.KA[blocks]  # (k, n, T)
        A, B = penalty_along_scales(self.penalty, self.task_norms(), blocks)
        point = {}

        def loss_terms(S):
            F = point["F"] = self.F + np.einsum("kt,knt->nt", S - 1.0, d)
            return scale_terms(d, datafit.gradient(F, Y, W), datafit.hessian_diagonal(F, Y, W))

        def loss_change(dS):
            return datafit.difference(point["F"], np.einsum("kt,knt->nt", dS, d), Y, W)

        s = newton_scales(loss_terms, loss_change, A, B, Y.shape[1], self.loss)
        if np.any(s != 1.0):
            S = np.broadcast_to(s, (len(blocks), Y.shape[1]))
            dF = np.einsum("kt,knt->nt", S - 1.0, d)
            decrease = float(datafit.difference(self.F, dF, Y, W).sum())
            for k, m in enumerate(blocks):
                self.alpha[m] *= S[k]
                self.KA[m] *= S[k]
            self.F = self.F + dF
            self.loss += decrease

    def _try_zero(self, m):
        """Set a shrinking block to zero when zero minimises the objective over it.

        With the other blocks fixed, zero is the block's minimiser iff the
        block's subdifferential distance at zero vanishes: an exact test that
        costs one product.  Failed tests back off exponentially.
        """
        if self.zero_wait[m] > 0:
            self.zero_wait[m] -= 1
            return
        F0 = self.F - self.KA[m]
        R0 = self.datafit.gradient(F0, self.Y, self.W)
        g2 = np.sum(R0 * self.operator.dot(m, R0), axis=0)
        zero = np.zeros_like(g2)
        if self.penalty.violation(m, g2, zero, zero) > 0.0:
            self.zero_wait[m] = self.zero_backoff[m]
            self.zero_backoff[m] = min(2 * self.zero_backoff[m], 4)
            return
        decrease = float(self.datafit.difference(self.F, -self.KA[m], self.Y, self.W).sum())
        self._move(m, np.zeros_like(self.alpha[m]), np.zeros_like(self.KA[m]),
                   -self.KA[m], decrease)
        self.zero_backoff[m] = 1

    def intercept_step(self):
        """Safeguarded Newton step on every task's intercept (in place).

        Where Newton's step would not decrease a task's datafit, take the
        gradient step with the curvature bound instead, which always does
        (columns of W sum to 1).
        """
        Y, W, datafit = self.Y, self.W, self.datafit
        g = datafit.gradient(self.F, Y, W).sum(axis=0)
        h = datafit.hessian_diagonal(self.F, Y, W).sum(axis=0)
        newton = np.where(h > 0, g / np.where(h > 0, h, 1.0), g / datafit.curvature)
        change = datafit.difference(self.F, -np.broadcast_to(newton, Y.shape), Y, W)
        delta = np.where(change <= 0, newton, g / datafit.curvature)
        if not np.all(change <= 0):
            change = datafit.difference(self.F, -np.broadcast_to(delta, Y.shape), Y, W)
        self.F = self.F - delta
        self.b = self.b - delta
        self.loss += float(change.sum())

    def intercept_violation(self):
        return float(np.abs(self.datafit.gradient(self.F, self.Y, self.W).sum(axis=0)).max())

    def begin_sweep(self, full_sweep):
        pass

    def anderson_push(self, anderson):
        anderson.push(np.append(self.alpha, self.b), np.append(self.KA, self.b))

    def anderson_try(self, anderson, current):
        extrapolated = anderson.extrapolate()
        return current if extrapolated is None else self.try_point(*extrapolated, current)

    def try_point(self, x, y, current):
        """Move to an extrapolated point if it lowers the objective; return the objective."""
        shape, n_tasks = self.alpha.shape, self.b.size
        alpha, KA = x[:-n_tasks].reshape(shape), y[:-n_tasks].reshape(shape)
        b = x[-n_tasks:]
        F = KA.sum(axis=0) + b
        loss = self.datafit.value(F, self.Y, self.W)
        candidate = loss + self.penalty.value(_task_norms(alpha, KA))
        if candidate < current:
            self.alpha, self.KA, self.b, self.F, self.loss = alpha, KA, b, F, loss
            return candidate
        return current
