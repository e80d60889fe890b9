"""The lp-lq multi-task MKL solver: MTMK as its p = 1, q = 2 case, cvxpy, p < 1."""

import numpy as np
import pytest
from shared import small_kernels
from sklearn.exceptions import ConvergenceWarning

from mtmk.solvers import (
    GramStack,
    GroupPenalty,
    Logistic,
    LpLqPenalty,
    optimality_violation,
    solve_bcd,
    solve_cvxpy,
    solve_lplq,
)

LOGISTIC = Logistic()


def problem(seed, n=36, n_tasks=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    signals = np.column_stack([X[:, 0], X[:, 0] * X[:, 1], X[:, 0] - X[:, 2]])[:, :n_tasks]
    S = np.where(signals + 0.3 * rng.normal(size=(n, n_tasks)) > 0, 1.0, -1.0)
    W = rng.uniform(0.5, 2.0, size=(n, n_tasks))
    W[:2, 0] = 0.0  # a missing label
    W /= W.sum(axis=0)
    K = small_kernels().fit(X).gram()
    return GramStack(K), S, W


@pytest.mark.parametrize("seed,lam", [(0, 0.02), (1, 0.05)])
def test_p1_q2_is_mtmk(seed, lam):
    """Same loss (logistic), same penalty: the MTMK optimum of solve_bcd."""
    gram, S, W = problem(seed)
    mtmk = solve_bcd(gram, S, W, LOGISTIC, GroupPenalty(lam), tol=1e-9, max_iter=20000)
    r = solve_lplq(gram, S, W, LOGISTIC, LpLqPenalty(lam, p=1.0, q=2.0), tol=1e-7)
    assert r.converged
    assert abs(r.objective - mtmk.objective) <= 1e-7 * abs(mtmk.objective)
    np.testing.assert_allclose(r.block_norms / r.block_norms.sum(),
                               mtmk.block_norms / mtmk.block_norms.sum(), atol=1e-5)
    # Zero kernels are exactly zero in both.
    np.testing.assert_array_equal(r.block_norms == 0, mtmk.block_norms == 0)
    np.testing.assert_allclose(r.intercept, mtmk.intercept, atol=1e-5)
    # The lp-lq certificate at q = 2 is MTMK's certificate (compared away from
    # the optimum, where it is not rounding noise).
    for alpha, b in ((0.6 * r.alpha, r.intercept + 0.1), (1.3 * mtmk.alpha, mtmk.intercept)):
        np.testing.assert_allclose(
            optimality_violation(gram, alpha, b, S, W, LOGISTIC, LpLqPenalty(lam, q=2.0)),
            optimality_violation(gram, alpha, b, S, W, LOGISTIC, GroupPenalty(lam)),
            rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("q", [1.0, 1.5])
def test_p1_matches_cvxpy(q):
    gram, S, W = problem(2)
    penalty = LpLqPenalty(0.03, p=1.0, q=q)
    r = solve_lplq(gram, S, W, LOGISTIC, penalty, tol=1e-7)
    ref = solve_cvxpy(gram, S, W, LOGISTIC, penalty)
    assert r.converged
    assert abs(r.objective - ref.objective) <= 1e-5 * abs(ref.objective)
    np.testing.assert_allclose(r.block_norms, ref.block_norms, atol=1e-3 * ref.block_norms.max())


def test_p_below_one_is_sparser_and_decreases_its_objective():
    gram, S, W = problem(0)
    lam = 0.03
    convex = solve_lplq(gram, S, W, LOGISTIC, LpLqPenalty(lam, p=1.0, q=2.0), tol=1e-7)
    sparse = LpLqPenalty(lam, p=0.5, q=2.0)
    r = solve_lplq(gram, S, W, LOGISTIC, sparse, tol=1e-7)
    assert r.converged
    assert np.count_nonzero(r.block_norms) <= np.count_nonzero(convex.block_norms)
    # Reweighted l1-lq starts at the p = 1 solution and is a majorise-minimise
    # scheme: the p = 0.5 objective can only go down from there.
    KA = np.matmul(gram.K, convex.alpha)
    start = LOGISTIC.value(KA.sum(0) + convex.intercept, S, W) + sparse.value(convex.task_norms)
    assert r.objective <= start + 1e-10


def test_bad_parameters_and_early_stop():
    gram, S, W = problem(0, n=20, n_tasks=2)
    for kw, match in (({"p": 0.0}, "p must"), ({"p": 1.5}, "p must"), ({"q": 3.0}, "q must"),
                      ({"lam": 0.0}, "lam must")):
        with pytest.raises(ValueError, match=match):
            LpLqPenalty(**{"lam": 0.01, **kw})
    with pytest.warns(ConvergenceWarning, match="optimality certificate of"):
        solve_lplq(gram, S, W, LOGISTIC, LpLqPenalty(0.01), tol=1e-12, max_iter=2)


# ------------------------------------------------------------ the estimator option
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from mtmk import MTMKClassifier  # noqa: E402

SMALL = small_kernels()


def test_estimator_lplq_p1_q2_equals_group_penalty():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)[::2]
    y = y[::2]
    group = MTMKClassifier(kernels=SMALL, lam_group=0.02, tol=1e-8, max_iter=50000).fit(X, y)
    lplq = MTMKClassifier(kernels=SMALL, lam_group=0.02, tol=1e-7, penalty="lplq").fit(X, y)
    assert abs(lplq.objective_ - group.objective_) <= 1e-6 * group.objective_
    np.testing.assert_allclose(lplq.kernel_weights_, group.kernel_weights_, atol=1e-5)
    np.testing.assert_allclose(lplq.decision_function(X), group.decision_function(X), atol=1e-4)
    with pytest.raises(ValueError, match="lam_ridge = 0"):
        MTMKClassifier(kernels=SMALL, penalty="lplq", lam_ridge=0.1).fit(X, y)
