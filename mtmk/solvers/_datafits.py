"""Datafits over task-wise decision values.

Every datafit here is a :class:`~mtmk.solvers.BaseDatafit`: a loss ``l(y, f)``
summed with weights over samples and tasks, ``sum_it W_it l(Y_it, F_it)``, with
the methods the solvers use (value, accurate differences, gradient, Hessian
diagonal, curvature bound, optimal intercepts without kernels, convex
conjugate for the dual points of screening, cvxpy form).

The block solvers ask many things at one point ``F`` (a block's gradient, its
line search, the intercepts' and the block scales' derivatives) and then move
to ``F + D`` for a ``D`` whose change they have just computed.  A
:class:`DatafitPoint` serves them: each quantity is computed at most once per
point, and a datafit may give its own (:meth:`Logistic.point`) that shares the
expensive per-entry terms between value, gradient, curvature and changes, and
moves to ``F + D`` from what the change computed.
"""

from numbers import Real

import numpy as np
from scipy.special import expit, xlogy

from ._contract import BaseDatafit

# Rounding slack at the edges of a conjugate's domain (dual points built from gradients).
_SLACK = 1e-9


def _ratio(U, W):
    """``U / W`` where ``W > 0`` and 0 elsewhere, or None if ``U`` is not 0 where ``W`` is
    (outside every conjugate's domain)."""
    U, W = np.asarray(U, dtype=float), np.asarray(W, dtype=float)
    if np.any((W <= 0) & (U != 0)):
        return None
    return np.divide(U, W, out=np.zeros(U.shape), where=W > 0)


def column_sums(A):
    """``A.sum(axis=0)`` of an (n_samples, n_tasks) array, the same sums faster.

    NumPy reduces the first axis of a C-ordered array with a few columns a
    few entries at a time, several times slower than ``einsum``; both add
    the rows in order.  One column is a contiguous sum (pairwise, as before).
    """
    return A.sum(axis=0) if A.shape[1] == 1 else np.einsum("it->t", A)


def column_dots(A, B):
    """``(A * B).sum(axis=0)``, as :func:`column_sums`."""
    return (A * B).sum(axis=0) if A.shape[1] == 1 else np.einsum("it,it->t", A, B)


class DatafitPoint:
    """A datafit at decision values ``F``; each quantity computed once, when first asked.

    Parameters
    ----------
    datafit : datafit object
        Any datafit with ``value``, ``difference``, ``gradient`` and
        ``hessian_diagonal``.
    F, Y, W : ndarray of shape (n_samples, n_tasks)
        Decision values, targets and weights.
    """

    def __init__(self, datafit, F, Y, W):
        self.datafit, self.F, self.Y, self.W = datafit, F, Y, W
        self._gradient = self._hessian = None

    def value(self):
        """The datafit at ``F``."""
        return self.datafit.value(self.F, self.Y, self.W)

    @property
    def gradient(self):
        """The datafit's derivative in ``F``."""
        if self._gradient is None:
            self._gradient = self.datafit.gradient(self.F, self.Y, self.W)
        return self._gradient

    @property
    def hessian_diagonal(self):
        """The datafit's second derivative in each ``F_it``."""
        if self._hessian is None:
            self._hessian = self.datafit.hessian_diagonal(self.F, self.Y, self.W)
        return self._hessian

    def difference(self, D):
        """Each task's change of the datafit from ``F`` to ``F + D``, term by term."""
        return self.datafit.difference(self.F, D, self.Y, self.W)

    def moved(self, D, F_new):
        """The datafit at ``F_new = F + D``, ``D`` the last :meth:`difference`'s or not."""
        return type(self)(self.datafit, F_new, self.Y, self.W)


def datafit_point(datafit, F, Y, W):
    """The datafit at ``F``: its own :class:`DatafitPoint` if it has one (``point``).

    Parameters
    ----------
    datafit : datafit object
    F, Y, W : ndarray of shape (n_samples, n_tasks)
        Decision values, targets and weights.

    Returns
    -------
    DatafitPoint
    """
    own = getattr(datafit, "point", None)
    return own(F, Y, W) if own is not None else DatafitPoint(datafit, F, Y, W)


class _LogisticPoint(DatafitPoint):
    """The logistic loss at ``F`` through ``sigma = expit(-Y F)`` and ``rho = expit(Y F)``.

    Both come from one exponential per entry, each accurate (no ``1 - p``),
    and give the gradient ``-W Y sigma`` and the curvature ``W sigma rho``.  A
    change to ``F + D`` costs ``expm1`` and ``log1p`` per entry; moving there
    after it costs a division: with ``E = exp(-Y D)``, ``q = rho + sigma E``,
    the new point has ``sigma E / q`` and ``rho / q``.
    """

    def __init__(self, datafit, F, Y, W, sigma=None, rho=None):
        super().__init__(datafit, F, Y, W)
        self._sigma, self._rho = sigma, rho
        self._last = None  # (D, E, q) of the last difference

    def _margins(self):
        if self._sigma is None:
            u = self.Y * self.F
            z = np.exp(-np.abs(u))
            big = 1.0 / (1.0 + z)
            small = z * big
            positive = u >= 0
            self._sigma = np.where(positive, small, big)
            self._rho = np.where(positive, big, small)
        return self._sigma, self._rho

    @property
    def gradient(self):
        if self._gradient is None:
            self._gradient = -self.W * self.Y * self._margins()[0]
        return self._gradient

    @property
    def hessian_diagonal(self):
        if self._hessian is None:
            sigma, rho = self._margins()
            self._hessian = self.W * sigma * rho
        return self._hessian

    def difference(self, D):
        # l(u + d) - l(u) = log(1 + sigma expm1(-d)) with d = y D; where the
        # argument is near 0 (a long step that fits a badly fitted sample),
        # log(rho + sigma exp(-d)) instead, which has no cancellation.  A step
        # so long that expm1 overflows is an infinite increase.
        sigma, rho = self._margins()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            d = self.Y * D
            e = np.expm1(-d)
            t = sigma * e
            terms = np.log1p(t)
            E = e + 1.0
            far = e < -0.5
            if far.any():
                E[far] = np.exp(-d[far])
                terms[far] = np.log(rho[far] + sigma[far] * E[far])
            q = rho + sigma * E
            terms *= self.W
            change = column_sums(terms)
            if not np.all(np.isfinite(change)):  # an overflow where a weight is 0 counts 0
                change = column_sums(np.where(self.W > 0, terms, 0.0))
        self._last = (D, E, q)
        return change

    def moved(self, D, F_new):
        if self._last is None or self._last[0] is not D:
            return type(self)(self.datafit, F_new, self.Y, self.W)
        _, E, q = self._last
        sigma, rho = self._margins()
        return type(self)(self.datafit, F_new, self.Y, self.W, sigma * E / q, rho / q)


class Logistic(BaseDatafit):
    """Logistic loss ``log(1 + exp(-y f))`` of labels ``y`` in {-1, +1}."""

    curvature = 0.25
    classification = True

    def value(self, F, Y, W):
        return float(np.sum(W * np.logaddexp(0.0, -Y * F)))

    def difference(self, F, D, Y, W):
        # l(u + d) - l(u) = log1p(expm1(-y d) * sigmoid(-y u)), term by term;
        # a trial step so long that expm1 overflows is an infinite increase.
        with np.errstate(over="ignore", invalid="ignore"):
            terms = W * np.log1p(np.expm1(-Y * D) * expit(-Y * F))
        return np.sum(np.where(W > 0, terms, 0.0), axis=0)

    def gradient(self, F, Y, W):
        return -W * Y * expit(-Y * F)

    def hessian_diagonal(self, F, Y, W):
        p = expit(Y * F)
        return W * p * (1.0 - p)

    def point(self, F, Y, W):
        """The loss at ``F`` for the block solvers: one exponential per entry serves
        its gradient, curvature and changes (:class:`DatafitPoint`)."""
        return _LogisticPoint(self, F, Y, W)

    def initial_intercept(self, Y, W):
        positive = np.sum(W * (Y > 0), axis=0) / np.maximum(W.sum(axis=0), 1e-300)
        positive = np.clip(positive, 1e-12, 1 - 1e-12)
        return np.log(positive / (1.0 - positive))

    def conjugate(self, U, Y, W):
        # l*(y, u) = p log p + (1 - p) log(1 - p) for p = -y u in [0, 1]
        v = _ratio(U, W)
        if v is None:
            return np.inf
        p = -Y * v
        if np.any((p < -_SLACK) | (p > 1 + _SLACK)):
            return np.inf
        p = np.clip(p, 0.0, 1.0)
        return float(np.sum(W * (xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))))

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        return cp.sum(cp.multiply(W, cp.logistic(-cp.multiply(Y, F))))


class SquaredHinge(BaseDatafit):
    """Squared hinge loss ``max(0, 1 - y f)^2`` of labels ``y`` in {-1, +1}."""

    curvature = 2.0
    classification = True

    def value(self, F, Y, W):
        return float(np.sum(W * np.maximum(1.0 - Y * F, 0.0) ** 2))

    def difference(self, F, D, Y, W):
        # Each term's change written as a difference of margins, which stays
        # accurate for tiny D: (a'^2 - a^2) = (a' - a)(a' + a).
        a = np.maximum(1.0 - Y * F, 0.0)
        a_new = np.maximum(1.0 - Y * (F + D), 0.0)
        return np.sum(W * (a_new - a) * (a_new + a), axis=0)

    def gradient(self, F, Y, W):
        return -2.0 * W * Y * np.maximum(1.0 - Y * F, 0.0)

    def hessian_diagonal(self, F, Y, W):
        return 2.0 * W * (Y * F < 1.0)

    def initial_intercept(self, Y, W):
        # With |b| <= 1 every margin is active: the minimiser of
        # P (1 - b)^2 + N (1 + b)^2 is (P - N) / (P + N).
        positive = np.sum(W * (Y > 0), axis=0)
        negative = np.sum(W * (Y < 0), axis=0)
        return (positive - negative) / np.maximum(positive + negative, 1e-300)

    def conjugate(self, U, Y, W):
        # l*(y, u) = v + v^2 / 4 for v = y u <= 0
        v = _ratio(U, W)
        if v is None:
            return np.inf
        v = Y * v
        if np.any(v > _SLACK):
            return np.inf
        v = np.minimum(v, 0.0)
        return float(np.sum(W * (v + 0.25 * v * v)))

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        # a sum of squares keeps the problem a QP (Clarabel fails on the cone form)
        return cp.sum_squares(cp.multiply(np.sqrt(W), cp.pos(1 - cp.multiply(Y, F))))


class Quadratic(BaseDatafit):
    """Least squares ``(y - f)^2 / 2`` of real targets ``y``."""

    curvature = 1.0
    classification = False

    def value(self, F, Y, W):
        return float(0.5 * np.sum(W * (Y - F) ** 2))

    def difference(self, F, D, Y, W):
        return np.sum(W * D * (F - Y + 0.5 * D), axis=0)

    def gradient(self, F, Y, W):
        return W * (F - Y)

    def hessian_diagonal(self, F, Y, W):
        return np.array(W, dtype=float, copy=True)

    def initial_intercept(self, Y, W):
        return np.sum(W * Y, axis=0) / np.maximum(W.sum(axis=0), 1e-300)

    def conjugate(self, U, Y, W):
        # l*(y, u) = u^2 / 2 + y u
        v = _ratio(U, W)
        if v is None:
            return np.inf
        return float(np.sum(W * (0.5 * v * v + Y * v)))

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        return 0.5 * cp.sum_squares(cp.multiply(np.sqrt(W), Y - F))


class Huber(BaseDatafit):
    """Huber loss of the residual ``r = y - f``: robust regression of real targets ``y``.

    ``l(r) = r^2 / 2`` for ``|r| <= epsilon``, ``epsilon |r| - epsilon^2 / 2``
    beyond: least squares for small residuals, the absolute error (whose
    minimiser is a median, not a mean) for large ones, so a few gross outliers
    pull the fit by at most ``epsilon`` each.

    Parameters
    ----------
    epsilon : float, default=1.35
        The residual size beyond which the loss grows linearly, in the units of
        the targets (scikit-learn's :class:`~sklearn.linear_model.HuberRegressor`
        names it the same but measures it in units of a scale it estimates:
        1.35 means the same here for targets of unit noise level).  Positive
        and finite.
    """

    curvature = 1.0
    classification = False

    def __init__(self, epsilon=1.35):
        if (isinstance(epsilon, bool) or not isinstance(epsilon, Real)
                or not (np.isfinite(epsilon) and epsilon > 0)):
            raise ValueError(
                "Huber's epsilon (the residual size, in target units, beyond which the loss "
                f"grows linearly) must be a positive finite number; got {epsilon!r}.")
        self.epsilon = float(epsilon)

    def __repr__(self):
        return f"Huber(epsilon={self.epsilon!r})"

    def __eq__(self, other):
        return type(self) is type(other) and self.epsilon == other.epsilon

    def __hash__(self):
        return hash((type(self), self.epsilon))

    def _clip(self, R):
        return np.clip(R, -self.epsilon, self.epsilon)

    def value(self, F, Y, W):
        # l(r) = c (r - c / 2) with c the residual clipped to [-epsilon, epsilon]
        R = Y - F
        C = self._clip(R)
        return float(np.sum(W * C * (R - 0.5 * C)))

    def difference(self, F, D, Y, W):
        # l(r') - l(r) = c (r' - r) + (c' - c) (r' - (c' + c) / 2) with r' = r - D:
        # the first term is exact, the second a product of small factors near
        # a kink and D^2 / 2 where both residuals are inside.
        R = Y - F
        R_new = R - D
        C, C_new = self._clip(R), self._clip(R_new)
        terms = W * (-C * D + (C_new - C) * (R_new - 0.5 * (C_new + C)))
        return np.sum(terms, axis=0)

    def gradient(self, F, Y, W):
        return -W * self._clip(Y - F)

    def hessian_diagonal(self, F, Y, W):
        return W * (np.abs(Y - F) <= self.epsilon)

    def initial_intercept(self, Y, W):
        # The datafit of an intercept b alone, sum_i W_i l(y_i - b), is convex
        # with the piecewise-linear derivative g(b) = sum_i W_i (b - y_i) over
        # the samples with |y_i - b| <= epsilon, + epsilon W_i below, - epsilon
        # W_i above; its kinks are y_i -+ epsilon.  Sweep the sorted kinks of
        # every task at once, find the first where g >= 0 and solve the linear
        # piece before it; a Newton step on the exact g removes the rounding
        # of the running sums.
        Y, W = np.asarray(Y, dtype=float), np.asarray(W, dtype=float)
        eps, n = self.epsilon, Y.shape[0]
        kinks = np.concatenate([Y - eps, Y + eps])
        order = np.argsort(kinks, axis=0, kind="stable")
        at = np.take_along_axis(kinks, order, axis=0)
        enters = order < n          # at y - eps a sample enters the quadratic part
        w = np.take_along_axis(np.concatenate([W, W]), order, axis=0)
        wy = np.take_along_axis(np.concatenate([W * Y, W * Y]), order, axis=0)
        total = W.sum(axis=0)
        inside_in = np.cumsum(np.where(enters, w, 0.0), axis=0)
        below = np.cumsum(np.where(enters, 0.0, w), axis=0)
        inside = inside_in - below
        inside_wy = np.cumsum(np.where(enters, wy, -wy), axis=0)
        offset = eps * ((total - inside_in) - below)   # epsilon (W above - W below)
        g = at * inside - inside_wy - offset
        k = np.argmax(g >= 0, axis=0)
        columns = np.arange(Y.shape[1])
        prev = np.maximum(k - 1, 0)
        w_in = inside[prev, columns]
        solvable = (k > 0) & (w_in > 0)
        b = np.where(solvable, (inside_wy[prev, columns] + offset[prev, columns])
                     / np.where(solvable, w_in, 1.0), at[k, columns])
        # one Newton step on the exact derivative, kept where it helps
        g_b = self.gradient(b, Y, W).sum(axis=0)
        h_b = self.hessian_diagonal(b, Y, W).sum(axis=0)
        polished = b - g_b / np.where(h_b > 0, h_b, 1.0)
        better = (h_b > 0) & (np.abs(self.gradient(polished, Y, W).sum(axis=0)) <= np.abs(g_b))
        return np.where(total > 0, np.where(better, polished, b), 0.0)

    def conjugate(self, U, Y, W):
        # l*(y, u) = u^2 / 2 + y u for |u| <= epsilon
        v = _ratio(U, W)
        if v is None:
            return np.inf
        if np.any(np.abs(v) > self.epsilon * (1 + _SLACK)):
            return np.inf
        v = np.clip(v, -self.epsilon, self.epsilon)
        return float(np.sum(W * (0.5 * v * v + Y * v)))

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        # cvxpy's huber(x, M) is x^2 inside and 2 M |x| - M^2 outside: twice l
        return 0.5 * cp.sum(cp.multiply(W, cp.huber(Y - F, self.epsilon)))
