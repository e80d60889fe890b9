"""Large n: what a sweep of the row-block solver costs, mixed precision and the
warm start from a row subsample."""

from collections import Counter

import numpy as np
import pytest

from mtmk._targets import encode_tasks
from mtmk.solvers import GroupPenalty, Logistic, solve_rows
from mtmk.solvers._datafits import _LogisticPoint
from mtmk.solvers._iterate import Iterate
from mtmk.solvers._rows import LocalBlocks

RANKS = (6, 9, 12, 5)


class CountingLogistic(Logistic):
    """The logistic loss, counting its evaluations: passes over the rows that
    evaluate exponentials or logarithms (a point's margins, a change, a value)
    and any direct call of the datafit's own methods."""

    def __init__(self):
        self.counts = Counter()

    def point(self, F, Y, W):
        return _CountingPoint(self, F, Y, W)

    def value(self, F, Y, W):
        self.counts["value"] += 1
        return super().value(F, Y, W)

    def difference(self, F, D, Y, W):
        self.counts["difference"] += 1
        return super().difference(F, D, Y, W)

    def gradient(self, F, Y, W):
        self.counts["gradient"] += 1
        return super().gradient(F, Y, W)

    def hessian_diagonal(self, F, Y, W):
        self.counts["hessian_diagonal"] += 1
        return super().hessian_diagonal(F, Y, W)


class _CountingPoint(_LogisticPoint):
    def _margins(self):
        if self._sigma is None:
            self.datafit.counts["margins"] += 1
        return super()._margins()

    def difference(self, D):
        self.datafit.counts["point difference"] += 1
        return super().difference(D)


def _problem(n=600, n_tasks=3, seed=0):
    """Low-rank factors and labels that several kernels explain (a few unobserved)."""
    rng = np.random.default_rng(seed)
    factors = [rng.normal(size=(n, r)) / np.sqrt(r) for r in RANKS]
    signal = np.column_stack([2 * factors[0][:, 0] + t * factors[1][:, 1]
                              + factors[2][:, 2] for t in range(n_tasks)])
    weights = np.ones(signal.shape)
    weights[rng.random(signal.shape) < 0.1] = 0.0
    labels = (signal + 0.5 * rng.normal(size=signal.shape) > 0).astype(int)
    data = encode_tasks(labels, weights)
    return factors, data.signs, data.weights


def _solve(factors, Y, W, datafit, block_rows, **options):
    blocks = LocalBlocks.split(factors, Y, W, datafit, block_rows=block_rows)
    return solve_rows(blocks, [P.shape[1] for P in factors], Y.shape[1], datafit,
                      GroupPenalty(0.01), **options), len(blocks.blocks)


def test_a_block_visit_costs_about_three_datafit_evaluations(monkeypatch):
    """Per row block, a block visit evaluates the logistic loss about three times:
    its trial steps (about two: the step search starts from twice the last
    step), the intercepts' step, and its share of the sweep's scale, intercept
    and extrapolation steps (here 4 kernels share them).  Its gradient and
    curvature come with the point the line search moved to; evaluating them
    separately at every use costs more than eight per visit here."""
    visits = Counter()
    visit = Iterate.visit

    def counted(self, m):
        visits["visits"] += 1
        return visit(self, m)

    monkeypatch.setattr(Iterate, "visit", counted)
    factors, Y, W = _problem()
    datafit = CountingLogistic()
    result, n_blocks = _solve(factors, Y, W, datafit, block_rows=150, tol=1e-6)
    assert result.converged
    evaluations = sum(datafit.counts.values()) / n_blocks
    assert visits["visits"] >= 2 * result.n_iter
    assert evaluations <= 4.0 * visits["visits"]
    # the gradient and curvature come from the margins, never from separate passes
    assert datafit.counts["gradient"] == datafit.counts["hessian_diagonal"] == 0


def test_float32_products_reach_the_float64_certificate(monkeypatch):
    """With float32 factors the block gradients are multiplied in float32 until
    their rounding matters, then in float64: tol = 1e-6 (here below ten times
    that rounding) is still reached, certified with float64 products, at the
    solution of the float64 products."""
    from mtmk.solvers import _rows
    from mtmk.solvers._iterate import certificate

    single = Counter()
    t_product = _rows._t_product

    def counted(Phi, R, single_precision=False):
        single[single_precision] += 1
        return t_product(Phi, R, single_precision)

    monkeypatch.setattr(_rows, "_t_product", counted)
    refined = Counter()
    refine = Iterate.refine

    def counted_refine(self):
        refined["refine"] += 1
        refine(self)

    monkeypatch.setattr(Iterate, "refine", counted_refine)
    factors, Y, W = _problem(n=3000)
    factors = [P.astype(np.float32) for P in factors]
    tol = 1e-6
    results = {}
    for mixed in (False, True):
        single.clear()
        results[mixed], _ = _solve(factors, Y, W, Logistic(), block_rows=1000, tol=tol,
                                   mixed_precision=mixed)
        assert results[mixed].converged and results[mixed].violation <= tol
        assert (single[True] > 0) == mixed
    assert refined["refine"] == 1  # float64 gradients after the float32 ones

    mixed = results[True]
    blocks = LocalBlocks.split(factors, Y, W, Logistic(), block_rows=700)
    layout = _rows._Primal(blocks, RANKS, Y.shape[1], mixed.coef, mixed_precision=False)
    layout.start(mixed.intercept)
    assert certificate(layout, GroupPenalty(0.01), True) <= tol

    def decision(result):
        return (sum(P.astype(float) @ v for P, v in zip(factors, result.coef))
                + result.intercept)

    exact = decision(results[False])
    np.testing.assert_allclose(decision(mixed), exact, rtol=0, atol=10 * tol * np.abs(exact).max())
    assert mixed.objective == pytest.approx(results[False].objective, rel=1e-12)


@pytest.mark.parametrize("block_rows", [3000, 700], ids=["one block", "uneven blocks"])
def test_a_start_from_a_row_subsample_ends_at_the_cold_start_solution(monkeypatch, block_rows):
    """A fit on every fifth row, then on all rows from there: the same
    certificate, the same solution as from zero, fewer sweeps over all rows."""
    from mtmk.solvers._rows import RowBlock

    kept = Counter()
    restrict = RowBlock.restrict

    def counted(self, step=None, scale=None):
        if step is not None:
            kept["rows"] += self._rows(self.Y, step).shape[0]
        return restrict(self, step, scale)

    monkeypatch.setattr(RowBlock, "restrict", counted)
    factors, Y, W = _problem(n=3000)
    tol = 1e-6
    cold, _ = _solve(factors, Y, W, Logistic(), block_rows=block_rows, tol=tol, subsample=None)
    assert kept["rows"] == 0
    warm, _ = _solve(factors, Y, W, Logistic(), block_rows=block_rows, tol=tol, subsample=600)
    assert 550 <= kept["rows"] <= 650
    for result in (cold, warm):
        assert result.converged and result.violation <= tol
    assert warm.n_iter < cold.n_iter

    def decision(result):
        return sum(P @ v for P, v in zip(factors, result.coef)) + result.intercept

    exact = decision(cold)
    np.testing.assert_allclose(decision(warm), exact, rtol=0, atol=10 * tol * np.abs(exact).max())
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
