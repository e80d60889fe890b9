"""Datafits over task-wise decision values.

Every loss works on a decision matrix ``F`` of shape (n_samples, n_tasks), signs
``S`` in {-1, +1} of the same shape and weights ``W`` (already divided by each
task's total weight, so the datafit is ``sum(W * loss(S * F))``).
"""

import numpy as np
from scipy.special import expit


class Logistic:
    """The logistic loss ``log(1 + exp(-s f))`` of the MTMK objective."""

    #: upper bound of the second derivative in ``f``, used for safe step sizes
    curvature = 0.25

    @staticmethod
    def value(F, S, W):
        """Weighted loss ``sum_it W_it log(1 + exp(-S_it F_it))``."""
        return float(np.sum(W * np.logaddexp(0.0, -S * F)))

    @staticmethod
    def difference(F, D, S, W):
        """``value(F + D) - value(F)``, accurate even when it is tiny.

        Uses ``l(u + d) - l(u) = log1p(expm1(-s d) * sigmoid(-s u))`` term by
        term, so line searches can still compare steps once the loss itself no
        longer changes in its leading digits.
        """
        return float(np.sum(W * np.log1p(np.expm1(-S * D) * expit(-S * F))))

    @staticmethod
    def residual(F, S, W):
        """Derivative of the weighted loss in ``F`` (shape of ``F``)."""
        return -W * S * expit(-S * F)

    @staticmethod
    def hessian_diagonal(F, S, W):
        """Second derivative of the weighted loss in each ``F_it``."""
        p = expit(S * F)
        return W * p * (1.0 - p)
