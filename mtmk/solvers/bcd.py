"""Block coordinate proximal gradient over kernel blocks, for any datafit and penalty.

The model: task t's decision values are ``F[:, t] = sum_m K_m alpha[m, :, t] + b[t]``
with dual coefficients ``alpha`` of shape (n_kernels, n_samples, n_tasks) and
intercepts ``b``; the objective is ``datafit(F) + penalty(task norms)`` where
the task norm of kernel m and task t is ``||f_tm||_H = sqrt(alpha_mt^T K_m alpha_mt)``.

A block (one kernel, all tasks) step is a proximal gradient step in the metric
of ``K_m`` (the factor form ``K_m = L L^T``, ``v = L^T alpha``, without ever
forming ``L``): one product ``K_m @ R`` with the datafit gradient gives the
block gradient, the new block and the incremental update of ``F``.  The first
trial step of each visit is the exact minimiser of the datafit's quadratic
model along the block gradient (the datafit's Hessian diagonal against
``K_m R``), so the step follows the local curvature rather than a global
bound; it is accepted only on sufficient decrease, with the datafit change
computed term by term so the test stays exact near the optimum.  A block whose
step shrinks it is tested for being optimal at zero (one more product), which
removes a dying kernel in one visit instead of many small shrinking steps.
The intercepts get a safeguarded Newton step after every block.  Working sets
restrict sweeps to the non-zero kernels between full sweeps; Anderson
extrapolation speeds up the tail; the tracked products ``K_m alpha_m`` are
recomputed every 50 sweeps against rounding drift.

The stopping rule is scale-free: the largest distance of minus the gradient to
the penalty's subdifferential over blocks (and the intercepts' partial
derivatives), divided by the penalty's level (``lam + 2 lam_ridge max_m
||f_m||``).  ``tol = 1e-4`` thus means that no block is more than 1e-4 of the
penalty's own force away from optimality, whatever the scale of ``lam``.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .anderson import Anderson

__all__ = ["SolverResult", "lam_max", "objective", "optimality_violation", "solve_bcd",
           "solve_path"]


@dataclass
class SolverResult:
    """What every multi-task multi-kernel solver returns.

    Attributes
    ----------
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks)
        Dual coefficients.
    intercept : ndarray of shape (n_tasks,)
    task_norms : ndarray of shape (n_kernels, n_tasks)
        ``||f_tm||_H``.
    block_norms : ndarray of shape (n_kernels,)
        The penalty's size of each kernel block; the kernel weights are
        ``block_norms / block_norms.sum()``.
    objective : float
    violation : float
        Scale-free optimality certificate at the returned point (largest
        subdifferential distance relative to the penalty level).
    n_iter : int
    converged : bool
    """

    alpha: np.ndarray
    intercept: np.ndarray
    task_norms: np.ndarray
    block_norms: np.ndarray
    objective: float
    violation: float
    n_iter: int
    converged: bool


def _task_norms(alpha, KA):
    return np.sqrt(np.maximum(np.einsum("mit,mit->mt", alpha, KA), 0.0))


def _products(operator, alpha):
    return np.stack([operator.dot(m, a) if np.any(a) else np.zeros_like(a)
                     for m, a in enumerate(alpha)])


def objective(operator, alpha, intercept, Y, W, datafit, penalty):
    """Objective ``datafit(F) + penalty`` at dual coefficients ``alpha``."""
    KA = _products(operator, alpha)
    return datafit.value(KA.sum(axis=0) + intercept, Y, W) + penalty.value(_task_norms(alpha, KA))


def _start_intercept(Y, W, datafit, fit_intercept):
    return datafit.initial_intercept(Y, W) if fit_intercept else np.zeros(Y.shape[1])


def lam_max(operator, Y, W, datafit, penalty, fit_intercept=True):
    """Smallest penalty level ``lam`` at which every kernel block is zero at the optimum.

    At alpha = 0 (and the optimal intercepts) block m is optimal iff the dual
    norm of its gradient is at most ``lam``, whatever ``lam_ridge``.
    """
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

    Returns
    -------
    float
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
    penalty : GroupPenalty, TaskGroupPenalty or any penalty with a ``prox_scale``
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
    """
    state = _State(operator, Y, W, datafit, penalty, alpha0, intercept0, fit_intercept)
    anderson = Anderson(anderson_depth) if anderson_depth > 0 else None
    all_blocks = np.arange(operator.n_kernels)
    working_set, full_sweep, target = all_blocks, True, tol
    if alpha0 is not None:
        # Warm start (a path): first re-solve the kernels already in the model.
        # A full sweep at once would let every kernel whose gradient lies
        # between the new and the previous penalty level in for a few sweeps.
        active = np.flatnonzero(state.kernel_norms() > 0)
        if active.size:
            working_set, full_sweep = active, False
    violation, converged, n_iter = np.inf, False, 0
    newton_wait, newton_backoff = 0, 1
    for n_iter in range(1, max_iter + 1):
        # Working sets: sweeps over the non-zero kernels until they are solved
        # to a fraction of the last full sweep's violation, then one full sweep
        # to let dropped kernels back in (skglm's strategy, over kernels).
        blocks = all_blocks if full_sweep else working_set
        joint = None
        if not full_sweep and newton_wait == 0:
            joint = state.joint_newton(blocks)
            # a rejected joint step is retried after a back-off (doubling)
            newton_backoff = 1 if joint is not None else 2 * newton_backoff
            newton_wait = 0 if joint is not None else newton_backoff
        elif newton_wait > 0:
            newton_wait -= 1
        if joint is not None:
            sweep_violation = joint
            state.scale_step(blocks)
            for m in blocks:
                state.test_zero(m)
        else:
            sweep_violation = max([state.visit(m) for m in blocks], default=0.0)
        if fit_intercept:
            state.intercept_step()
            sweep_violation = max(sweep_violation, state.intercept_violation())
        sweep_violation /= state.level()
        current = state.objective()
        if anderson is not None:
            anderson.push(np.append(state.alpha, state.b), np.append(state.KA, state.b))
            extrapolated = anderson.extrapolate()
            if extrapolated is not None:
                current = state.try_point(*extrapolated, current)
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
    task_norms = state.task_norms()
    return SolverResult(alpha=state.alpha, intercept=state.b, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms),
                        objective=state.objective(), violation=violation, n_iter=n_iter,
                        converged=converged)


def solve_path(operator, Y, W, datafit, penalty, lams, *, fit_intercept=True, tol=1e-4,
               max_iter=1000):
    """:func:`solve_bcd` at decreasing penalty levels ``lams``, each warm-started.

    Parameters
    ----------
    operator, Y, W, datafit, penalty
        As for :func:`solve_bcd`; ``penalty.with_lam(lam)`` sets each level.
    lams : array-like of shape (n_lams,)
        Decreasing penalty levels.
    fit_intercept, tol, max_iter
        As for :func:`solve_bcd`, at every level.

    Returns
    -------
    list of SolverResult
    """
    results, alpha, intercept = [], None, None
    for lam in lams:
        result = solve_bcd(operator, Y, W, datafit, penalty.with_lam(float(lam)),
                           fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                           alpha0=alpha, intercept0=intercept)
        alpha, intercept = result.alpha, result.intercept
        results.append(result)
    return results


def _conjugate_gradients(matvec, rhs, image):
    """Column-wise conjugate gradients for a symmetric positive definite system.

    ``matvec(P, image(P))`` is the system's product.  Returns ``z`` (at most
    ``_CG_STEPS`` steps: a truncated solve) and ``image(z)``, accumulated from
    the images of the search directions so that it costs no extra product.
    """
    z, image_z = np.zeros_like(rhs), np.zeros_like(rhs)
    r, p = rhs.copy(), rhs.copy()
    rr = np.sum(r * r, axis=0)
    stop = 1e-10 * rr
    for _ in range(_CG_STEPS):
        if np.all(rr <= stop):
            break
        image_p = image(p)
        Ap = matvec(p, image_p)
        pAp = np.sum(p * Ap, axis=0)
        step = np.where(pAp > 0, rr / np.where(pAp > 0, pAp, 1.0), 0.0)
        z += step * p
        image_z += step * image_p
        r -= step * Ap
        rr_new = np.sum(r * r, axis=0)
        p = r + np.where(rr > 0, rr_new / np.where(rr > 0, rr, 1.0), 0.0) * p
        rr = rr_new
    return z, image_z


# Sweeps between recomputations of the kernel products from scratch.
_REFRESH = 50
# Conjugate-gradient steps (kernel products) of one truncated Newton block step.
_CG_STEPS = 20


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
        # the safe step; the step search starts from the local curvature.
        scale = datafit.curvature * float(W.max())
        self.safe_step = np.array([1.0 / max(scale * operator.top_eigenvalue(m), 1e-300)
                                   for m in range(n_kernels)])
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
        # First trial: the minimiser of the datafit's quadratic model along the
        # block gradient; halve until the step decreases the objective enough.
        curvature = float(np.sum(datafit.hessian_diagonal(self.F, Y, W) * KR * KR))
        t = g2.sum() / curvature if curvature > 0 else 1e8 * self.safe_step[m]
        t = min(t, 1e8 * self.safe_step[m])
        while True:
            z_norms = np.sqrt(np.maximum(v2 - 2.0 * t * gv + t * t * g2, 0.0))
            c = self.penalty.prox_scale(m, z_norms, t)
            new_KA = c * (KA[m] - t * KR)
            new_alpha = c * (alpha[m] - t * R)
            dKA, dA = new_KA - KA[m], new_alpha - alpha[m]
            change = datafit.difference(self.F, dKA, Y, W)
            decrease = float(change.sum())
            # sufficient decrease of a prox-gradient step, in the K_m metric
            linear = float(np.sum(R * dKA))
            bound = linear + float(np.sum(dA * dKA)) / (2.0 * t)
            if decrease <= bound + 1e-12 * abs(bound):
                break
            if t < 1e-6 * self.safe_step[m]:
                return violation  # no acceptable step: rounding dominates
            t *= 0.5
        self._move(m, new_alpha, new_KA, dKA, decrease)
        new_norm = float(np.sum(np.sum(new_alpha * new_KA, axis=0)))
        if 0.0 < new_norm < v2.sum():
            self._try_zero(m)
        if self.fit_intercept:
            # Wide kernels nearly contain the constant function, so a block and
            # the intercepts are strongly coupled: re-fit the intercepts at once.
            self.intercept_step()
        return violation

    def joint_newton(self, blocks):
        """A truncated Newton step on all ``blocks`` (non-zero) at once.

        Returns the largest scale-free violation over the blocks before the
        step, or ``None`` when no step was taken (the caller then sweeps the
        blocks one by one).  Candidate kernels are often strongly correlated
        (neighbouring widths), so one block at a time zigzags; the joint step
        does not.  With the datafit's Hessian diagonal ``D`` and the penalty's
        curvature ``c_i`` of block i (the upper bound ``c_i I`` of its Hessian),
        the Newton system ``D sum_j K_j x_j + c_i x_i = b_i`` is solved through
        ``y = sum_j K_j x_j``: ``(I + Kc D) y = sum_j K_j b_j / c_j`` with the
        combined kernel ``Kc = sum_j K_j / c_j``, by conjugate gradients on the
        symmetric ``I + S Kc S`` (``S = sqrt(D)``); then ``x_i = (b_i - D y) / c_i``.
        """
        curvature = getattr(self.penalty, "curvature", None)
        if curvature is None or len(blocks) == 0:
            return None
        Y, W, datafit, op = self.Y, self.W, self.datafit, self.operator
        R = datafit.gradient(self.F, Y, W)
        KR = {m: op.dot(m, R) for m in blocks}
        worst, cs = 0.0, {}
        for m in blocks:
            g2, gv, v2 = _block_statistics(R, KR[m], self.alpha[m], self.KA[m])
            worst = max(worst, self.penalty.violation(m, g2, gv, v2))
            c, _ = curvature(m, np.sqrt(np.maximum(v2, 0.0)))
            if not np.all(np.isfinite(c) & (c > 0)):
                return None
            cs[m] = c
        Kb = {m: -(KR[m] + cs[m] * self.KA[m]) for m in blocks}
        h = sum(Kb[m] / cs[m] for m in blocks)
        S = np.sqrt(np.maximum(datafit.hessian_diagonal(self.F, Y, W), 0.0))

        def combined(A):
            repeat = A.shape[1] // h.shape[1]
            return sum(op.dot(m, A) / np.tile(cs[m], repeat) for m in blocks)

        # (I + Kc D) y = h (+ 1 db with the intercepts): Woodbury through the
        # symmetric (I + S Kc S) z = S rhs, y = rhs - Kc S z.  The intercepts
        # are in the same step (wide kernels nearly contain the constants).
        n_tasks = h.shape[1]
        columns = [h, np.ones_like(h)] if self.fit_intercept else [h]
        rhs = np.hstack(columns)
        S2 = np.hstack([S] * len(columns))
        _, KcSz = _conjugate_gradients(lambda P, KcSP: P + S2 * KcSP, S2 * rhs,
                                       lambda P: combined(S2 * P))
        solution = rhs - KcSz
        y = solution[:, :n_tasks]
        db = np.zeros(n_tasks)
        rho = R.sum(axis=0)
        if self.fit_intercept:
            # the intercepts' equation 1^T D y = -sum R fixes db
            y1 = solution[:, n_tasks:]
            D = S * S
            denominator = np.sum(D * y1, axis=0)
            db = np.where(denominator > 0, (-rho - np.sum(D * y, axis=0))
                          / np.where(denominator > 0, denominator, 1.0), 0.0)
            y = y + db * y1
        Dy = S * S * y
        d_alpha = {m: (-(R + cs[m] * self.alpha[m]) - Dy) / cs[m] for m in blocks}
        d_KA = {m: (Kb[m] - op.dot(m, Dy)) / cs[m] for m in blocks}
        slope = sum(float(np.sum((R + cs[m] * self.alpha[m]) * d_KA[m])) for m in blocks)
        slope += float(rho @ db)
        if not slope < 0:
            return None
        dF = sum(d_KA.values()) + db
        norms = self.task_norms()
        before = self.penalty.value(norms)
        t = 1.0
        for _ in range(30):
            for m in blocks:
                norms[m] = np.sqrt(np.maximum(np.sum((self.alpha[m] + t * d_alpha[m])
                                                     * (self.KA[m] + t * d_KA[m]), axis=0), 0.0))
            decrease = float(datafit.difference(self.F, t * dF, Y, W).sum())
            if decrease + self.penalty.value(norms) - before <= 1e-4 * t * slope:
                for m in blocks:
                    self.alpha[m] += t * d_alpha[m]
                    self.KA[m] += t * d_KA[m]
                self.F = self.F + t * dF
                self.b = self.b + t * db
                self.loss += decrease
                return worst
            t *= 0.5
        return None

    def _move(self, m, new_alpha, new_KA, dKA, decrease):
        self.F = self.F + dKA
        self.loss += decrease
        self.KA[m] = new_KA
        self.alpha[m] = new_alpha

    def scale_step(self, blocks):
        """Newton steps on the scales ``s_i`` of the blocks (``alpha_i <- s_i alpha_i``).

        The norm part of a penalty has no curvature along a block itself,
        which the joint step's bound ``c I`` overstates, so blocks trade size
        slowly under it.  Over the scales the problem is small (one variable
        per block), needs no kernel product (``K_i alpha_i`` is known) and is
        solved here by projected Newton steps with backtracking, down to exact
        zeros.
        """
        blocks = [m for m in blocks if np.any(self.KA[m])]
        if not blocks:
            return
        Y, W, datafit = self.Y, self.W, self.datafit
        d = np.stack([self.KA[m] for m in blocks])
        norms = self.task_norms()
        # along s_i the penalty is exactly P0 + A_i s_i + B_i s_i^2 (norm and ridge)
        A, B = np.zeros(len(blocks)), np.zeros(len(blocks))
        for k, m in enumerate(blocks):
            values = []
            for scale in (0.0, 1.0, 2.0):
                scaled = norms.copy()
                scaled[m] *= scale
                values.append(self.penalty.value(scaled))
            B[k] = (values[2] - 2.0 * values[1] + values[0]) / 2.0
            A[k] = values[1] - values[0] - B[k]
        s = np.ones(len(blocks))
        for _ in range(5):
            F = self.F + np.tensordot(s - 1.0, d, axes=1)
            g = np.einsum("it,kit->k", datafit.gradient(F, Y, W), d) + A + 2.0 * B * s
            H = np.einsum("it,kit,lit->kl", datafit.hessian_diagonal(F, Y, W), d, d)
            H[np.diag_indices_from(H)] += 2.0 * B + 1e-12 * max(np.trace(H), 1e-300)
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            t, accepted = 1.0, False
            for _ in range(20):
                s_new = np.maximum(s - t * step, 0.0)
                change = (float(datafit.difference(F, np.tensordot(s_new - s, d, axes=1),
                                                   Y, W).sum())
                          + float(A @ (s_new - s) + B @ (s_new ** 2 - s ** 2)))
                if change < 0:
                    accepted = True
                    break
                t *= 0.5
            if not accepted:
                break
            s = s_new
        if np.any(s != 1.0):
            dF = np.tensordot(s - 1.0, d, axes=1)
            decrease = float(datafit.difference(self.F, dF, Y, W).sum())
            for k, m in enumerate(blocks):
                self.alpha[m] *= s[k]
                self.KA[m] *= s[k]
            self.F = self.F + dF
            self.loss += decrease

    def test_zero(self, m):
        """Zero test of a block after a joint step (with back-off)."""
        if np.any(self.alpha[m]):
            self._try_zero(m)

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
