"""Screening on the regularisation path: the same solutions as without it, safe discards
that are zero at the optimum, and the conjugates its duality gap is made of."""

import itertools

import numpy as np
import pytest

import mtmk._fit as fit_module
from mtmk import lam_group_grid
from mtmk._fit import fit_kernel_model, fit_kernel_path
from mtmk.solvers import (
    FactorStack,
    GramStack,
    GroupPenalty,
    Huber,
    Logistic,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    lam_max,
)
from mtmk.solvers._operators import psd_factor
from mtmk.solvers._screening import Screening, restrict_operator, restrict_penalty

DATAFITS = [Logistic(), SquaredHinge(), Quadratic(), Huber(0.5)]


@pytest.fixture(scope="module")
def problem():
    """Two RBF widths on each of eight covariates, two targets that depend on two of them:
    twelve of the 16 kernels stay out of the model along most of the path."""
    rng = np.random.default_rng(0)
    n = 60
    X = rng.normal(size=(n, 8))
    K = np.array([np.exp(-g * (X[:, j, None] - X[None, :, j]) ** 2)
                  for j in range(8) for g in (0.5, 2.0)])
    F = np.c_[np.sin(2 * X[:, 0]) + X[:, 1], X[:, 1] ** 2 - 1]
    signs = np.where(F + 0.3 * rng.normal(size=F.shape) > 0, 1.0, -1.0)
    values = F + 0.3 * rng.normal(size=F.shape)
    factors = []
    for Km in K:
        U, w = psd_factor(Km)
        top = np.argsort(w)[::-1][:12]
        factors.append(U[:, top] * np.sqrt(w[top]))
    return GramStack(K), FactorStack(factors), signs, values, np.full(F.shape, 1 / n)


def _targets(datafit, signs, values):
    return signs if datafit.classification else values


@pytest.fixture
def fitted_kernels(monkeypatch):
    """The number of kernels of every fit the screened path makes."""
    seen = []
    real = fit_module.restrict_operator

    def record(kernels, kept):
        seen.append(len(kept))
        return real(kernels, kept)

    monkeypatch.setattr(fit_module, "restrict_operator", record)
    return seen


def _sweep(*axes):
    """Every combination of the axes, all but the first marked slow (a reference sweep)."""
    return [pytest.param(*case, marks=() if k == 0 else pytest.mark.slow)
            for k, case in enumerate(itertools.product(*axes))]


@pytest.mark.parametrize("low_rank,datafit,penalty", _sweep(
    [False, True], [Logistic(), Quadratic()],
    [GroupPenalty(0.0), TaskGroupPenalty(0.0), GroupPenalty(0.0, 0.01),
     GroupPenalty(0.0, weights=np.linspace(0.5, 2.0, 16))]))
def test_a_screened_path_has_the_solutions_of_the_plain_one(problem, fitted_kernels, low_rank,
                                                           datafit, penalty):
    exact, factors, signs, values, W = problem
    operator = factors if low_rank else exact
    Y = _targets(datafit, signs, values)
    lams = lam_group_grid(lam_max(operator, Y, W, datafit, penalty), 10, 0.05)
    tol = 1e-6
    plain = fit_kernel_path(operator, Y, W, datafit, penalty, lams, solver="bcd", tol=tol,
                            screening=False)
    screened = fit_kernel_path(operator, Y, W, datafit, penalty, lams, solver="bcd", tol=tol)
    # the screened fits ran on fewer kernels, over several values
    assert sum(k < operator.n_kernels for k in fitted_kernels) >= 3
    for a, b, lam in zip(plain, screened, lams):
        assert b.violation < tol and b.converged
        # the full problem's certificate at the returned point (recomputed from scratch;
        # it differs from the reported one by rounding, about 1e-8 of the level)
        level = penalty.with_lam(lam)
        point = Screening(operator, Y, W, datafit, level, True).point(
            b.coef if low_rank else b.alpha, b.intercept)
        assert point.certificate(level, True) < tol
        assert abs(a.objective - b.objective) <= 1e-8 * abs(a.objective)
        scale = max(a.block_norms.max(), 1e-12)
        np.testing.assert_allclose(b.block_norms, a.block_norms, atol=1e-4 * scale)
        np.testing.assert_array_equal(b.block_norms > 1e-3 * scale, a.block_norms > 1e-3 * scale)
        np.testing.assert_allclose(b.intercept, a.intercept, atol=1e-4)
        # the coefficients, through the decision values they give
        np.testing.assert_allclose(_decision(operator, b), _decision(operator, a), atol=1e-4)


def test_a_path_of_the_group_and_ridge_mix_is_screened_on_its_group_level(problem,
                                                                         fitted_kernels):
    """The CV estimators' mix scales both terms with lam; the rules read each level's
    group term."""
    from mtmk._path import _Mix

    exact, _, signs, _, W = problem
    mix = _Mix("group", 0.5)
    top = lam_max(exact, signs, W, Logistic(), GroupPenalty(1.0)) / 0.5
    lams = lam_group_grid(top, 8, 0.05)
    plain = fit_kernel_path(exact, signs, W, Logistic(), mix, lams, tol=1e-6, screening=False)
    screened = fit_kernel_path(exact, signs, W, Logistic(), mix, lams, tol=1e-6)
    assert sum(k < exact.n_kernels for k in fitted_kernels) >= 2
    for a, b in zip(plain, screened):
        assert b.violation < 1e-6
        assert abs(a.objective - b.objective) <= 1e-8 * abs(a.objective)


def _decision(operator, result):
    if isinstance(operator, FactorStack):
        return sum(P @ v for P, v in zip(operator.factors, result.coef)) + result.intercept
    return sum(Km @ a for Km, a in zip(operator.K, result.alpha)) + result.intercept


def _problem_variant(problem, datafit, mask):
    exact, _, signs, values, W = problem
    Y = _targets(datafit, signs, values)
    if mask:  # unobserved labels and unequal weights, columns summing to 1
        rng = np.random.default_rng(1)
        W = rng.uniform(0.2, 1.0, size=W.shape) * (rng.uniform(size=W.shape) > 0.2)
        W = W / W.sum(axis=0)
    return exact, Y, W


@pytest.mark.parametrize("datafit,penalty,variant", _sweep(
    DATAFITS, [GroupPenalty(0.0), TaskGroupPenalty(0.0), GroupPenalty(0.0, 0.05)],
    [(True, False), (False, False), (True, True)]))
def test_the_safe_rule_never_discards_a_kernel_of_the_optimum(problem, datafit, penalty,
                                                              variant):
    fit_intercept, mask = variant
    operator, Y, W = _problem_variant(problem, datafit, mask)
    top = lam_max(operator, Y, W, datafit, penalty, fit_intercept)
    lams = top * np.array([0.5, 0.3, 0.15])
    screen = Screening(operator, Y, W, datafit, penalty, fit_intercept)
    discarded = 0
    options = dict(solver="bcd", fit_intercept=fit_intercept, max_iter=5000)
    previous = None
    for lam in lams:
        level = penalty.with_lam(lam)
        optimum = fit_kernel_model(operator, Y, W, datafit, level, tol=1e-6, **options)
        active = optimum.block_norms > 1e-6 * optimum.block_norms.max()
        # from a rough solution, and from points between the previous value's solution and
        # this one's (any point gives a valid rule; these span small to large gaps)
        rough = fit_kernel_model(operator, Y, W, datafit, level, tol=1e-2, **options)
        starts = [(rough.alpha, rough.intercept)]
        if previous is not None:
            starts += [(s * previous.alpha + (1 - s) * optimum.alpha,
                        s * previous.intercept + (1 - s) * optimum.intercept)
                       for s in (0.01, 0.05, 0.2, 0.5, 1.0)]
        for alpha, intercept in starts:
            safe = screen.safe(screen.point(alpha, intercept), level)
            assert not np.any(safe & active)
            discarded += int(safe.sum())
        previous = optimum
    assert discarded > 0


@pytest.mark.parametrize("datafit", DATAFITS)
def test_the_conjugates_meet_fenchel_young(datafit):
    rng = np.random.default_rng(2)
    n, T = 40, 3
    Y = np.where(rng.uniform(size=(n, T)) > 0.5, 1.0, -1.0) if datafit.classification \
        else rng.normal(size=(n, T))
    W = rng.uniform(size=(n, T)) * (rng.uniform(size=(n, T)) > 0.2)
    F = rng.normal(scale=2.0, size=(n, T))
    U = datafit.gradient(F, Y, W)
    # equality at the gradient, inequality elsewhere in the domain, infinity outside
    assert datafit.value(F, Y, W) + datafit.conjugate(U, Y, W) == \
        pytest.approx(np.sum(U * F), rel=1e-10, abs=1e-12)
    for s in (0.0, 0.3, 0.9):
        assert datafit.value(F, Y, W) + datafit.conjugate(s * U, Y, W) >= np.sum(s * U * F) - 1e-12
    outside = U.copy()
    outside[W == 0] = 1.0
    if np.any(W == 0):
        assert datafit.conjugate(outside, Y, W) == np.inf


@pytest.mark.parametrize("penalty", [GroupPenalty(0.3, 0.2), TaskGroupPenalty(0.3, 0.2),
                                     GroupPenalty(0.3, 0.2, weights=[2.0, 0.5])])
def test_the_penalty_conjugates_meet_fenchel_young(penalty):
    rng = np.random.default_rng(3)
    for m in (0, 1):
        a = rng.uniform(0.1, 1.0, size=3)  # task norms of a non-zero block
        mu = penalty.lam * (1.0 if penalty.weights is None else penalty.weights[m])
        if isinstance(penalty, GroupPenalty):
            g = mu * a / np.linalg.norm(a) + 2 * penalty.lam_ridge * a
            value = mu * np.linalg.norm(a) + penalty.lam_ridge * a @ a
        else:
            g = mu + 2 * penalty.lam_ridge * a
            value = mu * a.sum() + penalty.lam_ridge * a @ a
        assert value + penalty.conjugate(m, g) == pytest.approx(g @ a, rel=1e-12)
        # the Fenchel-Young inequality at other points
        for b in rng.uniform(0.0, 2.0, size=(5, 3)):
            other = (mu * (np.linalg.norm(b) if isinstance(penalty, GroupPenalty) else b.sum())
                     + penalty.lam_ridge * b @ b)
            assert other + penalty.conjugate(m, g) >= g @ b - 1e-12
    plain = type(penalty)(0.3)
    assert plain.conjugate(0, np.full(3, 0.01)) == 0.0
    assert plain.conjugate(0, np.full(3, 1.0)) == np.inf


def test_the_restricted_problem_shares_the_kernels(problem):
    exact, factors, *_ = problem
    part = restrict_operator(exact, [3, 7])
    assert isinstance(part, GramStack) and part.n_kernels == 2 and part.n_samples == 60
    assert np.shares_memory(part.K[1], exact.K[7])
    low = restrict_operator(factors, [3, 7])
    assert low.factors[1] is factors.factors[7]
    weighted = GroupPenalty(0.1, weights=np.arange(1.0, 17.0))
    np.testing.assert_array_equal(restrict_penalty(weighted, [3, 7]).weights, [4.0, 8.0])
    assert weighted.weights.size == 16
    assert restrict_penalty(GroupPenalty(0.1), [3]).weights is None


def test_screening_stops_once_it_no_longer_pays(fitted_kernels):
    """Kernels that all enter the model soon: after the first value every fit is plain."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 2))
    K = np.array([np.exp(-g * ((X[:, None] - X[None]) ** 2).sum(-1)) for g in (0.2, 0.5, 1, 2)])
    y = np.sin(X[:, :1]) + X[:, 1:] + 0.1 * rng.normal(size=(60, 1))
    W = np.full(y.shape, 1 / 60)
    operator = GramStack(K)
    lams = lam_group_grid(lam_max(operator, y, W, Quadratic(), GroupPenalty(1.0)), 8, 1e-3)
    results = fit_kernel_path(operator, y, W, Quadratic(), GroupPenalty(0.0), lams, tol=1e-4,
                              solver="bcd")
    assert fitted_kernels == [1]
    assert all(r.violation < 1e-4 for r in results)


def test_paths_of_newton_steps_are_not_screened(problem, fitted_kernels):
    exact, _, _, values, W = problem
    lams = lam_group_grid(lam_max(exact, values, W, Quadratic(), GroupPenalty(1.0)), 6, 0.1)
    results = fit_kernel_path(exact, values, W, Quadratic(), GroupPenalty(0.0), lams)
    assert fitted_kernels == []
    assert all(r.violation < 1e-4 for r in results)
