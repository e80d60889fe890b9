"""Block coordinate proximal gradient for the MTMK objective (SPEC 2.1-2.2).

Variables: dual coefficients ``alpha`` of shape (n_kernels, n_samples, n_tasks)
and intercepts ``b`` (n_tasks,).  Task t's decision values are
``F[:, t] = sum_m K_m alpha[m, :, t] + b[t]`` and the block norm of kernel m is
``N_m = sqrt(sum_t alpha[m, :, t]^T K_m alpha[m, :, t])``.

A block step is a proximal gradient step in the metric of ``K_m`` (the factor
form ``K_m = L L^T``, ``v = L^T alpha``, without ever forming ``L``): one product
``K_m @ R`` with the loss residual gives the gradient norm, the new block and
the incremental update of ``F``.  Step sizes start from the logistic curvature
bound, grow when they can, and are accepted only on sufficient decrease, with
the loss change computed term by term so the test stays exact near the optimum.
The intercepts get a Newton step after every block (wide kernels nearly contain
the constant function, so blocks and intercepts are strongly coupled).  Working
sets restrict sweeps to the non-zero kernels between full sweeps; Anderson
extrapolation of the iterates speeds up the tail; the tracked products
``K_m alpha_m`` are recomputed every 50 sweeps against rounding drift.  The
stopping rule is the optimality certificate: the largest KKT violation over
blocks and intercepts, evaluated at the returned point.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from ..losses import Logistic
from ..penalties import group_penalty, group_prox_scale, group_violation


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    alpha : ndarray of shape (n_kernels, n_samples, n_tasks)
    intercept : ndarray of shape (n_tasks,)
    block_norms : ndarray of shape (n_kernels,)
        ``N_m``; the kernel weights are ``N / N.sum()``.
    objective : float
    violation : float
        Optimality violation at the returned point.
    n_iter : int
    converged : bool
    """

    alpha: np.ndarray
    intercept: np.ndarray
    block_norms: np.ndarray
    objective: float
    violation: float
    n_iter: int
    converged: bool


def _block_norms(alpha, KA):
    sq = np.einsum("mit,mit->m", alpha, KA)
    return np.sqrt(np.maximum(sq, 0.0))


def mtmk_objective(F, S, W, norms, lam_group, lam_ridge):
    """The MTMK objective from decision values and block norms."""
    return Logistic.value(F, S, W) + group_penalty(norms, lam_group, lam_ridge)


def optimal_intercept(S, W):
    """Per-task intercept minimising the loss when every kernel block is zero."""
    positive = np.sum(W * (S > 0), axis=0)
    positive = np.clip(positive / np.maximum(W.sum(axis=0), 1e-300), 1e-12, 1 - 1e-12)
    return np.log(positive / (1.0 - positive))


def lam_max(gram, S, W, fit_intercept=True):
    """Smallest ``lam_group`` at which every kernel block is zero at the optimum.

    At alpha = 0 (and the optimal intercept) block m is optimal iff
    ``||L_m^T R|| <= lam_group``, whatever ``lam_ridge``.
    """
    n_tasks = S.shape[1]
    b = optimal_intercept(S, W) if fit_intercept else np.zeros(n_tasks)
    R = Logistic.residual(np.broadcast_to(b, S.shape), S, W)
    return max(float(np.sqrt(max(np.sum(R * gram.dot(m, R)), 0.0)))
               for m in range(gram.n_kernels))


def optimality_violation(gram, alpha, intercept, S, W, lam_group, lam_ridge,
                         fit_intercept=True, KA=None):
    """Largest KKT violation over kernel blocks (and intercepts) at a point.

    For a zero block the violation is ``max(0, ||g_m|| - lam_group)``; for a
    non-zero block it is ``||g_m + (lam_group / N_m + 2 lam_ridge) v_m||``, all
    norms in the block's factor metric (SPEC 2.2).  For an intercept it is the
    absolute partial derivative.
    """
    if KA is None:
        KA = np.stack([gram.dot(m, alpha[m]) for m in range(gram.n_kernels)])
    F = KA.sum(axis=0) + intercept
    R = Logistic.residual(F, S, W)
    worst = float(np.abs(R.sum(axis=0)).max()) if fit_intercept else 0.0
    for m in range(gram.n_kernels):
        KR = gram.dot(m, R)
        worst = max(worst, group_violation(
            float(np.sum(R * KR)), float(np.sum(R * KA[m])),
            float(np.sum(alpha[m] * KA[m])), lam_group, lam_ridge))
    return worst


def _intercept_step(F, b, S, W):
    """One safeguarded Newton step on every task's intercept (in place).

    Where Newton's step would not decrease a task's loss, take the gradient
    step with the curvature bound instead, which always does (columns of W sum
    to 1, so 1/4 bounds the intercept's curvature).

    Returns
    -------
    float
        The change of the loss, computed exactly (see ``Logistic.difference``).
    """
    wrong = expit(-S * F)                      # probability of the wrong sign
    g = -np.sum(W * S * wrong, axis=0)
    h = np.sum(W * wrong * (1.0 - wrong), axis=0)
    newton = g / np.maximum(h, 1e-12)
    # per-task loss change of F - newton, term by term as in Logistic.difference
    change = np.sum(W * np.log1p(np.expm1(S * newton) * wrong), axis=0)
    delta = np.where(change <= 0, newton, g / Logistic.curvature)
    if not np.all(change <= 0):
        change = np.sum(W * np.log1p(np.expm1(S * delta) * wrong), axis=0)
    F -= delta
    b -= delta
    return float(change.sum())


class _Anderson:
    """Anderson extrapolation over the last ``depth + 1`` iterates (as in skglm).

    Iterates are (alpha, K alpha, b).  The least-squares combination of
    successive differences is measured in the problem's own metric,
    ``<d alpha, K d alpha> + |d b|^2``: in plain coordinates the directions of
    tiny kernel eigenvalues, which barely move f, would dominate it.
    """

    def __init__(self, depth):
        self.depth = depth
        self.history = []

    def push(self, alpha, KA, b):
        self.history.append((alpha.copy(), KA.copy(), b.copy()))
        if len(self.history) > self.depth + 1:
            self.history.pop(0)

    def extrapolate(self):
        if len(self.history) < self.depth + 1:
            return None
        dA, dKA, db = (np.diff(np.array([h[i] for h in self.history]), axis=0)
                       .reshape(self.depth, -1) for i in range(3))
        C = dA @ dKA.T
        C = 0.5 * (C + C.T) + db @ db.T
        try:
            z = np.linalg.solve(C + 1e-10 * np.trace(C) * np.eye(self.depth),
                                np.ones(self.depth))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(z)) or abs(z.sum()) < 1e-300:
            return None
        c = z / z.sum()
        states = self.history[1:]
        self.history = []
        return [sum(ck * h[i] for ck, h in zip(c, states)) for i in range(3)]


def solve_bcd(gram, S, W, lam_group, lam_ridge, fit_intercept=True, tol=1e-4,
              max_iter=1000, alpha0=None, intercept0=None, anderson_depth=5,
              verbose=0):
    """Minimise the MTMK objective by block coordinate proximal gradient.

    Parameters
    ----------
    gram : GramStack
        Training kernels (``n_kernels``, ``dot``, ``top_eigenvalue``).
    S : ndarray of shape (n_samples, n_tasks)
        Labels as signs in {-1, +1}.
    W : ndarray of shape (n_samples, n_tasks)
        Non-negative weights; each column sums to 1 (``w_it / n_t``).
    lam_group, lam_ridge : float
        Penalty strengths.
    fit_intercept : bool
        Fit an unpenalised intercept per task.
    tol : float
        Stop when the optimality violation falls below ``tol``.
    max_iter : int
        Maximum number of sweeps over the kernels.
    alpha0, intercept0 : ndarray, optional
        Warm start.
    anderson_depth : int
        Iterates used by Anderson extrapolation (0 switches it off).
    verbose : int
        Print the objective and violation every ``verbose`` sweeps.

    Returns
    -------
    SolverResult
    """
    state = _State(gram, S, W, lam_group, lam_ridge, alpha0, intercept0, fit_intercept)
    anderson = _Anderson(anderson_depth) if anderson_depth > 0 else None
    all_blocks = np.arange(gram.n_kernels)
    working_set, full_sweep, target = all_blocks, True, tol
    if alpha0 is not None:
        # Warm start (a path): first re-solve the kernels that are already in
        # the model.  A full sweep at once would let every kernel whose gradient
        # lies between the new and the previous lam_group in for a few sweeps.
        active = np.flatnonzero(state.block_norms() > 0)
        if active.size:
            working_set, full_sweep = active, False
    violation, converged, n_iter = np.inf, False, 0
    for n_iter in range(1, max_iter + 1):
        # Working sets: sweeps over the non-zero kernels until they are solved
        # to a fraction of the last full sweep's violation, then one full sweep
        # to let dropped kernels back in (skglm's strategy, over kernels).
        blocks = all_blocks if full_sweep else working_set
        sweep_violation = max([state.visit(m) for m in blocks], default=0.0)
        if fit_intercept:
            state.intercept_step()
            sweep_violation = max(sweep_violation, state.intercept_violation())
        objective = state.objective()
        if anderson is not None:
            anderson.push(state.alpha, state.KA, state.b)
            extrapolated = anderson.extrapolate()
            if extrapolated is not None:
                objective = state.try_point(*extrapolated, objective)
        if n_iter % _REFRESH == 0:
            state.refresh()
        if verbose and n_iter % verbose == 0:
            print(f"[mtmk bcd] sweep {n_iter:4d} ({'all' if full_sweep else len(blocks)} "
                  f"kernels)  objective {objective:.10g}  violation {sweep_violation:.3e}")
        if full_sweep:
            if sweep_violation < tol:
                # The sweep's estimate mixes iterates; certify at the current point.
                violation = state.violation()
                if violation < tol:
                    converged = True
                    break
            working_set = np.flatnonzero(state.block_norms() > 0)
            target = max(tol, 0.3 * sweep_violation)
            full_sweep = working_set.size == 0
        else:
            full_sweep = sweep_violation < target
    if not converged:
        violation = state.violation()
        converged = violation < tol
    if not converged:
        warnings.warn(
            f"The MTMK solver did not reach tol={tol:g} in max_iter={max_iter} sweeps; "
            f"the optimality violation is {violation:.3g}. Increase max_iter, loosen tol "
            "or increase lam_group / lam_ridge. The model is usable but not optimal.",
            ConvergenceWarning)
    norms = state.block_norms()
    return SolverResult(alpha=state.alpha, intercept=state.b, block_norms=norms,
                        objective=state.objective(), violation=violation, n_iter=n_iter,
                        converged=converged)


# Sweeps between recomputations of the kernel products from scratch.
_REFRESH = 50


class _State:
    """Iterate of the block solver: coefficients, K_m alpha_m, intercepts, F."""

    def __init__(self, gram, S, W, lam_group, lam_ridge, alpha0, intercept0, fit_intercept):
        n_kernels, (n, n_tasks) = gram.n_kernels, S.shape
        self.gram, self.S, self.W = gram, S, W
        self.lam_group, self.lam_ridge = lam_group, lam_ridge
        self.fit_intercept = fit_intercept
        self.alpha = (np.zeros((n_kernels, n, n_tasks)) if alpha0 is None
                      else np.array(alpha0, dtype=float))
        self.KA = np.stack([gram.dot(m, self.alpha[m]) if np.any(self.alpha[m])
                            else np.zeros((n, n_tasks)) for m in range(n_kernels)])
        if intercept0 is not None:
            self.b = np.array(intercept0, dtype=float)
        else:
            self.b = optimal_intercept(S, W) if fit_intercept else np.zeros(n_tasks)
        self.F = self.KA.sum(axis=0) + self.b
        self.loss = Logistic.value(self.F, S, W)
        # Curvature of block m: L^T diag(W_t l'') L <= 1/4 max(W) lambda_max(K_m):
        # the first step size; backtracking checks every step anyway.
        scale = Logistic.curvature * float(W.max())
        self.safe_step = np.array([1.0 / max(scale * gram.top_eigenvalue(m), 1e-300)
                                   for m in range(n_kernels)])
        self.step = self.safe_step.copy()

    def block_norms(self):
        return _block_norms(self.alpha, self.KA)

    def objective(self):
        return self.loss + group_penalty(self.block_norms(), self.lam_group, self.lam_ridge)

    def refresh(self):
        """Recompute ``K_m alpha_m``, F and the loss from scratch.

        The incremental updates accumulate rounding; a refresh every
        ``_REFRESH`` sweeps keeps that drift far below any useful tolerance.
        """
        self.KA = np.stack([self.gram.dot(m, a) if np.any(a) else np.zeros_like(a)
                            for m, a in enumerate(self.alpha)])
        self.F = self.KA.sum(axis=0) + self.b
        self.loss = Logistic.value(self.F, self.S, self.W)

    def violation(self):
        """Optimality certificate at the current point (one product per kernel)."""
        return optimality_violation(self.gram, self.alpha, self.b, self.S, self.W,
                                    self.lam_group, self.lam_ridge, self.fit_intercept,
                                    KA=self.KA)

    def visit(self, m):
        """One proximal gradient step on block m; returns its violation before it."""
        S, W, alpha, KA = self.S, self.W, self.alpha, self.KA
        R = Logistic.residual(self.F, S, W)
        KR = self.gram.dot(m, R)
        g2 = float(np.sum(R * KR))
        gd = float(np.sum(R * KA[m]))
        n2 = float(np.sum(alpha[m] * KA[m]))
        violation = group_violation(g2, gd, n2, self.lam_group, self.lam_ridge)
        # Backtracking on the step: the curvature bound is safe but far too
        # pessimistic once most samples are fitted confidently.  Every trial
        # reuses K_m R, so it costs O(n T), not a kernel product; the loss
        # difference is computed exactly enough to compare tiny steps.
        t = self.step[m]
        while True:
            u2 = max(n2 - 2.0 * t * gd + t * t * g2, 0.0)
            c = group_prox_scale(np.sqrt(u2), t, self.lam_group, self.lam_ridge)
            if c == 0.0 and n2 == 0.0:
                return violation  # the block stays at zero
            new_KA = c * (KA[m] - t * KR)
            dKA = new_KA - KA[m]
            decrease = Logistic.difference(self.F, dKA, S, W)
            # sufficient decrease of a prox-gradient step, in the K_m metric
            linear = float(np.sum(R * dKA))
            move_sq = (c - 1.0) * float(np.sum(alpha[m] * dKA)) - c * t * linear
            bound = linear + move_sq / (2.0 * t)
            if decrease <= bound + 1e-12 * abs(bound):
                break
            if t < 1e-6 * self.safe_step[m]:
                return violation  # no acceptable step: rounding dominates
            t *= 0.5
        # Grow optimistically next time, within bounds.
        self.step[m] = min(2.0 * t, 1e8 * self.safe_step[m])
        self.F = self.F + dKA
        self.loss += decrease
        KA[m] = new_KA
        alpha[m] *= c
        alpha[m] -= (c * t) * R
        if self.fit_intercept:
            # Wide kernels nearly contain the constant function, so a block and
            # the intercepts are strongly coupled: re-fit the intercepts at once.
            self.intercept_step()
        return violation

    def intercept_step(self):
        """Newton step on the intercepts (the loss is updated exactly)."""
        self.loss += _intercept_step(self.F, self.b, self.S, self.W)

    def intercept_violation(self):
        return float(np.abs(Logistic.residual(self.F, self.S, self.W).sum(axis=0)).max())

    def try_point(self, alpha, KA, b, objective):
        """Move to (alpha, KA, b) if it lowers the objective; return the objective."""
        F = KA.sum(axis=0) + b
        loss = Logistic.value(F, self.S, self.W)
        candidate = loss + group_penalty(_block_norms(alpha, KA), self.lam_group, self.lam_ridge)
        if candidate < objective:
            self.alpha, self.KA, self.b, self.F, self.loss = alpha, KA, b, F, loss
            return candidate
        return objective
