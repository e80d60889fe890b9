"""Closed-form leave-one-out of kernel ridge regression against refits without each sample,
and MTMKRegressorCV scoring its path by it."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

import mtmk._fit as fit_module
from mtmk import KernelDictionary, MTMKRegressorCV, mtmk_path
from mtmk._fit import fit_kernel_path
from mtmk._loo import kernel_scales, loo_residuals
from mtmk._path import _Mix
from mtmk._targets import encode_outputs
from mtmk.solvers import GramStack, GroupPenalty, Quadratic, TaskGroupPenalty

SMALL = KernelDictionary(rbf=3, polynomial=(2,))


def _brute_force(K, Y, w, ridge, fit_intercept):
    """y_i minus the prediction of the fit without sample i (its weight 0), by n refits."""
    n = Y.shape[0]
    out = np.empty_like(Y)
    for i in range(n):
        rows = (np.arange(n) != i) & (w > 0)
        system = K[np.ix_(rows, rows)] + np.diag(ridge / w[rows])
        if fit_intercept:
            c = np.linalg.solve(system, np.c_[Y[rows], np.ones(rows.sum())])
            b = c[:, :-1].sum(axis=0) / c[:, -1].sum()
        else:
            b = np.zeros(Y.shape[1])
        a = np.linalg.solve(system, Y[rows] - b)
        out[i] = Y[i] - K[i, rows] @ a - b
    return out


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    Y = np.c_[np.sin(X[:, 0]), X[:, 1] * X[:, 2], X[:, 2]] + 0.2 * rng.normal(size=(30, 3))
    Phi = np.c_[X, X[:, :1] ** 2, np.sin(X[:, 1]), np.cos(X[:, 2])]
    return X, Y, Phi


@pytest.mark.parametrize("low_rank", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights", ["none", "samples", "outputs"])
@pytest.mark.parametrize("ridge", [1e-3, 1.0])
def test_closed_form_loo_equals_refits_without_each_sample(data, low_rank, fit_intercept,
                                                           weights, ridge):
    X, Y, Phi = data
    rng = np.random.default_rng(1)
    n = Y.shape[0]
    K = Phi @ Phi.T
    if not low_rank:
        K = K + np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    w = {"none": np.ones((n, 3)),
         "samples": np.repeat(rng.uniform(0.2, 2.0, size=(n, 1)), 3, axis=1),
         "outputs": rng.uniform(0.2, 2.0, size=(n, 3)) * (rng.uniform(size=(n, 3)) > 0.2)}[weights]
    residuals = loo_residuals(Phi if low_rank else K, Y, None if weights == "none" else w,
                              ridge=ridge, fit_intercept=fit_intercept, low_rank=low_rank)
    expected = np.column_stack([_brute_force(K, Y[:, [t]], w[:, t], ridge, fit_intercept)[:, 0]
                                for t in range(3)])
    np.testing.assert_allclose(residuals, expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max())
    # one output given as a 1-D target
    single = loo_residuals(Phi if low_rank else K, Y[:, 0], w[:, 0], ridge=ridge,
                           fit_intercept=fit_intercept, low_rank=low_rank)
    np.testing.assert_allclose(single, expected[:, 0], rtol=1e-8,
                               atol=1e-8 * np.abs(expected).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gcv_divides_by_the_mean_leverage(data, fit_intercept):
    X, Y, Phi = data
    n = Y.shape[0]
    K = Phi @ Phi.T + np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    w = np.random.default_rng(2).uniform(0.5, 1.5, size=n)
    # the hat matrix, column by column: the fitted values of unit targets
    hat = np.column_stack([e - _residual(K, e, w, fit_intercept) for e in np.eye(n)])
    fitted_residual = _residual(K, Y, w, fit_intercept)
    expected = fitted_residual / (1.0 - np.trace(hat) / n)
    np.testing.assert_allclose(loo_residuals(K, Y, w, ridge=0.1, fit_intercept=fit_intercept,
                                             gcv=True), expected, rtol=1e-9)


def _residual(K, Y, w, fit_intercept, ridge=0.1):
    """``y - y_hat`` of the fit on all samples."""
    Y = Y.reshape(len(w), -1)
    system = K + np.diag(ridge / w)
    if fit_intercept:
        c = np.linalg.solve(system, np.c_[Y, np.ones(len(w))])
        b = c[:, :-1].sum(axis=0) / c[:, -1].sum()
    else:
        b = np.zeros(Y.shape[1])
    a = np.linalg.solve(system, Y - b)
    out = Y - K @ a - b
    return out[:, 0] if out.shape[1] == 1 else out


@pytest.mark.parametrize("penalty,lam_ridge", [("group", 0.0), ("task", 0.0), ("group", 0.01)])
def test_a_path_point_is_the_kernel_ridge_fit_at_its_kernel_scales(data, penalty, lam_ridge):
    """The refit that leave-one-out removes samples from reproduces the path's model."""
    X, Y, _ = data
    path = mtmk_path(X, Y, kernels=SMALL, loss="squared_error", penalty=penalty, lam_groups=4,
                     eps=0.05, lam_ridge=lam_ridge, tol=1e-7, max_iter=5000)
    K = SMALL.fit(X).gram()
    base = (GroupPenalty if penalty == "group" else TaskGroupPenalty)(0.0, lam_ridge)
    W = encode_outputs(Y).weights
    for k in range(1, 4):
        level = base.with_lam(path.lam_groups[k])
        alpha = path.dual_coef[k]
        task_norms = np.sqrt(np.maximum(np.einsum("mit,mij,mjt->mt", alpha, K, alpha), 0))
        theta = kernel_scales(level, task_norms)
        F = np.einsum("mij,mjt->it", K, alpha) + path.intercepts[k]
        for t in range(3):
            K_theta = np.einsum("m,mij->ij", theta[:, min(t, theta.shape[1] - 1)], K)
            # ridge 1 with the normalised weights: (1/2) sum W r^2 + (1/2) ||f||^2
            fitted = Y[:, t] - _residual(K_theta, Y[:, t], W[:, t], True, ridge=1.0)
            np.testing.assert_allclose(fitted, F[:, t], atol=1e-5 * np.abs(Y).max())


def _brute_force_path_scores(reg, X, y):
    """R^2 of leave-one-out predictions by n refits at every point's kernel weights, for
    every mix of the estimator's grid."""
    K = SMALL.fit(X).gram()
    targets = encode_outputs(y)
    Y, W = targets.values, targets.weights
    scores = []
    for ratio, lams in zip(np.atleast_1d(reg.l1_ratio), np.atleast_2d(reg.lam_groups_)):
        mix = _Mix("group", ratio)
        results = fit_kernel_path(GramStack(K), Y, W, Quadratic(), mix, lams, tol=reg.tol)
        row = []
        for lam, result in zip(lams, results):
            theta = kernel_scales(mix.with_lam(lam), result.task_norms)[:, 0]
            residuals = _brute_force(np.einsum("m,mij->ij", theta, K), Y, W[:, 0], 1.0, True)
            row.append(r2_score(y, (Y - residuals).reshape(y.shape)))
        scores.append(row)
    return np.array(scores)


def test_the_cv_regressor_picks_the_lam_of_the_leave_one_out_curve(data):
    X, Y, _ = data
    y = Y[:, 0]
    reg = MTMKRegressorCV(kernels=SMALL, lam_groups=6, eps=1e-2).fit(X, y)
    expected = _brute_force_path_scores(reg, X, y)  # the mixes 0.5 and 1
    assert reg.cv_scores_.shape == (1, 2, 6)
    np.testing.assert_allclose(reg.cv_scores_[0], expected, rtol=1e-8)
    i, j = np.unravel_index(int(np.argmax(expected)), expected.shape)
    assert reg.l1_ratio_ == (0.5, 1.0)[i]
    assert reg.lam_group_ == pytest.approx(reg.l1_ratio_ * reg.lam_groups_[i, j], rel=1e-12)
    assert 0 < j < 5  # a curve with an interior maximum
    # the model is that path's at the chosen value (no refit)
    single = MTMKRegressorCV(kernels=SMALL, lam_groups=6, eps=1e-2, l1_ratio=1.0).fit(X, y)
    assert single.cv_scores_.shape == (1, 6)
    np.testing.assert_allclose(single.cv_scores_[0], expected[1], rtol=1e-8)
    assert single.lam_group_ == single.lam_groups_[int(np.argmax(expected[1]))]


def test_leave_one_out_costs_one_path(data, monkeypatch):
    X, Y, _ = data
    calls = {"path": 0, "fit": 0}
    real_path, real_fit = fit_module.fit_kernel_path, fit_module.fit_kernel_model

    def path(*args, **kwargs):
        calls["path"] += 1
        return real_path(*args, **kwargs)

    def fit(*args, **kwargs):
        calls["fit"] += 1
        return real_fit(*args, **kwargs)

    monkeypatch.setattr("mtmk._path.fit_kernel_path", path)
    monkeypatch.setattr(fit_module, "fit_kernel_model", fit)
    MTMKRegressorCV(kernels=SMALL, lam_groups=8, l1_ratio=1.0).fit(X, Y)
    assert calls["path"] == 1
    assert 8 <= calls["fit"] <= 10  # one fit per value (and a rare refit after a check)
    loo_fits = calls["fit"]
    calls.update(path=0, fit=0)
    MTMKRegressorCV(kernels=SMALL, lam_groups=8, l1_ratio=1.0, cv=5).fit(X, Y)
    assert calls["path"] == 6  # five folds and the refit
    assert calls["fit"] >= 5 * loo_fits
    calls.update(path=0, fit=0)
    MTMKRegressorCV(kernels=SMALL, lam_groups=8).fit(X, Y)  # the default mixes 0.5 and 1
    assert calls["path"] == 2


def test_huber_falls_back_to_five_folds(data):
    X, Y, _ = data
    reg = MTMKRegressorCV(kernels=SMALL, loss="huber", lam_groups=3, l1_ratio=1.0)
    assert reg.fit(X, Y[:, 0]).cv_scores_.shape == (5, 3)


def test_leave_one_out_with_a_scorer_and_output_masks(data):
    X, Y, _ = data
    y = Y[:, 0]
    mse = MTMKRegressorCV(kernels=SMALL, lam_groups=4, scoring="neg_mean_squared_error")
    mse.fit(X, y)
    r2 = MTMKRegressorCV(kernels=SMALL, lam_groups=4).fit(X, y)
    np.testing.assert_allclose(mse.lam_groups_, r2.lam_groups_)
    # R^2 and minus the mean squared error of the same leave-one-out predictions
    np.testing.assert_allclose(r2.cv_scores_, 1 + mse.cv_scores_ / y.var(), rtol=1e-8)
    mask = (np.random.default_rng(3).uniform(size=Y.shape) > 0.2).astype(float)
    masked = MTMKRegressorCV(kernels=SMALL, lam_groups=4).fit(X, Y, sample_weight=mask)
    assert masked.cv_scores_.shape == (1, 2, 4) and np.all(np.isfinite(masked.cv_scores_))
