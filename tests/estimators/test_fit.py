"""The one fit function: its choice of solver, warm start and results; estimators built from
datafit and penalty objects."""

import pickle

import numpy as np
import pytest
from shared import small_kernels
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import mtmk._fit as fit_module
from mtmk import MTMKClassifier, MTMKRegressor, mtmk_path
from mtmk._fit import fit_kernel_model, fit_kernel_path
from mtmk.solvers import (
    FactorStack,
    GramStack,
    GroupPenalty,
    Logistic,
    LpLqPenalty,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    lam_max,
)

SMALL = small_kernels()
LOW_RANK = small_kernels(n_components=15, random_state=0)


@pytest.fixture(scope="module")
def problem():
    """Iris as three one-vs-rest sign tasks and as three real targets, 60 rows."""
    X, y = load_iris(return_X_y=True)
    rows = np.random.default_rng(0).choice(len(y), 60, replace=False)
    X, y = StandardScaler().fit_transform(X[rows]), y[rows]
    signs = np.where(np.eye(3)[y] > 0, 1.0, -1.0)
    values = X[:, :3] + 0.1 * X[:, 3:]
    W = np.full(signs.shape, 1 / len(y))
    return X, y, signs, values, W


def _operators(X):
    return (GramStack(SMALL.fit(X).gram()),
            FactorStack(clone(LOW_RANK).fit(X).features(X)))


@pytest.fixture
def calls(monkeypatch):
    """The solvers fit_kernel_model calls, by name, with their keyword arguments."""
    seen = []
    for name in ("solve_bcd", "solve_newton", "solve_rows", "solve_lplq", "solve_cvxpy"):
        real = getattr(fit_module, name)

        def record(*args, _name=name, _real=real, **kwargs):
            seen.append((_name, kwargs))
            return _real(*args, **kwargs)

        monkeypatch.setattr(fit_module, name, record)
    return seen


@pytest.mark.parametrize("low_rank,expected", [(True, "solve_newton"), (False, "solve_bcd")])
def test_auto_takes_newton_for_one_task_on_low_rank_kernels(problem, calls, low_rank, expected):
    X, _, signs, _, W = problem
    operator = _operators(X)[low_rank]
    result = fit_kernel_model(operator, signs[:, :1], W[:, :1], Logistic(), GroupPenalty(0.01))
    assert [name for name, _ in calls] == [expected]
    assert result.violation < 1e-4


@pytest.mark.parametrize("low_rank,datafit,penalty,solver,expected", [
    (False, Logistic(), GroupPenalty(0.01), "auto", "solve_bcd"),
    (False, SquaredHinge(), TaskGroupPenalty(0.01), "bcd", "solve_bcd"),
    (False, Quadratic(), GroupPenalty(0.01), "auto", "solve_newton"),
    (False, Quadratic(), GroupPenalty(0.01), "bcd", "solve_bcd"),
    (False, Logistic(), GroupPenalty(0.01), "newton", "solve_newton"),
    (False, Logistic(), LpLqPenalty(0.01, q=1.5), "auto", "solve_lplq"),
    (False, Logistic(), LpLqPenalty(0.01, q=1.5), "newton", "solve_lplq"),
    (False, Logistic(), GroupPenalty(0.01), "cvxpy", "solve_cvxpy"),
    (True, Logistic(), GroupPenalty(0.01), "auto", "solve_rows"),
    (True, Quadratic(), GroupPenalty(0.01), "bcd", "solve_rows"),
    (True, Quadratic(), TaskGroupPenalty(0.01), "auto", "solve_rows"),
    (True, Quadratic(), TaskGroupPenalty(0.01), "newton", "solve_newton"),
    (True, Logistic(), GroupPenalty(0.01), "newton", "solve_newton"),
    (True, Logistic(), GroupPenalty(0.01), "cvxpy", "solve_cvxpy"),
])
def test_the_solver_is_chosen_as_documented(problem, calls, low_rank, datafit, penalty, solver,
                                            expected):
    X, _, signs, values, W = problem
    operator = _operators(X)[low_rank]
    Y = signs if datafit.classification else values
    result = fit_kernel_model(operator, Y, W, datafit, penalty, solver=solver)
    assert [name for name, _ in calls] == [expected]
    assert result.violation < 1e-3
    if low_rank:
        # primal coefficients whatever the solver: Phi_m^T alpha_m when it has alpha
        assert [c.shape for c in result.coef] == [(P.shape[1], 3) for P in operator.factors]
        if result.alpha is not None:
            for m, P in enumerate(operator.factors):
                np.testing.assert_allclose(result.coef[m], P.T @ result.alpha[m])
    else:
        assert result.coef is None and result.alpha.shape == (5, 60, 3)


class _Blocks:
    """Row blocks held elsewhere: what solve_rows and the fit function need of them."""

    def __init__(self, factors, Y, W, datafit):
        self.local = fit_module.LocalBlocks.split(factors, Y, W, datafit, block_rows=25)
        self.ranks = [P.shape[1] for P in factors]

    def map(self, method, *args):
        return self.local.map(method, *args)


def test_row_blocks_take_block_steps_and_equal_the_in_process_fit(problem, calls):
    X, _, signs, _, W = problem
    operator = _operators(X)[1]
    blocks = _Blocks(operator.factors, signs, W, Logistic())
    remote = fit_kernel_model(blocks, signs, W, Logistic(), GroupPenalty(0.01), tol=1e-8)
    local = fit_kernel_model(operator, signs, W, Logistic(), GroupPenalty(0.01), tol=1e-8)
    assert [name for name, _ in calls] == ["solve_rows", "solve_rows"]
    assert remote.alpha is None
    assert remote.objective == pytest.approx(local.objective, rel=1e-9)
    for a, b in zip(remote.coef, local.coef):
        np.testing.assert_allclose(a, b, atol=1e-6)
    for solver, penalty in [("newton", GroupPenalty(0.01)), ("cvxpy", GroupPenalty(0.01)),
                            ("auto", LpLqPenalty(0.01))]:
        with pytest.raises(ValueError, match="Row blocks .* block steps only"):
            fit_kernel_model(blocks, signs, W, Logistic(), penalty, solver=solver)


def test_warm_start_is_used_when_its_shapes_fit(problem, calls):
    X, _, signs, _, W = problem
    exact, factors = _operators(X)
    cold = fit_kernel_model(exact, signs, W, Logistic(), GroupPenalty(0.01))
    warm = fit_kernel_model(exact, signs, W, Logistic(), GroupPenalty(0.01),
                            start=(cold.alpha, cold.intercept))
    assert calls[1][1]["alpha0"] is cold.alpha
    assert warm.n_iter < cold.n_iter
    # a start of another shape (two tasks; primal coefficients on exact kernels) is ignored
    fit_kernel_model(exact, signs, W, Logistic(), GroupPenalty(0.01),
                     start=(cold.alpha[:, :, :2], cold.intercept[:2]))
    fit_kernel_model(exact, signs, W, Logistic(), GroupPenalty(0.01),
                     start=([np.zeros((15, 3))] * 5, cold.intercept))
    assert calls[2][1]["alpha0"] is None and calls[3][1]["alpha0"] is None
    low = fit_kernel_model(factors, signs, W, Logistic(), GroupPenalty(0.01))
    fit_kernel_model(factors, signs, W, Logistic(), GroupPenalty(0.01),
                     start=(low.coef, low.intercept))
    assert calls[5][1]["coef0"] == low.coef


def test_a_cvxpy_solution_short_of_tol_warns(problem):
    X, _, signs, _, W = problem
    with pytest.warns(ConvergenceWarning, match=r"cvxpy solution's optimality certificate"):
        fit_kernel_model(_operators(X)[0], signs, W, Logistic(), GroupPenalty(0.01),
                         solver="cvxpy", tol=1e-14)


def test_no_penalty_at_all_is_refused(problem):
    X, _, signs, _, W = problem
    with pytest.raises(ValueError, match="both 0"):
        fit_kernel_model(_operators(X)[0], signs, W, Logistic(), GroupPenalty(0.0))
    with pytest.raises(ValueError, match="solver must be one of"):
        fit_kernel_model(_operators(X)[0], signs, W, Logistic(), GroupPenalty(0.1),
                         solver="sgd")


def test_path_warm_starts_every_level(problem, calls):
    X, _, signs, _, W = problem
    exact = _operators(X)[0]
    top = lam_max(exact, signs, W, Logistic(), GroupPenalty(1.0))
    results = fit_kernel_path(exact, signs, W, Logistic(), GroupPenalty(0.0),
                              top * np.array([1.0, 0.3, 0.1]), screening=False)
    assert [name for name, _ in calls] == ["solve_bcd"] * 3
    assert calls[0][1]["alpha0"] is None
    assert calls[1][1]["alpha0"] is results[0].alpha
    assert calls[2][1]["alpha0"] is results[1].alpha
    with pytest.raises(ValueError, match="both 0"):
        fit_kernel_path(exact, signs, W, Logistic(), GroupPenalty(0.0), [0.1, 0.0])


def _same_model(a, b, X):
    np.testing.assert_array_equal(a.kernel_weights_, b.kernel_weights_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_objects_and_names_give_the_same_model(problem):
    X, y, _, values, _ = problem
    by_name = MTMKClassifier(lam_group=1e-3).fit(X, y)
    _same_model(MTMKClassifier(loss=Logistic(), penalty=GroupPenalty(1e-3)).fit(X, y),
                by_name, X)
    # a penalty object brings its own lam and lam_ridge: lam_group and lam_ridge are ignored
    _same_model(MTMKClassifier(penalty=GroupPenalty(1e-3), lam_group=5.0, lam_ridge=1.0)
                .fit(X, y), by_name, X)
    _same_model(MTMKClassifier(kernels=SMALL, loss=SquaredHinge(),
                               penalty=TaskGroupPenalty(0.01, 1e-3)).fit(X, y),
                MTMKClassifier(kernels=SMALL, loss="squared_hinge", penalty="task",
                               lam_group=0.01, lam_ridge=1e-3).fit(X, y), X)
    _same_model(MTMKRegressor(kernels=SMALL, loss=Quadratic(),
                              penalty=LpLqPenalty(0.01, q=1.5)).fit(X, values),
                MTMKRegressor(kernels=SMALL, penalty="lplq", lam_group=0.01, q=1.5)
                .fit(X, values), X)


def test_low_rank_fits_store_primal_coefficients_only(problem):
    X, y, _, values, _ = problem
    for model, target in [(MTMKClassifier(kernels=LOW_RANK), y),       # row blocks
                          (MTMKRegressor(kernels=LOW_RANK), values),   # Newton (has alpha)
                          (MTMKClassifier(kernels=LOW_RANK, solver="cvxpy", tol=1e-3), y)]:
        model.fit(X, target)
        assert not hasattr(model, "dual_coef_")
        assert [c.shape[0] for c in model.feature_coef_] == model.kernel_dictionary_.ranks_
    # a refit on exact kernels drops them again
    model.set_params(kernels=SMALL, solver="auto").fit(X, y)
    assert model.dual_coef_.shape == (5, 60, 3) and not hasattr(model, "feature_coef_")
    path = mtmk_path(X, y, kernels=LOW_RANK, lam_groups=3)
    assert path.dual_coef is None and len(path.feature_coef) == 3


def test_warm_start_through_the_estimator(problem):
    X, y, _, _, _ = problem
    for kernels in (SMALL, LOW_RANK):
        model = MTMKClassifier(kernels=kernels, warm_start=True).fit(X, y)
        cold = model.n_iter_
        assert model.fit(X, y).n_iter_ < cold


@pytest.mark.parametrize("Estimator,datafit,match", [
    (MTMKClassifier, Quadratic(), r"Quadratic\(\) is a regression datafit and MTMKClassifier "
                                  r"needs a classification one"),
    (MTMKRegressor, Logistic(), r"Logistic\(\) is a classification datafit and MTMKRegressor "
                                r"needs a regression one"),
])
def test_a_datafit_of_the_other_kind_is_refused(problem, Estimator, datafit, match):
    X, y, _, _, _ = problem
    with pytest.raises(ValueError, match=match):
        Estimator(loss=datafit).fit(X, y)


def test_objects_without_the_protocol_are_refused(problem):
    X, y, _, _, _ = problem
    with pytest.raises(ValueError, match=r"'loss' parameter of MTMKClassifier must be .*"
                                         r"an object implementing 'value'"):
        MTMKClassifier(loss=object()).fit(X, y)
    with pytest.raises(ValueError, match=r"'penalty' parameter of MTMKRegressor must be"):
        MTMKRegressor(penalty=Logistic()).fit(X, y)

    class Unlabelled(Logistic):
        classification = None

    with pytest.raises(ValueError, match="no boolean 'classification' attribute"):
        MTMKClassifier(loss=Unlabelled()).fit(X, y)


def test_estimators_built_from_objects_clone_and_pickle(problem):
    X, y, _, _, _ = problem
    model = MTMKClassifier(kernels=SMALL, loss=SquaredHinge(), penalty=GroupPenalty(0.01, 1e-3))
    copy = clone(model)
    assert copy.penalty is not model.penalty and repr(copy) == repr(model)
    assert copy.get_params()["penalty"].lam == 0.01
    fitted = pickle.loads(pickle.dumps(copy.fit(X, y)))
    np.testing.assert_array_equal(fitted.decision_function(X), copy.decision_function(X))
