"""Tests of the sparse multi-task kernel model and the exact risks."""

import numpy as np
import pytest
from scipy.special import expit

from mtmk.theory import excess_risks, make_sparse_kernel_model, predicted_n_slope


def test_model_structure_and_rkhs_norms():
    model = make_sparse_kernel_model(n_features=6, n_kernels=12, n_active=2, n_tasks=4,
                                     signal=1.5, random_state=0)
    assert model.n_kernels == 12
    np.testing.assert_array_equal(model.active_set, [0, 1])
    # Padding kernels only look at inactive covariates: they are irrelevant.
    for kernel in model.kernels[6:]:
        np.testing.assert_array_equal(kernel.direction[:2], 0.0)
        assert np.isclose(np.linalg.norm(kernel.direction), 1.0)
    # ||f*_tm||_H = signal for every active kernel and task.
    for k, m in enumerate(model.active_set):
        K = model.kernels[m](model.centers, model.centers)
        norms = np.sqrt(np.einsum("it,ij,jt->t", model.coef[k], K, model.coef[k]))
        np.testing.assert_allclose(norms, 1.5, rtol=1e-10)
    X, Y, F = model.sample(50, random_state=1)
    assert X.shape == (50, 6) and Y.shape == (50, 4) and F.shape == (50, 4)
    assert set(np.unique(Y)) <= {0, 1}
    np.testing.assert_allclose(F, model.logits(X))


def test_logits_depend_only_on_active_covariates():
    model = make_sparse_kernel_model(n_features=5, n_kernels=8, random_state=3)
    X = model.sample_X(30, random_state=4)
    X2 = X.copy()
    X2[:, 2:] = np.random.default_rng(5).normal(size=(30, 3))
    np.testing.assert_allclose(model.logits(X), model.logits(X2))
    X3 = X.copy()
    X3[:, 0] += 1.0
    assert not np.allclose(model.logits(X), model.logits(X3))


def test_same_seed_same_model():
    a = make_sparse_kernel_model(n_kernels=20, random_state=7)
    b = make_sparse_kernel_model(n_kernels=20, random_state=7)
    c = make_sparse_kernel_model(n_kernels=20, random_state=8)
    X = a.sample_X(10, random_state=0)
    np.testing.assert_array_equal(a.logits(X), b.logits(X))
    assert not np.allclose(a.logits(X), c.logits(X))


@pytest.mark.parametrize("family,design", [("polynomial", "gaussian"), ("rbf", "uniform"),
                                           ("laplacian", "gaussian")])
def test_true_logits_give_the_stated_bayes_risk(family, design):
    model = make_sparse_kernel_model(n_features=4, n_kernels=6, n_tasks=2, family=family,
                                     design=design, signal=2.0, random_state=11)
    stated = model.bayes_risk(n_mc=100_000, random_state=12)
    X, Y, F = model.sample(100_000, random_state=13)
    errors = (F > 0).astype(int) != Y
    se = errors.std() / np.sqrt(errors.size)
    assert abs(errors.mean() - stated["zero_one"]) < 4 * se + 2e-3
    losses = np.logaddexp(0.0, -(2 * Y - 1) * F)
    se_log = losses.std() / np.sqrt(losses.size)
    assert abs(losses.mean() - stated["logistic"]) < 4 * se_log + 2e-3
    # The Bayes classifier beats a perturbed classifier on the same labels.
    assert errors.mean() < ((F + 0.7 > 0).astype(int) != Y).mean()


def test_excess_risks_are_exact():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(400, 3))
    zero = excess_risks(F, F)
    assert zero == {"estimation_error": 0.0, "excess_logistic": 0.0, "excess_zero_one": 0.0}
    G = F + rng.normal(scale=0.5, size=F.shape)
    risks = excess_risks(F, G)
    assert np.isclose(risks["estimation_error"], np.mean((F - G) ** 2))
    assert risks["excess_logistic"] > 0
    p = expit(F)
    direct = np.mean(np.where(G > 0, 1 - p, p) - np.minimum(p, 1 - p))
    assert np.isclose(risks["excess_zero_one"], direct)


def test_predicted_slopes():
    assert predicted_n_slope("polynomial") == -1.0
    assert np.isclose(predicted_n_slope("laplacian"), -2 / 3)
    with pytest.raises(ValueError, match="Unknown kernel family"):
        predicted_n_slope("spline")


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_kernels=3, n_active=4), "More active kernels"),
    (dict(n_features=2, n_kernels=8, n_active=2), "inactive covariates"),
    (dict(n_features=2, n_kernels=2, n_active=3), "More active kernels"),
    (dict(family="spline"), "'family' parameter"),
    (dict(design="beta"), "design"),
    (dict(n_tasks=0), "'n_tasks' parameter"),
    (dict(signal=0.0), "signal"),
])
def test_bad_model_configuration(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sparse_kernel_model(**kwargs)
