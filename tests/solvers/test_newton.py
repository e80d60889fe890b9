"""Newton steps on the kernel weights: against the cvxpy reference, and in few steps."""

import numpy as np
import pytest
from reference_problems import PENALTIES, targets

from mtmk import KernelDictionary
from mtmk.solvers import (
    GramStack,
    GroupPenalty,
    Logistic,
    Quadratic,
    SquaredHinge,
    solve_bcd,
    solve_cvxpy,
)
from mtmk.solvers._newton import solve_newton


@pytest.mark.parametrize("intercept_and_mask", [(True, True), (False, False)],
                         ids=["intercept-mask", "plain"])
@pytest.mark.parametrize("penalty", ["group L1", "group mix", "group L2", "task"])
@pytest.mark.parametrize("datafit", [Logistic(), SquaredHinge(), Quadratic()], ids=repr)
@pytest.mark.parametrize("kind", ["exact", "nystroem"])
@pytest.mark.slow
def test_newton_matches_cvxpy(kind, datafit, penalty, intercept_and_mask, reference_operators):
    fit_intercept, masked = intercept_and_mask
    X, ops = reference_operators
    operator, pen = ops[kind], PENALTIES[penalty]
    data = targets(X, datafit, 0, masked)
    args = (operator, data.values, data.weights, datafit, pen)
    native = solve_newton(*args, fit_intercept=fit_intercept, tol=5e-7)
    ref = solve_cvxpy(*args, fit_intercept=fit_intercept)
    assert native.converged
    assert abs(native.objective - ref.objective) / abs(ref.objective) < 1e-7
    assert native.objective <= ref.objective * (1 + 1e-9)


def correlated_regression(n=300, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] ** 2])
    Y += 0.1 * rng.normal(size=Y.shape)
    # seven overlapping RBF widths, linear and two polynomials: strongly correlated kernels
    return GramStack(KernelDictionary().fit(X).gram()), Y, np.full(Y.shape, 1.0 / n)


def test_newton_moves_correlated_kernels_together():
    operator, Y, W = correlated_regression()
    pen = GroupPenalty(1e-3)
    newton = solve_newton(operator, Y, W, Quadratic(), pen, tol=1e-7)
    assert newton.converged and newton.n_iter <= 30
    # the block solver needs far more sweeps
    with pytest.warns(Warning):
        block = solve_bcd(operator, Y, W, Quadratic(), pen, tol=1e-7, max_iter=300)
    assert not block.converged
    assert newton.objective <= block.objective


def test_newton_warm_start_keeps_the_solution():
    operator, Y, W = correlated_regression(n=120)
    pen = GroupPenalty(1e-3)
    cold = solve_newton(operator, Y, W, Quadratic(), pen, tol=1e-8)
    warm = solve_newton(operator, Y, W, Quadratic(), pen, tol=1e-6, alpha0=cold.alpha,
                        intercept0=cold.intercept)
    assert warm.n_iter == 0
    assert np.isclose(warm.objective, cold.objective, rtol=1e-10)


def test_newton_takes_no_full_step_on_trust_that_raises_the_objective():
    # iris petal width from the other three measurements, three RBF widths: a
    # projected Newton step on the nearly singular Hessian of correlated kernels
    # points uphill; taken on trust it sent the kernel weights to 1e11
    from sklearn.datasets import load_iris

    from mtmk.solvers import lam_max

    X = load_iris().data
    operator = GramStack(KernelDictionary(rbf=3).fit(X[:, :3]).gram())
    Y, W = X[:, 3:], np.full((150, 1), 1 / 150)
    pen = GroupPenalty(0.1 * lam_max(operator, Y, W, Quadratic(), GroupPenalty(1.0)))
    newton = solve_newton(operator, Y, W, Quadratic(), pen, tol=1e-6)
    blocks = solve_bcd(operator, Y, W, Quadratic(), pen, tol=1e-6)
    assert newton.converged and newton.n_iter <= 30
    assert newton.objective == pytest.approx(blocks.objective, rel=1e-7)
