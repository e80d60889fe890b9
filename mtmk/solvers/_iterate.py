"""The block solver's iteration, once for every data layout.

The model: task t's decision values are ``F[:, t] = sum_m f_m[:, t] + b[t]``,
block m's contribution ``f_m = K_m alpha_m`` (dual coefficients ``alpha_m`` of
shape (n_samples, n_tasks)) or ``f_m = Phi_m v_m`` (primal coefficients
``v_m = Phi_m^T alpha_m`` of shape (r_m, n_tasks) over low-rank factors
``K_m = Phi_m Phi_m^T``); the objective is ``datafit(F) + penalty(task norms)``
with the task norm ``||f_tm||_H = sqrt(alpha_mt^T K_m alpha_mt) = ||v_mt||``.

A block (one kernel, all tasks) step is a proximal gradient step in the
metric of ``K_m``: with the datafit gradient ``R`` (the derivative in ``F``),
the step moves ``alpha_m`` to ``s (alpha_m - t R)`` (``v_m`` to ``s (v_m - t
Phi_m^T R)``) with per-task factors ``s`` from the penalty's proximal
operator, which only needs three per-task statistics of the block
(``||g||^2``, ``<g, v>``, ``||v||^2`` in the block's metric), and the decision
values move by ``D = s (K_m alpha_m - t K_m R) - K_m alpha_m``.
Step sizes start from the last accepted one (doubled) and are accepted only
on sufficient decrease, with the datafit change computed term by term so the
test stays exact near the optimum; a penalty that is a sum over tasks lets
every task keep its own step.  After every sweep over the working set a
second-order step on the block scales (:mod:`mtmk.solvers._scales`) lets
correlated kernels trade size and dying kernels reach zero; a block whose
step shrinks it is also tested for being optimal at zero (one more product).
The intercepts get a safeguarded Newton step after every block (and Newton
steps from the start until their derivative is negligible, whatever the
datafit).  Working sets restrict sweeps to the non-zero kernels between full
sweeps; Anderson extrapolation speeds up the tail; the tracked products are
recomputed every 50 sweeps against rounding drift.

The stopping rule is scale-free: the largest distance of minus the gradient to
the penalty's subdifferential over blocks (and the intercepts' partial
derivatives), divided by the penalty's level (``lam + 2 lam_ridge max_m
||f_m||``).  ``tol = 1e-4`` thus means that no block is more than 1e-4 of the
penalty's own force away from optimality, whatever the scale of ``lam``.

Every sum over samples is computed by row blocks (:class:`BlockRows`), which
hold their rows' decision values ``F`` and return per-task sums; the
iterate (:class:`Iterate`) only exchanges arrays of shape (n_tasks,) or
(r_m, n_tasks) with them.  What differs between layouts is the coefficient
representation, a *layout* object: dual coefficients kept with the rows of
one block that holds the kernel operator (``mtmk.solvers._bcd``), or primal
coefficients kept by the layout, the rows cut into blocks that hold their
factors' rows, in this process or on dask workers (``mtmk.solvers._rows``).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._anderson import Anderson
from ._datafits import column_dots, column_sums, datafit_point
from ._scales import newton_scales, penalty_along_scales, scale_terms


def _sum(results):
    total = results[0]
    for r in results[1:]:
        total = total + r
    return total


class BlockRows:
    """Some rows of a problem and the solver's per-row state, the decision values ``F``.

    What both layouts share: trial steps ``F + D`` with ``D = s (K alpha - t K R)
    - K alpha`` (per-task proximal factors ``s`` and steps ``t``) for block m's
    ``K alpha`` and ``K R`` (set by the layout's ``prepare``), the intercepts'
    and the block scales' sums and zero tests.  Every method returns small
    arrays or nothing.  Subclasses hold the kernels' rows and define the hooks
    (``_moved``, ``_directions`` and, where the coefficients live with the
    rows, ``_metric_change`` and ``_rescaled``).

    The datafit is read through its :class:`~mtmk.solvers._datafits.DatafitPoint`
    at ``F`` (:attr:`at`): the gradient, the curvature and the changes of one
    point are computed once, and a move to ``F + D`` right after computing its
    change starts the next point from that change (for the logistic loss,
    without another exponential).  So a block visit costs about one datafit
    evaluation per trial step plus one for the intercepts' step.

    Parameters
    ----------
    Y, W : ndarray of shape (n_rows, n_tasks)
        Targets and weights, as in :func:`~mtmk.solvers.solve_bcd` (the
        weights of each task sum to 1 over all blocks).
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    """

    def __init__(self, Y, W, datafit):
        self.Y, self.W = np.asarray(Y, dtype=float), np.asarray(W, dtype=float)
        self.datafit = datafit
        self._F = None
        self._at = None
        self._P = None  # (m, K alpha_m, K R) of the block being stepped
        self._R = None
        self._trial = None  # (s, t, D) of the last block trial
        self._shift = None  # (delta, D) of the last intercept trial
        self._zero = None  # (m, F, point) with block m at zero, of the last zero test
        self._scaled = None

    @property
    def F(self):
        """The decision values of these rows (setting them starts a new datafit point)."""
        return self._F

    @F.setter
    def F(self, F):
        self._F, self._at = F, None

    @property
    def at(self):
        """The datafit at ``F`` (:class:`~mtmk.solvers._datafits.DatafitPoint`)."""
        if self._at is None:
            self._at = datafit_point(self.datafit, self._F, self.Y, self.W)
        return self._at

    def _move(self, D, F=None, at=None):
        """Move to ``F + D`` (or to ``F`` with its point ``at`` when known)."""
        if F is None:
            F = self._F + D
            at = self.at.moved(D, F)
        self._F, self._at = F, at

    # ------------------------------------------------------- block steps
    def _new(self, s, t):
        """Block m's new ``K alpha``."""
        _, KA, KR = self._P
        return s * (KA - t * KR)

    def trial(self, s, t):
        """Per task: the loss change to ``F + D``, ``<R, D>`` and the rows' part of
        the coefficients' squared change in the block's metric (zero where the
        coefficients are not kept with the rows)."""
        D = self._new(s, t) - self._P[1]
        self._trial = (s, t, D)
        return (self.at.difference(D), column_dots(self._R, D),
                self._metric_change(s, t, D))

    def _metric_change(self, s, t, D):
        return 0.0

    def accept(self, s, t):
        """Move to ``F + D`` (the last trial); return :meth:`intercept_terms` there."""
        m, KA, _ = self._P
        new = self._new(s, t)
        last = self._trial
        if last is not None and np.array_equal(last[0], s) and np.array_equal(last[1], t):
            self._move(last[2])
        else:  # some tasks kept their coefficients: not the last trial
            self._move(new - KA)
        self._moved(m, s, t, new)
        self._P = self._trial = None
        return self.intercept_terms()

    def _zero_point(self, KA):
        """The datafit point with the block of ``K alpha`` = ``KA`` at zero (kept for
        :meth:`drop`)."""
        F = self._F - KA
        at = datafit_point(self.datafit, F, self.Y, self.W)
        self._zero = (self._P[0], F, at)
        return at

    def drop(self):
        """Set the block of the last zero test to zero; return the loss change."""
        m, KA, _ = self._P
        if self._zero is not None and self._zero[0] == m:
            _, F, at = self._zero
            change = -at.difference(KA)  # from F - KA back to F, term by term
            self._move(None, F, at)
        else:
            D = -KA
            change = self.at.difference(D)
            self._move(D)
        self._moved(m, 0.0, 0.0, np.zeros_like(KA))
        self._P = self._zero = None
        return change

    # --------------------------------------------------------- intercepts
    def intercept_terms(self):
        """Column sums of the datafit gradient and of its Hessian diagonal."""
        at = self.at
        return column_sums(at.gradient), column_sums(at.hessian_diagonal)

    def shift_change(self, delta):
        """Per-task loss change from ``F`` to ``F - delta``."""
        D = -np.broadcast_to(delta, self._F.shape)
        self._shift = (np.array(delta, copy=True), D)
        return self.at.difference(D)

    def shift(self, delta):
        """Move ``F`` to ``F - delta`` (the intercepts' step)."""
        last = self._shift
        self._move(last[1] if last is not None and np.array_equal(last[0], delta)
                   else -np.broadcast_to(delta, self._F.shape))
        self._shift = None

    # -------------------------------------------------------- block scales
    def scale_terms(self, kernels, coef, S):
        """Per task, gradient and Hessian of the loss in the scales ``S`` (of shape
        (n_kernels, n_tasks)) of the kernels' blocks; remembers the point."""
        scaled = self._scaled
        if scaled is None:  # the same kernels and coefficients until forget
            scaled = self._scaled = _ScaledPoint(self._directions(kernels, coef), kernels,
                                                 np.ones_like(S), self._F, self.at)
        scaled.go(S, self)
        return scale_terms(scaled.d, scaled.at.gradient, scaled.at.hessian_diagonal)

    def scale_change(self, S):
        """Per-task loss change from the last :meth:`scale_terms` point to scales ``S``."""
        return self._scaled.trial(S)

    def scale_apply(self, S):
        """Rescale the blocks of the last :meth:`scale_terms`; return the loss change."""
        scaled = self._scaled
        scaled.go(S, self)
        change = scaled.change
        if change is None:  # not reached by accepted trials: from F at once
            D = np.einsum("kt,kit->it", S - 1.0, scaled.d)
            change = self.at.difference(D)
            self._move(D)
        else:
            self._move(None, scaled.F, scaled.at)
        self._rescaled(scaled.kernels, S)
        return change

    def _rescaled(self, kernels, S):
        pass

    def forget(self):
        """Drop what the last sweep kept for the scale step."""
        self._scaled = None


class _ScaledPoint:
    """The rows' point along the block scales: ``F + sum_k (S_k - 1) d_k``.

    Tracks the loss change from ``S = 1`` through the accepted trials (each
    a term-by-term difference), so the scale step needs no datafit
    evaluation besides its trials.
    """

    def __init__(self, d, kernels, S, F, at):
        self.d, self.kernels = d, kernels
        self.S, self.F, self.at, self.change = S, F, at, 0.0
        self._trial = None  # (S, D, change) of the last trial

    def trial(self, S):
        D = np.einsum("kt,kit->it", S - self.S, self.d)
        change = self.at.difference(D)
        self._trial = (np.array(S, copy=True), D, change)
        return change

    def go(self, S, rows):
        """Move to scales ``S``: along the last trial if it went there, else afresh."""
        if np.array_equal(S, self.S):
            return
        last = self._trial
        if last is not None and np.array_equal(S, last[0]):
            F = self.F + last[1]
            self.at = self.at.moved(last[1], F)
            self.change = None if self.change is None else self.change + last[2]
        else:
            F = rows.F + np.einsum("kt,kit->it", S - 1.0, self.d)
            self.at = datafit_point(rows.datafit, F, rows.Y, rows.W)
            self.change = None
        self.S, self.F, self._trial = np.array(S, copy=True), F, None


class Iterate:
    """The block solver's iterate over a layout: intercepts, loss, step sizes.

    Parameters
    ----------
    layout : object
        The coefficient representation (see the module docstring): it has
        ``blocks`` (``blocks.map(name, *args)`` calls a :class:`BlockRows`
        method on every row block and lists the results), ``n_kernels``,
        ``n_tasks`` and the methods this class calls.
    datafit, penalty, fit_intercept
        As for :func:`~mtmk.solvers.solve_bcd`.
    intercept0 : ndarray of shape (n_tasks,) or None
        Warm start of the intercepts.
    """

    def __init__(self, layout, datafit, penalty, fit_intercept, intercept0):
        self.layout, self.blocks = layout, layout.blocks
        self.datafit, self.penalty = datafit, penalty
        self.fit_intercept = fit_intercept
        if intercept0 is not None:
            self.b = np.array(intercept0, dtype=float)
        elif fit_intercept:
            self.b = layout.intercept_guess(datafit)
        else:
            self.b = np.zeros(layout.n_tasks)
        self.loss = layout.start(self.b)
        if fit_intercept and intercept0 is None:
            self._settle_intercepts()
        # Curvature of block m is at most curvature * max(W) * lambda_max(K_m):
        # the safe step the step search starts from.
        tops, weight_max = layout.curvature()
        scale = datafit.curvature * weight_max
        self.safe_step = np.array([1.0 / max(scale * top, 1e-300) for top in tops])
        # one step per block and task (equal across tasks unless the penalty
        # is a sum over tasks)
        self.step = np.repeat(self.safe_step[:, None], layout.n_tasks, axis=1)
        # visits to wait before the next zero test of a block (doubles on failure)
        self.zero_wait = np.zeros(layout.n_kernels, dtype=int)
        self.zero_backoff = np.ones(layout.n_kernels, dtype=int)
        # the approximate products' error in the statistics, relative to the
        # penalty level (measured by refresh)
        self.rounding = 0.0

    def task_norms(self):
        return self.layout.norms()

    def kernel_norms(self):
        return self.penalty.kernel_norms(self.task_norms())

    def level(self):
        return max(self.penalty.level(self.task_norms()), 1e-12)

    def objective(self):
        return self.loss + self.penalty.value(self.task_norms())

    @property
    def approximate(self):
        """Whether the layout's products are rounded (float32) for now."""
        return getattr(self.layout, "approximate", False)

    def refresh(self):
        """Recompute the tracked products, F and the loss from scratch (rounding drift).

        With approximate products, also measure their rounding (:attr:`rounding`).
        """
        if self.approximate:
            rounding, self.loss = self.layout.rounding(self.b)
            self.rounding = rounding / self.level()
        else:
            self.loss = self.layout.start(self.b, refresh=True)

    def refine(self):
        """Exact products from now on, from F recomputed exactly."""
        self.layout.refine()
        self.loss = self.layout.start(self.b, refresh=True)

    def violation(self):
        """The certificate at the current point (one exact product per kernel)."""
        if self.approximate:
            self.loss = self.layout.start(self.b, refresh=True)  # F without drift
        return certificate(self.layout.at(self.b), self.penalty, self.fit_intercept)

    def visit(self, m):
        """One proximal gradient step on block m; returns its violation before it."""
        (g2, gv, v2), = self.layout.statistics([m])[0]
        penalty = self.penalty
        violation = penalty.violation(m, g2, gv, v2)
        if v2.sum() == 0.0 and violation == 0.0:
            return violation  # a zero block that is optimal stays at zero
        # Backtracking from the last accepted step (doubled): the curvature
        # bound is safe but far too pessimistic once most samples are fitted
        # confidently.  Every trial reuses K_m R, so it costs O(n T).  A
        # penalty that is a sum over tasks lets each task keep its own step.
        separable = penalty.separable_tasks
        t = self.step[m].copy()
        floor = 1e-6 * self.safe_step[m]
        first = True
        while True:
            z_norms = np.sqrt(np.maximum(v2 - 2.0 * t * gv + t * t * g2, 0.0))
            s = penalty.prox_scale(m, z_norms, t if separable else float(t[0]))
            trials = self.layout.prepare(m, s, t) if first else self.blocks.map("trial", s, t)
            first = False
            change = _sum([tr[0] for tr in trials])
            # sufficient decrease of a prox-gradient step, in the K_m metric
            metric = _sum([tr[2] for tr in trials]) + self.layout.metric_change(m, s, t)
            bound = _sum([tr[1] for tr in trials]) + metric / (2.0 * t)
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
            s, t = np.where(stuck, 1.0, s), np.where(stuck, 0.0, t)
            change = np.where(stuck, 0.0, change)
        self.step[m] = np.minimum(2.0 * t, 1e8 * self.safe_step[m])
        self.layout.accept(m, s, t)
        terms = self.blocks.map("accept", s, t)
        self.loss += float(change.sum())
        new_norm = float(self.layout.norms2(m).sum())
        if 0.0 < new_norm < v2.sum() and self._try_zero(m):
            terms = None
        if self.fit_intercept:
            # Wide kernels nearly contain the constant function, so a block and
            # the intercepts are strongly coupled: re-fit the intercepts at once.
            self.intercept_step(terms)
        return violation

    def _try_zero(self, m):
        """Set a shrinking block to zero when zero minimises the objective over it.

        With the other blocks fixed, zero is the block's minimiser iff the
        block's subdifferential distance at zero vanishes: an exact test that
        costs one product.  Failed tests back off exponentially.  Returns
        whether the block was set to zero.
        """
        if self.zero_wait[m] > 0:
            self.zero_wait[m] -= 1
            return False
        g2 = self.layout.zero_statistic(m)
        zero = np.zeros_like(g2)
        if self.penalty.violation(m, g2, zero, zero) > 0.0:
            self.zero_wait[m] = self.zero_backoff[m]
            self.zero_backoff[m] = min(2 * self.zero_backoff[m], 4)
            return False
        self.loss += float(_sum(self.blocks.map("drop")).sum())
        self.layout.drop(m)
        self.zero_backoff[m] = 1
        return True

    def intercept_step(self, terms=None):
        """Safeguarded Newton step on every task's intercept; returns the loss change.

        ``terms``: the blocks' :meth:`BlockRows.intercept_terms` when known.
        Where Newton's step would not decrease a task's datafit, take the
        gradient step with the curvature bound instead, which always does
        (columns of W sum to 1).
        """
        if terms is None:
            terms = self.blocks.map("intercept_terms")
        g, h = _sum([t[0] for t in terms]), _sum([t[1] for t in terms])
        curvature = self.datafit.curvature
        newton = np.where(h > 0, g / np.where(h > 0, h, 1.0), g / curvature)
        change = _sum(self.blocks.map("shift_change", newton))
        delta = np.where(change <= 0, newton, g / curvature)
        if not np.all(change <= 0):
            change = _sum(self.blocks.map("shift_change", delta))
        self.blocks.map("shift", delta)
        self.b = self.b - delta
        self.loss += float(change.sum())
        return float(change.sum())

    def _settle_intercepts(self, max_steps=50):
        """Newton steps on the intercepts until their derivative is negligible.

        Only the datafit's gradient, Hessian diagonal and differences are used,
        so any datafit starts from its optimal intercepts (at the starting
        coefficients), whatever the layout's first guess.
        """
        start = None
        for _ in range(max_steps):
            terms = self.blocks.map("intercept_terms")
            g = np.abs(_sum([t[0] for t in terms])).max(initial=0.0)
            start = g if start is None else start
            if g <= 1e-12 * max(start, 1.0) or self.intercept_step(terms) >= 0.0:
                return

    def intercept_violation(self):
        return float(np.abs(_sum([t[0] for t in self.blocks.map("intercept_terms")])).max())

    def scale_step(self, kernels):
        """Projected Newton steps on the scales of the non-zero blocks (see
        :func:`~mtmk.solvers._scales.newton_scales`), summed over row blocks."""
        norms = self.task_norms()
        kernels = [m for m in kernels if np.any(norms[m] > 0)]
        if not kernels:
            self.blocks.map("forget")
            return
        coef = self.layout.scale_coef(kernels)
        A, B = penalty_along_scales(self.penalty, norms, kernels)
        n_tasks = self.b.size

        def loss_terms(S):
            terms = self.blocks.map("scale_terms", kernels, coef, S)
            return _sum([t[0] for t in terms]), _sum([t[1] for t in terms])

        def loss_change(S):
            return _sum(self.blocks.map("scale_change", S))

        s = newton_scales(loss_terms, loss_change, A, B, n_tasks, self.loss)
        if np.any(s != 1.0):
            S = np.broadcast_to(s, (len(kernels), n_tasks))
            self.loss += float(_sum(self.blocks.map("scale_apply", S)).sum())
            self.layout.rescale(kernels, S)
        self.blocks.map("forget")

    # Anderson extrapolation over (coefficients, b), in the layout's metric
    def anderson_push(self, anderson):
        self.layout.push(anderson, self.b)

    def anderson_try(self, anderson, current):
        extrapolated = self.layout.extrapolate(anderson, self.b.size)
        if extrapolated is None:
            return current
        b, loss = extrapolated
        candidate = loss + self.penalty.value(self.layout.candidate_norms())
        accept = candidate < current
        self.layout.adopt(accept)
        if accept:
            self.b, self.loss = b, loss
            return candidate
        return current


def certificate(layout, penalty, fit_intercept):
    """The scale-free optimality certificate of a layout's current point.

    The largest distance of minus the datafit gradient to the penalty's
    subdifferential over blocks (one product per kernel) and, with free
    intercepts, of their partial derivatives to zero, divided by the penalty
    level (at least ``1e-12``).
    """
    statistics, rsum = layout.statistics(range(layout.n_kernels))
    worst = float(np.abs(rsum).max()) if fit_intercept else 0.0
    for m, stats in enumerate(statistics):
        worst = max(worst, penalty.violation(m, *stats))
    return worst / max(penalty.level(layout.norms()), 1e-12)


def minimise(state, tol, max_iter, *, warm, anderson_depth, verbose, fit_intercept):
    """The sweeps of the block solver over an :class:`Iterate` ``state``.

    Returns the certificate, whether it is below ``tol`` and the sweeps made.
    """
    anderson = Anderson(anderson_depth) if anderson_depth > 0 else None
    all_blocks = np.arange(state.layout.n_kernels)
    working_set, full_sweep, target = all_blocks, True, tol
    if warm:
        # Warm start (a path): first re-solve the kernels already in the model.
        # A full sweep at once would let every kernel whose gradient lies
        # between the new and the previous penalty level in for a few sweeps.
        active = np.flatnonzero(state.kernel_norms() > 0)
        if active.size:
            working_set, full_sweep = active, False
    violation, converged, n_iter = np.inf, False, 0
    # the best violation of the working-set phase and of the full sweeps, and
    # the sweeps since each improved: a working-set phase whose violation
    # hovers above its target would never end, and full sweeps that no longer
    # lower the certificate would run to max_iter
    best_partial, stale_partial, best_full, stale_full = np.inf, 0, np.inf, 0
    stalled = False
    for n_iter in range(1, max_iter + 1):
        # Working sets: sweeps over the non-zero kernels until they are solved
        # to a fraction of the last full sweep's violation, then one full sweep
        # to let dropped kernels back in (skglm's strategy, over kernels).
        blocks = all_blocks if full_sweep else working_set
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
        if n_iter % _REFRESH == 0 or (n_iter == 1 and state.approximate):
            state.refresh()
        if verbose and n_iter % verbose == 0:
            print(f"[mtmk bcd] sweep {n_iter:4d} ({'all' if full_sweep else len(blocks)} "
                  f"kernels)  objective {current:.10g}  certificate {sweep_violation:.3e}")
        if full_sweep:
            if state.approximate and sweep_violation < _ROUNDING_MARGIN * state.rounding:
                # float32 products: their rounding would now steer the steps
                state.refine()
            if sweep_violation < tol:
                # The sweep's estimate mixes iterates; certify at the current point.
                violation = state.violation()
                if violation < tol:
                    converged = True
                    break
                if state.approximate:
                    state.refine()  # the rounded estimate was too optimistic
            best_full, stale_full = ((sweep_violation, 0) if sweep_violation < best_full
                                     else (best_full, stale_full + 1))
            if stale_full >= _STALL_FULL:
                stalled = True
                break
            working_set = np.flatnonzero(state.kernel_norms() > 0)
            target = max(tol, 0.3 * sweep_violation)
            full_sweep = working_set.size == 0
            best_partial, stale_partial = np.inf, 0
        else:
            best_partial, stale_partial = ((sweep_violation, 0) if sweep_violation < best_partial
                                           else (best_partial, stale_partial + 1))
            full_sweep = sweep_violation < target or stale_partial >= _STALL_PARTIAL
    if not converged:
        violation = state.violation()
        converged = violation < tol
    if not converged:
        why = (f"stopped after {n_iter} sweeps: its last {_STALL_FULL} full sweeps did not "
               "lower the certificate" if stalled else f"did not reach it in max_iter={max_iter} "
               "sweeps")
        warnings.warn(
            f"The block solver {why}: tol={tol:g}, the optimality certificate is "
            f"{violation:.3g} (relative to the penalty level). Loosen tol, increase max_iter "
            "or increase the penalty.", ConvergenceWarning)
    return violation, converged, n_iter


# Sweeps between recomputations of the kernel products from scratch.
_REFRESH = 50

# Working-set sweeps without a new best violation after which the solver
# sweeps all kernels (a chance to certify), and full sweeps without one after
# which it stops: the certificate no longer moves.
_STALL_PARTIAL = 10
_STALL_FULL = 500

# Approximate products are refined once a full sweep's violation is below
# this multiple of their measured rounding.
_ROUNDING_MARGIN = 10.0
