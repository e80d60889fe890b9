"""One iteration for both layouts: dual coefficients over a Gram stack and primal
coefficients over low-rank factors cut into row blocks give the same iterates."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mtmk._targets import encode_outputs, encode_tasks
from mtmk.solvers import (
    GramStack,
    GroupPenalty,
    Logistic,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    solve_bcd,
    solve_rows,
)
from mtmk.solvers._rows import LocalBlocks

RANKS = (4, 7, 10)


def _problem(datafit, seed=0, n=40, n_tasks=3):
    """Factors ``Phi_m`` (not orthogonal), targets that several kernels explain."""
    rng = np.random.default_rng(seed)
    factors = [rng.normal(size=(n, r)) / np.sqrt(r) for r in RANKS]
    signal = np.column_stack([factors[0][:, 0] + 0.5 * t * factors[1][:, 1]
                              + 0.3 * factors[2][:, 2] for t in range(n_tasks)])
    weights = np.ones(signal.shape)
    weights[rng.random(signal.shape) < 0.2] = 0.0  # labels a task does not observe
    if isinstance(datafit, Quadratic):
        data = encode_outputs(signal + 0.3 * rng.normal(size=signal.shape), weights)
    else:
        data = encode_tasks((signal + 0.5 * rng.normal(size=signal.shape) > 0).astype(int),
                            weights)
    return factors, data.values, data.weights


def _dual(factors, Y, W, datafit, penalty, **kwargs):
    gram = GramStack(np.stack([P @ P.T for P in factors]))
    return solve_bcd(gram, Y, W, datafit, penalty, **kwargs)


def _rows(factors, Y, W, datafit, penalty, block_rows, **kwargs):
    blocks = LocalBlocks.split(factors, Y, W, datafit, block_rows=block_rows)
    return solve_rows(blocks, [P.shape[1] for P in factors], Y.shape[1], datafit, penalty,
                      **kwargs)


def _decision(factors, result):
    """Decision values of either layout's result."""
    if result.coef is not None:
        return sum(P @ v for P, v in zip(factors, result.coef)) + result.intercept
    return sum(P @ (P.T @ a) for P, a in zip(factors, result.alpha)) + result.intercept


DATAFITS = [Logistic(), SquaredHinge(), Quadratic()]
PENALTIES = {"group": GroupPenalty(0.02), "group ridge": GroupPenalty(0.01, 0.01),
             "task": TaskGroupPenalty(0.02, 0.001)}


@pytest.mark.parametrize("block_rows", [40, 13], ids=["one block", "uneven blocks"])
@pytest.mark.parametrize("penalty", list(PENALTIES), ids=list(PENALTIES))
@pytest.mark.parametrize("datafit", DATAFITS, ids=repr)
def test_layouts_give_the_same_iterates(datafit, penalty, block_rows):
    factors, Y, W = _problem(datafit)
    pen = PENALTIES[penalty]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopped after a few sweeps
        for sweeps in range(1, 7):
            dual = _dual(factors, Y, W, datafit, pen, max_iter=sweeps)
            rows = _rows(factors, Y, W, datafit, pen, block_rows, max_iter=sweeps)
            assert rows.objective == pytest.approx(dual.objective, rel=1e-9, abs=0), sweeps
            np.testing.assert_allclose(rows.task_norms, dual.task_norms, rtol=1e-6, atol=1e-9)
    # (1e-8 is below what the dual layout's rounding reaches on some of these)
    dual = _dual(factors, Y, W, datafit, pen, tol=1e-7, max_iter=20_000)
    rows = _rows(factors, Y, W, datafit, pen, block_rows, tol=1e-7, max_iter=20_000)
    assert dual.converged and rows.converged
    assert rows.objective == pytest.approx(dual.objective, rel=1e-10)
    np.testing.assert_allclose(_decision(factors, rows), _decision(factors, dual), atol=1e-4)
    np.testing.assert_array_equal(rows.block_norms > 0, dual.block_norms > 0)


class _SharedStepTaskPenalty(TaskGroupPenalty):
    """The task-wise penalty, stepped as if it were not a sum over tasks."""

    separable_tasks = False


def _uneven_tasks(seed=0, n=300):
    """Tasks of very different difficulty: one nearly separable, one noisy, one rare."""
    rng = np.random.default_rng(seed)
    factors = [rng.normal(size=(n, r)) / np.sqrt(r) for r in (6, 12, 20)]
    score = factors[0][:, 0] + factors[1][:, 1]
    labels = np.column_stack([
        score > 0,                                         # separable
        score + 2.0 * rng.logistic(size=n) > 0,            # noisy
        factors[2][:, 0] + 0.3 * rng.normal(size=n) > 0.5,  # rare positives
    ]).astype(int)
    data = encode_tasks(labels)
    return factors, data.signs, data.weights


def test_row_layout_takes_per_task_steps():
    factors, Y, W = _uneven_tasks()
    datafit, pen = Logistic(), TaskGroupPenalty(0.001)
    dual = _dual(factors, Y, W, datafit, pen, tol=1e-6, max_iter=5_000)
    rows = _rows(factors, Y, W, datafit, pen, 70, tol=1e-6, max_iter=5_000)
    shared = _rows(factors, Y, W, datafit, _SharedStepTaskPenalty(0.001), 70, tol=1e-6,
                   max_iter=5_000)
    assert dual.converged and rows.converged and shared.converged
    assert rows.objective == pytest.approx(dual.objective, rel=1e-8)
    assert rows.n_iter <= dual.n_iter
    # one step (and block scale) per task is what makes the difference (44
    # sweeps against 339 when measured)
    assert 3 * rows.n_iter < shared.n_iter


class _Huber:
    """A datafit the solvers have never seen: Huber loss of width 1 (regression)."""

    curvature = 1.0
    classification = False

    def value(self, F, Y, W):
        return float(np.sum(W * self._loss(F - Y)))

    @staticmethod
    def _loss(u):
        a = np.abs(u)
        return np.where(a <= 1.0, 0.5 * u * u, a - 0.5)

    def difference(self, F, D, Y, W):
        return np.sum(W * (self._loss(F + D - Y) - self._loss(F - Y)), axis=0)

    def gradient(self, F, Y, W):
        return W * np.clip(F - Y, -1.0, 1.0)

    def hessian_diagonal(self, F, Y, W):
        return W * (np.abs(F - Y) <= 1.0)

    def initial_intercept(self, Y, W):
        return np.sum(W * Y, axis=0) / np.maximum(W.sum(axis=0), 1e-300)


def test_a_new_datafit_needs_no_solver_change():
    # skewed targets: the Huber intercepts at zero coefficients are not the means
    rng = np.random.default_rng(1)
    factors, _, W = _problem(Quadratic())
    Y = factors[0][:, [0, 1, 2]] + rng.exponential(3.0, size=W.shape)
    datafit = _Huber()
    for pen in (GroupPenalty(1e3), GroupPenalty(0.01, 0.001)):  # every block zero, then not
        dual = _dual(factors, Y, W, datafit, pen, tol=1e-6, max_iter=3_000)
        rows = _rows(factors, Y, W, datafit, pen, 13, tol=1e-6, max_iter=3_000)
        assert dual.converged and rows.converged
        assert rows.objective == pytest.approx(dual.objective, rel=1e-10)
        np.testing.assert_allclose(rows.intercept, dual.intercept, atol=1e-6)
    intercept_only = _rows(factors, Y, W, datafit, GroupPenalty(1e3), 13, max_iter=1)
    assert not np.any(intercept_only.block_norms)
    F = np.broadcast_to(intercept_only.intercept, Y.shape)
    np.testing.assert_allclose(datafit.gradient(F, Y, W).sum(axis=0), 0.0, atol=1e-10)
    assert np.all(np.abs(intercept_only.intercept - datafit.initial_intercept(Y, W)) > 0.1)
