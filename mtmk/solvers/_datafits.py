"""Datafits over task-wise decision values.

A datafit works on a decision matrix ``F`` of shape (n_samples, n_tasks), the
targets ``Y`` of the same shape and weights ``W`` (each column already divided
by the task's total weight, so the datafit is ``sum_it W_it l(Y_it, F_it)``; a
weight of 0 marks a label the task does not observe).  Classification datafits
take ``Y`` as signs in {-1, +1}, regression datafits real values.

What a solver asks of a datafit:

- ``value(F, Y, W)``, and ``difference(F, D, Y, W)``: the change of each
  task's datafit from ``F`` to ``F + D`` (shape (n_tasks,)), computed
  accurately even when it is tiny (line searches near the optimum);
- ``gradient(F, Y, W)``: the derivative in ``F``;
- ``hessian_diagonal(F, Y, W)``: the (generalised) second derivative in each
  ``F_it``, used for curvature-aware step sizes and intercept Newton steps;
- ``curvature``: an upper bound of the second derivative of ``l`` (safe steps);
- ``initial_intercept(Y, W)``: the intercepts that minimise the datafit when
  every kernel block is zero;
- ``cvxpy(F, Y, W)``: the same datafit as a cvxpy expression (references).
"""

import numpy as np
from scipy.special import expit


class _Datafit:
    """Shared defaults; subclasses define the loss."""

    #: upper bound of the loss's second derivative in ``f``
    curvature = 1.0
    #: whether ``Y`` holds signs (classification) or values (regression)
    classification = True

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class Logistic(_Datafit):
    """Logistic loss ``log(1 + exp(-y f))`` of labels ``y`` in {-1, +1}."""

    curvature = 0.25

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

    def initial_intercept(self, Y, W):
        positive = np.sum(W * (Y > 0), axis=0) / np.maximum(W.sum(axis=0), 1e-300)
        positive = np.clip(positive, 1e-12, 1 - 1e-12)
        return np.log(positive / (1.0 - positive))

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        return cp.sum(cp.multiply(W, cp.logistic(-cp.multiply(Y, F))))


class SquaredHinge(_Datafit):
    """Squared hinge loss ``max(0, 1 - y f)^2`` of labels ``y`` in {-1, +1}."""

    curvature = 2.0

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

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        # a sum of squares keeps the problem a QP (Clarabel fails on the cone form)
        return cp.sum_squares(cp.multiply(np.sqrt(W), cp.pos(1 - cp.multiply(Y, F))))


class Quadratic(_Datafit):
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

    def cvxpy(self, F, Y, W):
        import cvxpy as cp

        return 0.5 * cp.sum_squares(cp.multiply(np.sqrt(W), Y - F))
