"""lam_max is exactly 0 when every kernel is constant (no rounding-level grid)."""

import numpy as np
import pytest

from mtmk.solvers import FactorStack, GramStack, GroupPenalty, Logistic, Quadratic, lam_max

rng = np.random.default_rng(1)
N = 50
Y_CLASSES = rng.integers(0, 3, N)
SIGNS = np.where(Y_CLASSES[:, None] == np.arange(3)[None, :], 1.0, -1.0)
W = np.full((N, 3), 1.0 / N)
CONSTANT = GramStack(np.stack([np.full((N, N), c) for c in (1.0, 0.3, 7.0)]))
CONSTANT_FACTORS = FactorStack([np.full((N, 1), np.sqrt(c)) for c in (1.0, 0.3, 7.0)])


@pytest.mark.parametrize("operator", [CONSTANT, CONSTANT_FACTORS], ids=["gram", "factors"])
@pytest.mark.parametrize("datafit,Y", [(Logistic(), SIGNS), (Quadratic(), rng.normal(size=(N, 3)))],
                         ids=["logistic", "quadratic"])
def test_constant_kernels_give_lam_max_zero(operator, datafit, Y):
    assert lam_max(operator, Y, W, datafit, GroupPenalty(1.0)) == 0.0


def test_without_intercept_a_constant_kernel_has_a_gradient():
    # The constant kernel then plays the intercept: its gradient is real, not rounding.
    assert lam_max(CONSTANT, SIGNS, W, Logistic(), GroupPenalty(1.0), fit_intercept=False) > 0.01


def test_a_tiny_real_signal_is_kept():
    X = rng.normal(size=(N, 2))
    K = GramStack(np.stack([np.ones((N, N)) + 1e-6 * X @ X.T]))
    assert lam_max(K, SIGNS, W, Logistic(), GroupPenalty(1.0)) > 0
