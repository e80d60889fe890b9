"""lam_max is exactly 0 when every kernel or the target is constant (no rounding-level grid)."""

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


@pytest.mark.parametrize("value", [3.0, -2.5, 1e6 + 0.1])
def test_constant_targets_give_lam_max_zero(value):
    X = rng.normal(size=(N, 2))
    K = GramStack(np.stack([np.exp(-((X[:, None] - X[None]) ** 2).sum(-1)), X @ X.T]))
    Y = np.full((N, 1), value)
    assert lam_max(K, Y, W[:, :1], Quadratic(), GroupPenalty(1.0)) == 0.0


def test_a_small_signal_on_a_large_offset_is_kept():
    # Targets 1e6 + 1e-3 z carry seven significant digits of signal.
    X = rng.normal(size=(N, 2))
    K = GramStack(np.stack([X @ X.T]))
    Y = 1e6 + 1e-3 * X[:, :1]
    top = lam_max(K, Y, W[:, :1], Quadratic(), GroupPenalty(1.0))
    exact = lam_max(K, Y - 1e6, W[:, :1], Quadratic(), GroupPenalty(1.0))
    assert top == pytest.approx(exact, rel=1e-6)
