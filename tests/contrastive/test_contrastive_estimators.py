"""ContrastiveAligner and MMCL: scikit-learn behaviour, subspaces, bad input."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cross_decomposition import PLSSVD
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from mtmk.contrastive import (
    MMCL,
    ContrastiveAligner,
    contrastive_cross_covariance,
    contrastive_weights,
    make_latent_pairs,
    make_nakada_linear,
    principal_angles,
    recall_at_k,
    sin_theta_distance,
)


@pytest.fixture(scope="module")
def pairs():
    return make_latent_pairs(n_samples=300, n_features_x=12, n_features_y=10, random_state=0)


def _fast_aligner(**kw):
    params = dict(n_components=4, max_iter=40, batch_size=64, tol=None, random_state=0)
    params.update(kw)
    return ContrastiveAligner(**params)


# ---------------------------------------------------------------- MMCL
def test_linear_mmcl_spans_plssvd_subspaces():
    data = make_nakada_linear(n_samples=600, random_state=1)
    model = MMCL(n_components=10).fit(data.X, data.Y)
    pls = PLSSVD(n_components=10, scale=False).fit(data.X, data.Y)
    assert principal_angles(model.x_weights_, pls.x_weights_).max() < 1e-6
    assert principal_angles(model.y_weights_, pls.y_weights_).max() < 1e-6


def test_contrastive_cross_covariance_is_the_linear_loss_weighting():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 4)) + 3.0, rng.normal(size=(30, 5)) - 1.0
    S_n = contrastive_cross_covariance(X, Y)
    np.testing.assert_allclose(S_n, np.cov(X.T, Y.T)[:4, 4:], atol=1e-12)
    W = contrastive_weights(np.zeros((30, 30)), "linear")
    np.testing.assert_allclose(X.T @ W @ Y, S_n, atol=1e-12)


def test_mmcl_coef_is_truncated_svd_over_rho():
    data = make_nakada_linear(n_samples=400, random_state=2)
    model = MMCL(n_components=3, rho=2.5).fit(data.X, data.Y)
    U, s, Vt = np.linalg.svd(contrastive_cross_covariance(data.X, data.Y))
    np.testing.assert_allclose(model.coef_, (U[:, :3] * s[:3]) @ Vt[:3] / 2.5, atol=1e-10)
    Ex, Ey = model.transform(data.X, data.Y)
    centred_x, centred_y = data.X - data.X.mean(0), data.Y - data.Y.mean(0)
    np.testing.assert_allclose(Ex @ Ey.T, centred_x @ model.coef_ @ centred_y.T, atol=1e-8)


def test_mmcl_beats_pca_on_nakada_model():
    data = make_nakada_linear(n_samples=2000, clean_fraction=1.0, random_state=3)
    mmcl = MMCL(n_components=10).fit(data.X, data.Y)
    pca = PCA(n_components=10).fit(data.X)
    err_mmcl = sin_theta_distance(mmcl.x_weights_, data.U1)
    err_pca = sin_theta_distance(pca.components_.T, data.U1)
    assert err_mmcl < 0.5 * err_pca
    assert err_mmcl < 0.3


def test_mmcl_clip_iteration_converges_and_stays_close_to_linear():
    data = make_nakada_linear(n_samples=300, random_state=4)
    linear = MMCL(n_components=10).fit(data.X, data.Y)
    clip = MMCL(n_components=10, loss="clip", rho=5.0, tau=10.0, max_iter=200).fit(data.X, data.Y)
    assert 1 < clip.n_iter_ < 200
    assert sin_theta_distance(clip.x_weights_, data.U1) < 0.5
    assert principal_angles(clip.x_weights_, linear.x_weights_).max() < 0.5


def test_mmcl_clip_iteration_warns_when_stopped_early():
    data = make_nakada_linear(n_samples=200, random_state=5)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        MMCL(n_components=5, loss="clip", rho=1.0, tau=0.1, max_iter=1, tol=0).fit(data.X, data.Y)


def test_mmcl_unpaired_data_improves_subspace():
    data = make_nakada_linear(n_samples=3060, noise=0.6, random_state=6)
    X, Y = data.X[:60], data.Y[:60]
    rng = np.random.default_rng(0)
    # Unpaired: the remaining samples with their pairing hidden.
    Xu, Yu = data.X[60:], data.Y[60:][rng.permutation(3000)]
    paired = MMCL(n_components=10).fit(X, Y)
    semi = MMCL(n_components=10, unpaired_batch_size=500, random_state=0).fit(
        X, Y, X_unpaired=Xu, Y_unpaired=Yu)
    assert semi.detected_pairs_[0].shape == (3000,)
    assert (sin_theta_distance(semi.x_weights_, data.U1, "fro")
            < sin_theta_distance(paired.x_weights_, data.U1, "fro"))


def test_kernel_mmcl_runs_both_approximations(pairs):
    for approx in ("nystroem", "rff"):
        model = MMCL(n_components=3, kernel="rbf", kernel_approximation=approx,
                     n_kernel_features=50, random_state=0).fit(pairs.X, pairs.Y)
        U, V = model.transform(pairs.X, pairs.Y)
        assert U.shape == V.shape == (300, 3)
        assert recall_at_k(U, V, 10)["x_to_y"][10] > 0.1  # 3x chance (10/300)


# ------------------------------------------------------- ContrastiveAligner
@pytest.mark.parametrize("loss", ["clip", "clip_reg", "infoloob", "cloob"])
def test_aligner_learns_and_shapes(pairs, loss):
    model = _fast_aligner(loss=loss, max_iter=150).fit(pairs.X, pairs.Y)
    U, V = model.transform(pairs.X.astype(np.float32), pairs.Y)
    assert U.shape == V.shape == (300, 4)
    assert U.dtype == V.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1.0)
    assert model.transform(pairs.X).shape == (300, 4)
    assert model.similarity(pairs.X[:5], pairs.Y[:7]).shape == (5, 7)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert recall_at_k(U, V, 10)["x_to_y"][10] > 0.15  # chance is 10/300
    assert model.get_feature_names_out().shape == (4,)


@pytest.mark.parametrize("feature_map", ["nystroem", "rff"])
def test_aligner_kernel_feature_maps(pairs, feature_map):
    model = _fast_aligner(feature_map=feature_map, n_features=40).fit(pairs.X, pairs.Y)
    assert model.x_weights_.shape[0] <= 40
    assert model.transform(pairs.X[:3]).shape == (3, 4)


def test_aligner_is_seeded(pairs):
    a = _fast_aligner(feature_map="rff", n_features=30).fit(pairs.X, pairs.Y).transform(pairs.X)
    b = _fast_aligner(feature_map="rff", n_features=30).fit(pairs.X, pairs.Y).transform(pairs.X)
    c = _fast_aligner(feature_map="rff", n_features=30, random_state=1).fit(
        pairs.X, pairs.Y).transform(pairs.X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_aligner_convergence_warning_and_early_stop(pairs):
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        _fast_aligner(max_iter=60, tol=1e-4).fit(pairs.X, pairs.Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = _fast_aligner(max_iter=5000, tol=0.5, n_iter_no_change=1).fit(pairs.X, pairs.Y)
    assert model.n_iter_ < 5000


@pytest.mark.parametrize("make", [lambda: _fast_aligner(loss="cloob"),
                                  lambda: MMCL(n_components=3, kernel="rbf",
                                               n_kernel_features=30, random_state=0)])
def test_clone_and_pickle(pairs, make):
    model = make().fit(pairs.X, pairs.Y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.transform(pairs.X), restored.transform(pairs.X))
    fresh = clone(model)
    assert not hasattr(fresh, "n_features_in_")
    assert fresh.get_params() == model.get_params()
    np.testing.assert_allclose(fresh.fit(pairs.X, pairs.Y).transform(pairs.X),
                               model.transform(pairs.X))


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize("make", [_fast_aligner, lambda: MMCL(n_components=2)])
def test_bad_input(pairs, make):
    X, Y = pairs.X, pairs.Y
    with pytest.raises(ValueError, match="same number of rows"):
        make().fit(X, Y[:-1])
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make().fit(bad, Y)
    bad_y = Y.copy()
    bad_y[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        make().fit(X, bad_y)
    with pytest.raises(ValueError, match="n_components"):
        make().set_params(n_components=11).fit(X, Y)
    fitted = make().fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X[:, :5])
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X, Y[:, :5])


def test_bad_parameters(pairs):
    for tau in (0.0, -1.0):
        with pytest.raises(ValueError, match="tau"):
            _fast_aligner(tau=tau).fit(pairs.X, pairs.Y)
        with pytest.raises(ValueError, match="tau"):
            MMCL(loss="clip", tau=tau).fit(pairs.X, pairs.Y)
    with pytest.raises(ValueError, match="rho"):
        MMCL(rho=0).fit(pairs.X, pairs.Y)
    with pytest.raises(ValueError, match="n_components"):
        _fast_aligner(feature_map="nystroem", n_features=500).fit(pairs.X, pairs.Y)
    with pytest.raises(ValueError, match="n_components=8 is larger"):
        _fast_aligner(feature_map="rff", n_features=6, n_components=8).fit(pairs.X, pairs.Y)
    with pytest.raises(ValueError, match="both X_unpaired and Y_unpaired"):
        MMCL().fit(pairs.X, pairs.Y, X_unpaired=pairs.X)
    with pytest.raises(ValueError, match="loss"):
        _fast_aligner(loss="triplet").fit(pairs.X, pairs.Y)
