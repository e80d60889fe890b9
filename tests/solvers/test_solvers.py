"""The engine: native solvers against the cvxpy reference for every datafit x
penalty x kernel operator, and the certificate."""

import warnings

import numpy as np
import pytest
from reference_problems import PENALTIES, operators, targets
from sklearn.exceptions import ConvergenceWarning

from mtmk import KernelDictionary
from mtmk._targets import encode_tasks
from mtmk.solvers import (
    FactorStack,
    GramStack,
    GroupPenalty,
    Huber,
    Logistic,
    LpLqPenalty,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    lam_max,
    optimality_violation,
    solve_bcd,
    solve_cvxpy,
    solve_lplq,
    solve_rows,
)
from mtmk.solvers._rows import LocalBlocks


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


LOGISTIC = Logistic()


@pytest.mark.parametrize("intercept_and_mask", [(True, True), (False, False)],
                         ids=["intercept-mask", "plain"])
@pytest.mark.parametrize("penalty", list(PENALTIES), ids=list(PENALTIES))
@pytest.mark.parametrize("datafit", [Logistic(), SquaredHinge(), Quadratic(), Huber(0.15)],
                         ids=repr)
@pytest.mark.parametrize("kind", ["exact", "precomputed", "nystroem"])
@pytest.mark.slow
def test_native_solver_matches_cvxpy(kind, datafit, penalty, intercept_and_mask,
                                     reference_operators):
    fit_intercept, masked = intercept_and_mask
    X, ops = reference_operators
    operator, pen = ops[kind], PENALTIES[penalty]
    data = targets(X, datafit, 0, masked)
    args = (operator, data.values, data.weights, datafit, pen)
    solve = solve_lplq if isinstance(pen, LpLqPenalty) else solve_bcd
    native = solve(*args, fit_intercept=fit_intercept, tol=5e-7, max_iter=20_000)
    ref = solve_cvxpy(*args, fit_intercept=fit_intercept)
    assert native.converged
    assert abs(native.objective - ref.objective) / abs(ref.objective) < 1e-7
    # the native solver is never worse than the reference beyond rounding
    assert native.objective <= ref.objective * (1 + 1e-9)


@pytest.mark.parametrize("intercept_and_mask", [(True, True), (False, False)],
                         ids=["intercept-mask", "plain"])
@pytest.mark.parametrize("penalty", ["group L1", "group mix", "group L2", "task"])
@pytest.mark.parametrize("datafit", [Logistic(), SquaredHinge(), Quadratic(), Huber(0.15)],
                         ids=repr)
@pytest.mark.slow
def test_row_block_solver_matches_cvxpy(datafit, penalty, intercept_and_mask,
                                        reference_operators):
    # the primal row-block iteration, with the rows cut into uneven blocks
    fit_intercept, masked = intercept_and_mask
    X, ops = reference_operators
    factors, pen = ops["nystroem"].factors, PENALTIES[penalty]
    data = targets(X, datafit, 0, masked)
    blocks = LocalBlocks.split(factors, data.values, data.weights, datafit, block_rows=13)
    assert len(blocks.blocks) == 3
    native = solve_rows(blocks, [P.shape[1] for P in factors], data.values.shape[1], datafit,
                        pen, fit_intercept=fit_intercept, tol=5e-7, max_iter=20_000)
    ref = solve_cvxpy(ops["nystroem"], data.values, data.weights, datafit, pen,
                      fit_intercept=fit_intercept)
    assert native.converged
    assert abs(native.objective - ref.objective) / abs(ref.objective) < 1e-7
    assert native.objective <= ref.objective * (1 + 1e-9)


def test_reference_maps_nystroem_solutions_back_exactly():
    # With non-orthogonal factors the reference's coefficients must reproduce
    # its own optimum: its certificate holds and its objective is the conic one.
    X, ops = operators(1, n=40)
    data = targets(X, LOGISTIC, 1, masked=False)
    ref = solve_cvxpy(ops["nystroem"], data.values, data.weights, LOGISTIC, GroupPenalty(0.02))
    assert ref.converged and ref.violation < 1e-4
    native = solve_bcd(ops["nystroem"], data.values, data.weights, LOGISTIC, GroupPenalty(0.02),
                       tol=1e-9, max_iter=100_000)
    F_ref = sum(ops["nystroem"].dot(m, ref.alpha[m]) for m in range(3)) + ref.intercept
    F_native = sum(ops["nystroem"].dot(m, native.alpha[m]) for m in range(3)) + native.intercept
    np.testing.assert_allclose(F_ref, F_native, atol=1e-3)


def test_task_penalty_is_single_task_learning():
    # One group per kernel and task decouples the tasks: the joint fit equals
    # separate fits, task by task.
    gram, S, W = problem(11)
    pen = TaskGroupPenalty(0.02)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        joint = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-7, max_iter=100_000)
        for t in range(S.shape[1]):
            alone = solve_bcd(gram, S[:, [t]], W[:, [t]], LOGISTIC, pen, tol=1e-7,
                              max_iter=100_000)
            np.testing.assert_allclose(joint.task_norms[:, t], alone.task_norms[:, 0],
                                       rtol=1e-4, atol=1e-6)


def test_a_certificate_that_stops_improving_ends_the_sweeps_with_a_warning():
    # At tol=1e-8 this joint fit's certificate hovers between 2e-8 and 1e-7; the
    # sweeps used to run to max_iter (100,000 sweeps, five minutes)
    gram, S, W = problem(11)
    with pytest.warns(ConvergenceWarning, match=r"full sweeps did not lower the certificate: "
                                                r"tol=1e-08, the optimality certificate is"):
        result = solve_bcd(gram, S, W, LOGISTIC, TaskGroupPenalty(0.02), tol=1e-8,
                           max_iter=100_000)
    assert not result.converged and result.n_iter < 20_000
    assert result.violation < 1e-6


def test_irrelevant_kernel_drops_out_exactly():
    gram, S, W = problem(4, noise_kernel=True)
    pen = GroupPenalty(0.5 * lam_max(gram, S, W, LOGISTIC, GroupPenalty(1.0)))
    fast = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000)
    ref = solve_cvxpy(gram, S, W, LOGISTIC, pen)
    assert abs(fast.objective - ref.objective) / ref.objective < 1e-7
    assert fast.block_norms[-1] == 0.0          # exactly zero, not small
    assert ref.block_norms[-1] == 0.0           # the reference agrees
    assert np.all(fast.block_norms[:-1][ref.block_norms[:-1] > 1e-3] > 0)


@pytest.mark.parametrize("tol", [1e-3, 1e-6])
def test_certificate_holds_at_the_returned_solution(tol):
    gram, S, W = problem(5)
    pen = GroupPenalty(0.01, 0.001)
    result = solve_bcd(gram, S, W, LOGISTIC, pen, tol=tol)
    assert result.converged and result.violation < tol
    recomputed = optimality_violation(gram, result.alpha, result.intercept, S, W, LOGISTIC, pen)
    assert recomputed == pytest.approx(result.violation, rel=1e-2, abs=1e-9)
    assert recomputed < tol


def test_certificate_is_scale_free():
    # The same relative tolerance gives the same relative accuracy whatever
    # the penalty level: objectives within ~tol of the tight optimum.
    gram, S, W = problem(12)
    for lam in (1e-1, 1e-2, 1e-3):
        pen = GroupPenalty(lam)
        tight = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-10, max_iter=100_000)
        loose = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-4, max_iter=100_000)
        assert (loose.objective - tight.objective) / tight.objective < 1e-5


def test_certificate_detects_a_suboptimal_point():
    gram, S, W = problem(5)
    pen = GroupPenalty(0.01)
    result = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-8)
    perturbed = result.alpha * 1.2
    assert optimality_violation(gram, perturbed, result.intercept, S, W, LOGISTIC, pen) > 1e-2


@pytest.mark.parametrize("penalty", [GroupPenalty(1.0), TaskGroupPenalty(1.0)], ids=repr)
def test_lam_max_zeroes_every_kernel_and_nothing_below_it(penalty):
    gram, S, W = problem(6)
    top = lam_max(gram, S, W, LOGISTIC, penalty)
    above = solve_bcd(gram, S, W, LOGISTIC, penalty.with_lam(1.001 * top), tol=1e-8)
    assert np.all(above.block_norms == 0)
    below = solve_bcd(gram, S, W, LOGISTIC, penalty.with_lam(0.95 * top), tol=1e-8)
    assert np.any(below.block_norms > 0)


def test_warm_start_reaches_the_cold_solution():
    gram, S, W = problem(7)
    pen = GroupPenalty(0.01)
    cold = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000)
    first = solve_bcd(gram, S, W, LOGISTIC, pen.with_lam(0.05), tol=1e-9, max_iter=50_000)
    warm = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000,
                     alpha0=first.alpha, intercept0=first.intercept)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-7)
    assert np.allclose(warm.block_norms, cold.block_norms, rtol=1e-3, atol=1e-6)


def test_warm_start_from_the_wrong_kernels_still_finds_the_right_ones():
    # A warm start is re-solved on its own kernels first; the kernels it lacks
    # must still enter, and the one it wrongly holds must leave.
    gram, S, W = problem(4, noise_kernel=True)
    pen = GroupPenalty(0.5 * lam_max(gram, S, W, LOGISTIC, GroupPenalty(1.0)))
    cold = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000)
    noise = gram.n_kernels - 1
    assert cold.block_norms[noise] == 0 and np.count_nonzero(cold.block_norms) >= 1
    alpha0 = np.zeros_like(cold.alpha)
    alpha0[noise] = 0.1 * S * W            # only the noise kernel is "active"
    warm = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000,
                     alpha0=alpha0, intercept0=np.zeros(S.shape[1]))
    assert warm.converged
    assert warm.objective == pytest.approx(cold.objective, rel=1e-7)
    np.testing.assert_array_equal(warm.block_norms > 0, cold.block_norms > 0)


def test_low_rank_at_full_rank_reproduces_the_exact_objective():
    gram, S, W = problem(8)
    pen = GroupPenalty(0.01, 0.001)
    factors = FactorStack([gram.factor(m) for m in range(gram.n_kernels)])
    exact = solve_bcd(gram, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000)
    low = solve_bcd(factors, S, W, LOGISTIC, pen, tol=1e-9, max_iter=50_000)
    assert low.objective == pytest.approx(exact.objective, rel=1e-6)


def test_non_convergence_warns_with_the_achieved_certificate():
    gram, S, W = problem(9)
    with pytest.warns(ConvergenceWarning, match=r"optimality certificate is \d"):
        result = solve_bcd(gram, S, W, LOGISTIC, GroupPenalty(0.001), tol=1e-12, max_iter=2)
    assert not result.converged
    assert np.all(np.isfinite(result.alpha)) and result.violation > 1e-12


@pytest.mark.parametrize("datafit", [Logistic(), SquaredHinge()], ids=repr)
def test_every_block_step_decreases_the_objective(datafit):
    gram, S, W = problem(10)
    objectives = []
    for max_iter in range(1, 8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            objectives.append(solve_bcd(gram, S, W, datafit, GroupPenalty(0.01), tol=1e-14,
                                        max_iter=max_iter, anderson_depth=0).objective)
    assert np.all(np.diff(objectives) <= 1e-12)


@pytest.mark.parametrize("datafit", [Logistic(), SquaredHinge(), Quadratic()], ids=repr)
def test_datafit_derivatives_match_finite_differences(datafit):
    rng = np.random.default_rng(3)
    F = rng.normal(size=(20, 2))
    Y = np.sign(rng.normal(size=F.shape)) if datafit.classification else rng.normal(size=F.shape)
    W = rng.random(F.shape)
    D = 1e-6 * rng.normal(size=F.shape)
    change = datafit.difference(F, D, Y, W)
    assert change.sum() == pytest.approx(datafit.value(F + D, Y, W) - datafit.value(F, Y, W),
                                         rel=1e-4, abs=1e-15)
    assert change.sum() == pytest.approx(np.sum(datafit.gradient(F, Y, W) * D), rel=1e-3)
    # the curvature bound holds for the Hessian diagonal
    assert np.all(datafit.hessian_diagonal(F, Y, W) <= datafit.curvature * W + 1e-12)
