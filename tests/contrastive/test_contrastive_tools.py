"""Zero-shot, retrieval, diagnostics and data models."""

import numpy as np
import pytest

from mtmk.contrastive import (
    ContrastiveAligner,
    NystroemFeatures,
    RandomFourierFeatures,
    ajne_prentice,
    class_prototypes,
    effective_eigenvalues,
    gaussian_critic,
    infoloob_mi,
    infonce_mi,
    make_cooccurrence_pairs,
    make_correlated_gaussians,
    make_latent_pairs,
    make_nakada_linear,
    margin,
    normalize_rows,
    recall_at_k,
    saturation,
    uniformity,
    zero_shot_classify,
    zero_shot_predict,
)


def test_class_prototypes_and_zero_shot_rule():
    V = np.array([[1.0, 0.0], [3.0, 0.1], [0.0, 2.0], [0.1, 1.0]])
    classes, C = class_prototypes(V, ["a", "a", "b", "b"])
    assert list(classes) == ["a", "b"]
    np.testing.assert_allclose(np.linalg.norm(C, axis=1), 1.0)
    # The prototype is the normalised mean of *normalised* embeddings: the
    # long vector [3, 0.1] does not dominate class a.
    expected = normalize_rows(np.array([[1.0, 0.0]]) + normalize_rows(V[[1]])[0])[0]
    np.testing.assert_allclose(C[0], expected[0])
    U = normalize_rows(np.array([[1.0, 0.2], [0.1, 1.0]]))[0]
    assert list(zero_shot_predict(U, C, classes)) == ["a", "b"]
    assert list(zero_shot_predict(U, C)) == [0, 1]


def test_zero_shot_with_trained_aligner_beats_chance():
    data = make_latent_pairs(n_samples=600, n_classes=5, random_state=1)
    model = ContrastiveAligner(n_components=6, max_iter=200, tol=None, random_state=0)
    model.fit(data.X, data.Y)
    predicted = zero_shot_classify(model, data.X, data.Y_prompts, data.prompt_labels)
    assert np.mean(predicted == data.y) > 0.5  # chance is 0.2


def test_recall_at_k_counts_ranks():
    U = np.eye(4)
    V = np.eye(4)[[0, 1, 3, 2]]  # rows 2 and 3 are swapped
    out = recall_at_k(U, V, k=(1, 2))
    assert out["x_to_y"] == {1: 0.5, 2: 1.0}  # the swapped partners rank second
    assert out["y_to_x"][1] == 0.5
    rng = np.random.default_rng(0)
    A = normalize_rows(rng.normal(size=(2500, 8)))[0]  # exercises the row chunks
    assert recall_at_k(A, A, 1)["x_to_y"][1] == 1.0
    with pytest.raises(ValueError, match="paired"):
        recall_at_k(A, A[:-1])


def test_mutual_information_estimators():
    data = make_correlated_gaussians(n_samples=256, dim=10, mutual_information=8.0,
                                     random_state=0)
    assert data.mutual_information == pytest.approx(8.0)
    S = gaussian_critic(data.X, data.Y, data.rho)
    nce, loob = infonce_mi(S), infoloob_mi(S)
    assert nce <= np.log(256) + 1e-12  # InfoNCE is capped at log N = 5.55
    assert loob > np.log(256)          # InfoLOOB is not
    # The optimal critic is the log density ratio: check one entry by hand.
    x, y, rho = data.X[0], data.Y[1], data.rho
    v = 1 - rho**2
    by_hand = (-np.sum((y - rho * x) ** 2) / (2 * v) - 5 * np.log(v) + np.sum(y**2) / 2)
    assert S[0, 1] == pytest.approx(by_hand)


def test_saturation_effective_eigenvalues_uniformity():
    rng = np.random.default_rng(0)
    U = normalize_rows(rng.normal(size=(300, 8)))[0]
    assert saturation(U, U, tau=0.01) < 1e-3          # sharp: saturated
    assert saturation(U, U, tau=100.0) > 0.9          # flat: far from saturated
    assert effective_eigenvalues(U) >= 7
    collapsed = normalize_rows(np.c_[np.ones(300), 0.01 * rng.normal(size=(300, 7))])[0]
    assert effective_eigenvalues(collapsed) <= 7
    assert uniformity(U) < uniformity(collapsed)
    assert ajne_prentice(U) < ajne_prentice(collapsed)
    # A point mass: all angles zero, A = n/4.
    assert ajne_prentice(np.tile([[1.0, 0.0]], (40, 1))) == pytest.approx(10.0)


def test_margin():
    U = np.eye(3)
    V = np.array([[1.0, 0, 0], [0.6, 0.8, 0], [0, 0, 1]])
    np.testing.assert_allclose(margin(U, V), [1.0 - 0.6, 0.8 - 0.0, 1.0])
    np.testing.assert_allclose(margin(U, V, y=[0, 0, 2]), [0.4, -0.8, 1.0])


def test_data_models():
    d = make_latent_pairs(n_samples=200, mismatch=0.25, random_state=0)
    assert d.X.shape[0] == d.Y.shape[0] == 200
    assert (~d.matched).sum() == 50
    n = make_nakada_linear(n_samples=100, random_state=0)
    assert n.X.shape == (100, 40) and n.Y.shape == (100, 39) and n.U1.shape == (40, 10)
    np.testing.assert_allclose(n.U1.T @ n.U1, np.eye(10), atol=1e-12)
    c = make_cooccurrence_pairs(n_samples=300, random_state=0)
    assert c.X.shape == (300, 64) and set(np.unique(c.y)) <= set(range(16))
    assert np.all(c.concepts[np.arange(300), c.y] == 1.0)


def test_feature_maps_approximate_the_rbf_kernel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    exact = np.exp(-0.3 * ((X[:, None] - X[None]) ** 2).sum(-1))
    rff = RandomFourierFeatures(n_components=4000, gamma=0.3, random_state=0).fit_transform(X)
    assert np.abs(rff @ rff.T - exact).max() < 0.1
    nys = NystroemFeatures(n_components=200, gamma=0.3, random_state=0).fit_transform(X)
    assert np.abs(nys @ nys.T - exact).max() < 1e-6
