"""The fast block solver against the cvxpy reference, and its certificate."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mtmk import KernelDictionary
from mtmk._targets import encode_tasks
from mtmk.kernels import FactorStack, GramStack
from mtmk.solvers import lam_max, optimality_violation, solve_bcd, solve_cvxpy


def problem(seed, n=36, n_tasks=3, noise_kernel=False):
    """Multilabel data whose labels depend on the first two covariates only."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    logits = np.column_stack([X[:, 0] + 0.5 * t * X[:, 1] for t in range(n_tasks)])
    Y = (logits + 0.5 * rng.normal(size=logits.shape) > 0).astype(int)
    kd = KernelDictionary(rbf=[0.3], polynomial=(2,), linear=False,
                          per_feature="linear", feature_groups=[[0, 1], [2, 3]]).fit(X)
    K = kd.gram()
    if noise_kernel:
        # A kernel on pure noise: nothing in Y is explained by it.
        Z = rng.normal(size=(n, 3))
        K = np.concatenate([K, (Z @ Z.T / 3)[None]])
    tasks = encode_tasks(Y)
    return GramStack(K), tasks.signs, tasks.weights


CASES = [
    # (seed, lam_group, lam_ridge, fit_intercept)
    (0, 0.02, 0.0, True),      # L1 variant
    (1, 0.01, 0.01, True),     # mix
    (2, 0.0, 0.05, True),      # L2 variant: lam_group = 0
    (3, 0.03, 0.0, False),     # no intercept
]


@pytest.mark.parametrize("seed, lam_group, lam_ridge, fit_intercept", CASES)
def test_fast_solver_matches_cvxpy(seed, lam_group, lam_ridge, fit_intercept):
    gram, S, W = problem(seed)
    fast = solve_bcd(gram, S, W, lam_group, lam_ridge, fit_intercept, tol=1e-9,
                     max_iter=50_000)
    ref = solve_cvxpy(gram, S, W, lam_group, lam_ridge, fit_intercept)
    assert fast.converged
    assert abs(fast.objective - ref.objective) / abs(ref.objective) < 1e-5
    # the fast solver is never worse than the reference beyond rounding
    assert fast.objective <= ref.objective * (1 + 1e-7)


def test_irrelevant_kernel_drops_out_exactly():
    gram, S, W = problem(4, noise_kernel=True)
    lam = 0.5 * lam_max(gram, S, W)
    fast = solve_bcd(gram, S, W, lam, 0.0, tol=1e-9, max_iter=50_000)
    ref = solve_cvxpy(gram, S, W, lam, 0.0)
    assert abs(fast.objective - ref.objective) / ref.objective < 1e-5
    assert fast.block_norms[-1] == 0.0          # exactly zero, not small
    assert ref.block_norms[-1] < 1e-5           # the reference agrees (to its accuracy)
    assert np.all(fast.block_norms[:-1][ref.block_norms[:-1] > 1e-3] > 0)


@pytest.mark.parametrize("tol", [1e-3, 1e-6])
def test_certificate_holds_at_the_returned_solution(tol):
    gram, S, W = problem(5)
    result = solve_bcd(gram, S, W, 0.01, 0.001, tol=tol)
    assert result.converged and result.violation < tol
    recomputed = optimality_violation(gram, result.alpha, result.intercept, S, W, 0.01, 0.001)
    assert recomputed == pytest.approx(result.violation, rel=1e-2, abs=1e-9)
    assert recomputed < tol


def test_certificate_detects_a_suboptimal_point():
    gram, S, W = problem(5)
    result = solve_bcd(gram, S, W, 0.01, 0.0, tol=1e-8)
    perturbed = result.alpha * 1.2
    assert optimality_violation(gram, perturbed, result.intercept, S, W, 0.01, 0.0) > 1e-4


def test_lam_max_zeroes_every_kernel_and_nothing_below_it():
    gram, S, W = problem(6)
    top = lam_max(gram, S, W)
    above = solve_bcd(gram, S, W, 1.001 * top, 0.0, tol=1e-8)
    assert np.all(above.block_norms == 0)
    below = solve_bcd(gram, S, W, 0.95 * top, 0.0, tol=1e-8)
    assert np.any(below.block_norms > 0)


def test_warm_start_reaches_the_cold_solution():
    gram, S, W = problem(7)
    cold = solve_bcd(gram, S, W, 0.01, 0.0, tol=1e-9, max_iter=50_000)
    first = solve_bcd(gram, S, W, 0.05, 0.0, tol=1e-9, max_iter=50_000)
    warm = solve_bcd(gram, S, W, 0.01, 0.0, tol=1e-9, max_iter=50_000,
                     alpha0=first.alpha, intercept0=first.intercept)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-7)
    assert np.allclose(warm.block_norms, cold.block_norms, rtol=1e-3, atol=1e-6)


def test_warm_start_from_the_wrong_kernels_still_finds_the_right_ones():
    # A warm start is re-solved on its own kernels first; the kernels it lacks
    # must still enter, and the one it wrongly holds must leave.
    gram, S, W = problem(4, noise_kernel=True)
    lam = 0.5 * lam_max(gram, S, W)
    cold = solve_bcd(gram, S, W, lam, 0.0, tol=1e-9, max_iter=50_000)
    noise = gram.n_kernels - 1
    assert cold.block_norms[noise] == 0 and np.count_nonzero(cold.block_norms) >= 1
    alpha0 = np.zeros_like(cold.alpha)
    alpha0[noise] = 0.1 * S * W            # only the noise kernel is "active"
    warm = solve_bcd(gram, S, W, lam, 0.0, tol=1e-9, max_iter=50_000,
                     alpha0=alpha0, intercept0=np.zeros(S.shape[1]))
    assert warm.converged
    assert warm.objective == pytest.approx(cold.objective, rel=1e-7)
    np.testing.assert_array_equal(warm.block_norms > 0, cold.block_norms > 0)


def test_low_rank_at_full_rank_reproduces_the_exact_objective():
    gram, S, W = problem(8)
    factors = FactorStack([gram.factor(m) for m in range(gram.n_kernels)])
    exact = solve_bcd(gram, S, W, 0.01, 0.001, tol=1e-9, max_iter=50_000)
    low = solve_bcd(factors, S, W, 0.01, 0.001, tol=1e-9, max_iter=50_000)
    assert low.objective == pytest.approx(exact.objective, rel=1e-6)


def test_non_convergence_warns_with_the_achieved_violation():
    gram, S, W = problem(9)
    with pytest.warns(ConvergenceWarning, match=r"optimality violation is \d"):
        result = solve_bcd(gram, S, W, 0.001, 0.0, tol=1e-12, max_iter=2)
    assert not result.converged
    assert np.all(np.isfinite(result.alpha)) and result.violation > 1e-12


def test_every_block_step_decreases_the_objective():
    gram, S, W = problem(10)
    objectives = []
    for max_iter in range(1, 8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            objectives.append(solve_bcd(gram, S, W, 0.01, 0.0, tol=1e-14,
                                        max_iter=max_iter, anderson_depth=0).objective)
    assert np.all(np.diff(objectives) <= 1e-12)
