"""Screening on a regularisation path: the kernels a fit at the next ``lam`` may leave out.

Along a decreasing path most kernels stay at zero from one value to the next,
yet every sweep of the block solver pays one product with each of them.
Before each new value ``lam`` two rules discard kernels, the fit runs on the
kept ones only, and the optimality of the discarded ones is checked on the
full problem afterwards:

- **Strong rule** (sequential, Tibshirani et al. 2012, "Strong rules for
  discarding predictors in lasso-type problems"): discard kernel m if the
  dual norm of its gradient block at the previous solution (found at
  ``lam_old``) is below ``2 lam - lam_old``.  A heuristic: a discarded kernel
  may turn out active, so the fit is checked and repeated with the violators.
- **Gap safe rule** (Ndiaye, Fercoq, Gramfort & Salmon 2015, "GAP safe
  screening rules for sparse multi-task and multi-class models"): from any
  point, a dual feasible point ``U`` and the duality gap enclose the dual
  optimum ``U*`` in a sphere; a kernel whose dual norm stays below ``lam``
  over the whole sphere is zero at the optimum, provably.

The dual.  With decision values ``F = sum_m K_m alpha_m + 1 b^T``, the datafit
``L(F) = sum_it W_it l(Y_it, F_it)`` and block penalties
``h_m = lam_m Omega(a_m) + lam_ridge ||a_m||^2`` (``lam_m = lam w_m``), every
``U`` of shape (n_samples, n_tasks) with zero column sums (when the intercepts
are free) gives the lower bound

    D(U) = -L*(U) - sum_m h_m*(g_m(U)),   g_mt(U) = sqrt(U_t^T K_m U_t),

where ``h_m*`` is ``(dist of g to the ball Omega* <= lam_m)^2 / (4 lam_ridge)``,
or the ball's indicator without a ridge.  At the optimum ``U* = grad L(F*)``,
and kernel m is zero iff ``Omega*(g_m(U*)) <= lam_m``.  A loss ``l`` whose
second derivative is at most ``c`` (``datafit.curvature``) has a conjugate
``l*`` that is ``1/c``-strongly convex, so ``L*`` is ``1/c``-strongly convex in
the norm ``||U||_W^2 = sum_it U_it^2 / W_it`` and

    ||U - U*||_W <= r = sqrt(2 c (P - D(U))).

Since ``g_mt(V) <= sqrt(Lambda_m max_i W_it) ||V_t||_W`` (``Lambda_m`` a bound
of the largest eigenvalue of ``K_m``), kernel m is zero at the optimum when

    Omega*(g_m(U)) + sqrt(Lambda_m max W) r < lam_m,

for the norms here (``Omega*`` the l2 or max norm over tasks, both at most the
l2 norm).  ``U`` is the gradient at the current point, its positive or
negative part shrunk so that every column sums to zero (which keeps each
entry inside the conjugate's domain) and the whole scaled by the ``s`` in
``[0, 1]`` that maximises ``D`` (without a ridge, at most the ``s`` that makes
it feasible).  The block norms of ``U`` are bounded from those of the gradient
by the same eigenvalue bound, so a screening costs no product beyond the
``K_m R`` of the certificate, computed once per path value for both.
"""

import numpy as np
from scipy.optimize import minimize_scalar

from ._contract import GAP_SAFE, satisfies
from ._operators import FactorStack, GramStack
from ._rows import _product, _t_product


class _GramSubset(GramStack):
    """Some kernels of a :class:`GramStack`, held as views of its matrices (no copy)."""

    @property
    def n_kernels(self):
        return len(self.K)

    @property
    def n_samples(self):
        return self.K[0].shape[0]

    def dense(self):
        return np.stack(self.K)


def restrict_operator(operator, kernels):
    """The operator of ``kernels`` only (indices, at least one), sharing the matrices.

    Parameters
    ----------
    operator : GramStack or FactorStack
        The training kernels.
    kernels : sequence of int
        The kernels to keep.

    Returns
    -------
    GramStack or FactorStack
    """
    if isinstance(operator, FactorStack):
        return FactorStack([operator.factors[m] for m in kernels])
    return _GramSubset([operator.K[m] for m in kernels])


def restrict_penalty(penalty, kernels):
    """The penalty of ``kernels`` only: its per-kernel weights, if any, restricted."""
    weights = getattr(penalty, "weights", None)
    if weights is None:
        return penalty
    other = penalty.with_lam(penalty.lam)
    other.weights = np.asarray(weights)[list(kernels)]
    return other


def _top_bounds(operator):
    """Upper bounds of each kernel's largest eigenvalue (guaranteed, unlike an estimate)."""
    if not isinstance(operator, FactorStack):
        return np.array([operator.top_eigenvalue(m) for m in range(operator.n_kernels)])
    bounds = []
    for Phi in operator.factors:
        n, r = Phi.shape
        if n * r * r <= 5e8:
            top = float(np.linalg.eigvalsh(_t_product(Phi, Phi.astype(np.float64)))[-1])
            bounds.append(top * (1 + 1e-9) + 1e-12 if r else 0.0)
        else:  # the trace: a loose but guaranteed bound
            bounds.append(float(np.einsum("ij,ij->", Phi, Phi, dtype=np.float64)))
    return np.array(bounds)


class PathPoint:
    """A point of the full problem and what screening and the certificate read from it.

    Parameters
    ----------
    operator : GramStack or FactorStack
        The training kernels.
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights.
    datafit : datafit object
        The loss.
    coef : ndarray, list or None
        Dual coefficients of shape (n_kernels, n_samples, n_tasks) (exact
        kernels), per-kernel primal coefficients of shape (r_m, n_tasks)
        (low-rank factors), or None for zero.
    intercept : ndarray of shape (n_tasks,)
        The intercepts.

    Attributes
    ----------
    loss : float
        The datafit at the point.
    gradient : ndarray of shape (n_samples, n_tasks)
        The datafit's gradient ``R`` in the decision values.
    g2, gv, v2 : ndarray of shape (n_kernels, n_tasks)
        Per kernel and task, ``||g||^2``, ``<g, v>`` and ``||v||^2`` in the
        kernel's metric (``g = K_m R`` the gradient block, ``v`` the block).
    """

    def __init__(self, operator, Y, W, datafit, coef, intercept):
        n_kernels, (n, n_tasks) = operator.n_kernels, Y.shape
        low_rank = isinstance(operator, FactorStack)
        blocks = [None] * n_kernels if coef is None else list(coef)
        active = [m for m in range(n_kernels) if blocks[m] is not None and np.any(blocks[m])]
        F = np.tile(np.asarray(intercept, dtype=float), (n, 1))
        products = {}
        for m in active:
            products[m] = (_product(operator.factors[m], blocks[m]) if low_rank
                           else operator.dot(m, blocks[m]))
            F += products[m]
        R = datafit.gradient(F, Y, W)
        self.loss = datafit.value(F, Y, W)
        self.gradient = R
        self.g2, self.gv, self.v2 = (np.zeros((n_kernels, n_tasks)) for _ in range(3))
        for m in range(n_kernels):
            if low_rank:  # statistics of the primal block v = Phi^T alpha
                G = _t_product(operator.factors[m], R)
                self.g2[m] = np.sum(G * G, axis=0)
                if m in products:
                    self.gv[m] = np.sum(G * blocks[m], axis=0)
                    self.v2[m] = np.sum(blocks[m] * blocks[m], axis=0)
            else:
                KR = operator.dot(m, R)
                self.g2[m] = np.sum(R * KR, axis=0)
                if m in products:
                    self.gv[m] = np.sum(KR * blocks[m], axis=0)
                    self.v2[m] = np.sum(blocks[m] * products[m], axis=0)
        self.g2 = np.maximum(self.g2, 0.0)
        self.v2 = np.maximum(self.v2, 0.0)

    @property
    def task_norms(self):
        return np.sqrt(self.v2)

    def objective(self, penalty):
        return self.loss + penalty.value(self.task_norms)

    def violations(self, penalty):
        """Each kernel's distance to optimality, relative to the penalty's level."""
        worst = np.array([penalty.violation(m, self.g2[m], self.gv[m], self.v2[m])
                          for m in range(self.g2.shape[0])])
        return worst / max(penalty.level(self.task_norms), 1e-12)

    def certificate(self, penalty, fit_intercept):
        """The scale-free certificate of the full problem (see :func:`~mtmk.solvers.solve_bcd`)."""
        worst = float(np.max(self.violations(penalty), initial=0.0))
        if fit_intercept:
            level = max(penalty.level(self.task_norms), 1e-12)
            worst = max(worst, float(np.abs(self.gradient.sum(axis=0)).max()) / level)
        return worst

    def dual_norms(self, penalty):
        """Per kernel, the dual norm of its gradient block (relative to the kernel's weight)."""
        G = np.sqrt(self.g2)
        return np.array([penalty.dual_norm(m, G[m]) for m in range(G.shape[0])])


class Screening:
    """The strong and gap safe rules for one problem along a path.

    Parameters
    ----------
    operator : GramStack or FactorStack
        The training kernels.
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights.
    datafit, penalty : objects
        The loss and the penalty (at any ``lam``: the rules take the level).
    fit_intercept : bool
        Whether the intercepts are free (the dual points then sum to zero).
    """

    def __init__(self, operator, Y, W, datafit, penalty, fit_intercept):
        self.operator, self.Y, self.W = operator, Y, W
        self.datafit, self.fit_intercept = datafit, fit_intercept
        self.safe_rule = satisfies(GAP_SAFE, datafit, penalty)
        if self.safe_rule:
            # sqrt(Lambda_m max W_t): block norm of a dual direction per unit of ||.||_W
            self.lift = np.sqrt(_top_bounds(operator)[:, None] * W.max(axis=0)[None, :])

    def point(self, coef, intercept):
        """The :class:`PathPoint` at ``coef`` and ``intercept``."""
        return PathPoint(self.operator, self.Y, self.W, self.datafit, coef, intercept)

    def discard(self, point, penalty, lam_old):
        """The kernels a fit at ``penalty.lam`` may leave out, starting from ``point``.

        Parameters
        ----------
        point : PathPoint
            The solution at the previous value ``lam_old``.
        penalty : penalty object
            The penalty at the new value.
        lam_old : float
            The previous value.

        Returns
        -------
        strong, safe : ndarray of bool of shape (n_kernels,)
            The kernels the strong rule discards, and those the gap safe rule
            proves zero at the new optimum.  Kernels non-zero at ``point`` are
            never discarded.
        """
        zero = point.v2.sum(axis=1) == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            strong = zero & (point.dual_norms(penalty) < 2.0 * penalty.lam - lam_old)
            safe = zero & self.safe(point, penalty)
        return strong, safe

    def safe(self, point, penalty):
        """The kernels that the gap safe sphere around ``point`` proves zero at ``penalty``."""
        n_kernels = point.g2.shape[0]
        if not self.safe_rule:
            return np.zeros(n_kernels, dtype=bool)
        U, distance = self._balanced(point.gradient)
        # block norms of U, bounded from those of the gradient: no new product
        bound = np.sqrt(point.g2) + self.lift * distance[None, :]
        dual = np.array([penalty.dual_norm(m, bound[m]) for m in range(n_kernels)])
        lam, ridge = penalty.lam, penalty.lam_ridge
        top = float(np.max(dual, initial=0.0))
        s_max = 1.0 if ridge > 0 or top <= lam else lam / top

        def dual_value(s):
            value = -self.datafit.conjugate(s * U, self.Y, self.W)
            if ridge > 0:
                value -= sum(penalty.conjugate(m, s * bound[m]) for m in range(n_kernels))
            return value

        # D along s is concave: the bounded search, or the end point if that is better
        candidates = [(dual_value(s_max), s_max)]
        if s_max > 0:
            inner = minimize_scalar(lambda s: -dual_value(s), bounds=(0.0, s_max),
                                    method="bounded", options={"xatol": 1e-8 * s_max})
            candidates.append((-float(inner.fun), float(inner.x)))
        best, s = max(candidates)
        if not np.isfinite(best):
            return np.zeros(n_kernels, dtype=bool)
        gap = max(point.objective(penalty) - best, 0.0)
        radius = np.sqrt(2.0 * self.datafit.curvature * gap)
        sphere = np.array([penalty.dual_norm(m, np.array([self.lift[m].max() * radius]))
                           for m in range(n_kernels)])
        return s * dual + sphere < lam

    def _balanced(self, R):
        """The gradient with zero column sums, and its distance to ``R`` in ``||.||_W``.

        The larger of each column's positive and negative parts is shrunk to
        the size of the other: every entry moves towards zero, so stays in the
        conjugate's domain.
        """
        if not self.fit_intercept:
            return R, np.zeros(R.shape[1])
        positive = np.sum(np.where(R > 0, R, 0.0), axis=0)
        negative = -np.sum(np.where(R < 0, R, 0.0), axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(positive > negative, negative / positive, 1.0)
            down = np.where(negative > positive, positive / negative, 1.0)
        U = np.where(R > 0, R * up, R * down)
        W = self.W
        change = np.divide((U - R) ** 2, W, out=np.zeros(R.shape), where=W > 0)
        return U, np.sqrt(change.sum(axis=0))
