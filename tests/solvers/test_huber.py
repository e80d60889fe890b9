"""The Huber datafit (robust regression) and MTMKRegressor(loss="huber")."""

from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.metrics import r2_score

from mtmk import KernelDictionary, MTMKRegressor, MTMKRegressorCV
from mtmk.solvers import Huber, Quadratic


@pytest.mark.parametrize("epsilon", [0, -1, 0.0, np.inf, np.nan, "1.35", None, True])
def test_threshold_is_validated(epsilon):
    with pytest.raises(ValueError, match=r"epsilon .* must be a positive finite number; got"):
        Huber(epsilon)


def test_equality_hash_and_repr_include_the_threshold():
    assert Huber(0.5) == Huber(np.float64(0.5)) and hash(Huber(0.5)) == hash(Huber(0.5))
    assert Huber(0.5) != Huber(1.0) and Huber(1.0) != Quadratic()
    assert repr(Huber(0.5)) == "Huber(epsilon=0.5)"
    assert not Huber().classification and Huber().curvature == 1.0


def _point(seed, epsilon, n=40, n_tasks=3):
    """Residuals on both sides of the kinks, some right at them."""
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, n_tasks))
    R = 2.0 * epsilon * rng.normal(size=F.shape)
    R[:4] = [[epsilon], [-epsilon], [epsilon * (1 + 1e-12)], [-epsilon * (1 - 1e-12)]]
    W = rng.random(F.shape)
    W[rng.random(F.shape) < 0.2] = 0.0
    return F, F + R, W / W.sum(axis=0)


def _exact_loss(r, epsilon):
    r, epsilon = Fraction(r), Fraction(epsilon)
    return r * r / 2 if abs(r) <= epsilon else epsilon * abs(r) - epsilon * epsilon / 2


def test_value_is_the_huber_loss():
    huber = Huber(0.7)
    F, Y, W = _point(0, 0.7)
    R = Y - F
    loss = np.where(np.abs(R) <= 0.7, R ** 2 / 2, 0.7 * np.abs(R) - 0.7 ** 2 / 2)
    assert huber.value(F, Y, W) == pytest.approx(np.sum(W * loss), rel=1e-14)


@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_difference_is_the_change_of_value(scale):
    huber = Huber(0.7)
    F, Y, W = _point(1, 0.7)
    D = scale * np.random.default_rng(2).normal(size=F.shape)   # crosses kinks
    per_task = [huber.value(F[:, [t]] + D[:, [t]], Y[:, [t]], W[:, [t]])
                - huber.value(F[:, [t]], Y[:, [t]], W[:, [t]]) for t in range(F.shape[1])]
    np.testing.assert_allclose(huber.difference(F, D, Y, W), per_task, rtol=1e-9, atol=1e-15)


def test_difference_is_accurate_for_tiny_steps():
    """Near the optimum the change is far below the rounding of the values;
    the term-by-term change still matches exact rational arithmetic."""
    epsilon = 0.7
    huber = Huber(epsilon)
    F, Y, W = _point(3, epsilon, n=12, n_tasks=2)
    D = 1e-11 * np.random.default_rng(4).normal(size=F.shape)
    # steps that cross the kinks of the residuals placed just beside them
    D[2:4] = [[-3e-12], [3e-12]]
    exact = [float(sum(Fraction(W[i, t]) * (_exact_loss(Fraction(Y[i, t]) - Fraction(F[i, t])
                                                        - Fraction(D[i, t]), epsilon)
                                            - _exact_loss(Fraction(Y[i, t]) - Fraction(F[i, t]),
                                                          epsilon))
                       for i in range(F.shape[0])))
             for t in range(F.shape[1])]
    np.testing.assert_allclose(huber.difference(F, D, Y, W), exact, rtol=1e-9)
    # the difference of two values is off by far more
    naive = huber.value(F + D, Y, W) - huber.value(F, Y, W)
    assert abs(naive - sum(exact)) > 1e3 * abs(huber.difference(F, D, Y, W).sum() - sum(exact))


def test_gradient_and_hessian_match_finite_differences():
    huber = Huber(0.7)
    F, Y, W = _point(5, 0.7)
    away = np.abs(np.abs(Y - F) - 0.7) > 1e-3      # the Hessian jumps at the kinks
    h = 1e-6
    grad, hess = huber.gradient(F, Y, W), huber.hessian_diagonal(F, Y, W)
    for i, t in zip(*np.nonzero(away)):
        E = np.zeros_like(F)
        E[i, t] = h
        slope = (huber.value(F + E, Y, W) - huber.value(F - E, Y, W)) / (2 * h)
        assert slope == pytest.approx(grad[i, t], abs=1e-8)
        second = (huber.gradient(F + E, Y, W) - huber.gradient(F - E, Y, W))[i, t] / (2 * h)
        assert second == pytest.approx(hess[i, t], abs=1e-8)
    # 1 inside the kinks (and at them), 0 beyond, times the weights
    np.testing.assert_array_equal(hess, W * (np.abs(Y - F) <= 0.7))


@pytest.mark.parametrize("epsilon", [0.05, 0.7, 50.0])
def test_initial_intercept_is_the_minimiser(epsilon):
    """Every task's intercept minimises the datafit with every block at zero,
    to machine precision: compared with scipy's scalar minimiser."""
    rng = np.random.default_rng(6)
    Y = rng.standard_t(2, size=(60, 4))          # heavy tails: many residuals beyond epsilon
    W = rng.random(Y.shape)
    W[rng.random(Y.shape) < 0.3] = 0.0
    W[:, 3] = 0.0
    W[:5, 3] = 1.0                                # a task with five observed values
    W /= W.sum(axis=0)
    huber = Huber(epsilon)
    b = huber.initial_intercept(Y, W)
    assert b.shape == (4,)
    for t in range(4):
        def loss(c, t=t):
            return huber.value(np.full((60, 1), c), Y[:, [t]], W[:, [t]])

        best = minimize_scalar(loss, bracket=(Y[:, t].min(), Y[:, t].max()), tol=1e-12)
        assert loss(b[t]) <= best.fun + 1e-15 * max(best.fun, 1.0)
        assert b[t] == pytest.approx(best.x, abs=1e-6)
    # the derivative in the intercept vanishes to rounding
    g = huber.gradient(np.broadcast_to(b, Y.shape), Y, W).sum(axis=0)
    assert np.all(np.abs(g) <= 1e-14 * max(epsilon, 1.0))


def test_cvxpy_form_is_the_same_datafit():
    huber = Huber(0.7)
    F, Y, W = _point(7, 0.7)
    assert huber.cvxpy(F, Y, W).value == pytest.approx(huber.value(F, Y, W), rel=1e-12)


def _outlier_data(seed, n=120, n_outliers=8):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    clean = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]
    y = clean + 0.1 * rng.normal(size=n)
    y[rng.choice(n, n_outliers, replace=False)] += 15.0   # gross outliers, all upwards
    X_test = rng.uniform(-2, 2, size=(200, 2))
    return X, y, X_test, np.sin(2 * X_test[:, 0]) + 0.5 * X_test[:, 1]


KERNELS = KernelDictionary(rbf=[0.5, 1.0, 2.0], polynomial=())


def test_huber_regressor_is_robust_to_gross_outliers():
    X, y, X_test, y_test = _outlier_data(0)
    settings = dict(kernels=KERNELS, lam_group=1e-2, lam_ridge=1e-3)
    squared = MTMKRegressor(**settings).fit(X, y)
    huber = MTMKRegressor(loss="huber", epsilon=0.3, **settings).fit(X, y)
    r2_squared = r2_score(y_test, squared.predict(X_test))
    r2_huber = r2_score(y_test, huber.predict(X_test))
    # measured: 0.95 against -5.2 (least squares follows the outliers)
    assert r2_huber > 0.9
    assert r2_huber > r2_squared + 1.0


def test_huber_regressor_with_low_rank_kernels():
    """The row-block solver fits the Huber datafit too (Nystroem features)."""
    X, y, X_test, y_test = _outlier_data(1)
    kernels = KernelDictionary(rbf=[0.5, 1.0, 2.0], polynomial=(), n_components=40,
                               random_state=0)
    huber = MTMKRegressor(kernels=kernels, loss="huber", epsilon=0.3, lam_group=1e-2,
                          lam_ridge=1e-3).fit(X, y)
    assert hasattr(huber, "feature_coef_")
    assert r2_score(y_test, huber.predict(X_test)) > 0.9


@pytest.mark.parametrize("params, message", [
    (dict(loss="absolute_error"), "'loss' parameter"),
    (dict(loss="huber", epsilon=0.0), "'epsilon' parameter"),
    (dict(loss="huber", epsilon="1"), "'epsilon' parameter"),
    (dict(loss="huber", solver="newton"), "solver='newton' does not fit loss='huber'"),
])
def test_regressor_validates_loss_and_epsilon(params, message):
    X, y, _, _ = _outlier_data(2, n=20)
    with pytest.raises(ValueError, match=message):
        MTMKRegressor(kernels=KERNELS, **params).fit(X, y)


def test_cv_regressor_passes_loss_and_epsilon_through():
    X, y, X_test, _ = _outlier_data(3, n=60, n_outliers=4)
    cv = MTMKRegressorCV(kernels=KERNELS, loss="huber", epsilon=0.3, lam_groups=3, cv=2,
                         l1_ratio=1.0).fit(X, y)
    single = MTMKRegressor(kernels=KERNELS, loss="huber", epsilon=0.3, lam_group=cv.lam_group_,
                           lam_ridge=cv.lam_ridge_).fit(X, y)
    np.testing.assert_allclose(cv.objective_, single.objective_, rtol=1e-6)
    squared = MTMKRegressor(kernels=KERNELS, lam_group=cv.lam_group_,
                            lam_ridge=cv.lam_ridge_).fit(X, y)
    assert np.abs(cv.predict(X_test) - squared.predict(X_test)).max() > 0.1
