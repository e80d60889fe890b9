"""Bad input to the CLIP family: the two-view estimators and the helpers.

The second view is passed positionally.  Every case asserts the error type
and that the message names the problem.
"""

import numpy as np
import pytest

from mtmk.contrastive import (
    MMCL,
    ContrastiveAligner,
    ajne_prentice,
    class_prototypes,
    effective_eigenvalues,
    infoloob_mi,
    infonce_mi,
    margin,
    recall_at_k,
    saturation,
    sin_theta_distance,
    uniformity,
    zero_shot_predict,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 4))
Z = X @ rng.normal(size=(4, 3)) + 0.1 * rng.normal(size=(40, 3))
U = rng.normal(size=(6, 3))
U /= np.linalg.norm(U, axis=1, keepdims=True)


def _aligner(**params):
    return ContrastiveAligner(n_components=2, max_iter=60, tol=None, random_state=0, **params)


ESTIMATORS = [_aligner, lambda **p: MMCL(n_components=2, **p)]
IDS = ["ContrastiveAligner", "MMCL"]


@pytest.mark.parametrize("make", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("view", ["X", "Y"])
def test_extreme_scales(make, extreme_scale, view):
    scale, match = extreme_scale
    A, B = (X * scale, Z) if view == "X" else (X, Z * scale)
    with pytest.raises(ValueError, match=rf"{view} has .*{match}.*[Ss]cale the features"):
        make().fit(A, B)


@pytest.mark.parametrize("scale", [1e-13, 1e13])
def test_aligner_embeddings_are_unit_length_at_any_reasonable_scale(scale):
    # The linear feature map standardises by a relative test: tiny but
    # varying columns are not mistaken for constant ones.
    model = _aligner(feature_map="linear").fit(X * scale, Z * scale)
    Ux, Vz = model.transform(X * scale, Z * scale)
    np.testing.assert_allclose(np.linalg.norm(Ux, axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(Vz, axis=1), 1.0, rtol=1e-9)
    reference = _aligner(feature_map="linear").fit(X, Z).transform(X)
    np.testing.assert_allclose(Ux, reference, atol=1e-6)


@pytest.mark.parametrize("make", ESTIMATORS, ids=IDS)
def test_unpaired_rows_and_non_finite_views(make):
    with pytest.raises(ValueError, match="same number of rows"):
        make().fit(X, Z[:-1])
    bad = Z.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make().fit(X, bad)


@pytest.mark.parametrize("params,match", [
    (dict(tau=0.0), "'tau' parameter of ContrastiveAligner"),
    (dict(loss="triplet"), "'loss' parameter of ContrastiveAligner"),
    (dict(batch_size=1), "'batch_size' parameter of ContrastiveAligner"),
])
def test_aligner_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        ContrastiveAligner(**params).fit(X, Z)


def test_mmcl_parameters():
    with pytest.raises(ValueError, match="'rho' parameter of MMCL"):
        MMCL(rho=0.0).fit(X, Z)


# ------------------------------------------------------------------ helpers
@pytest.mark.parametrize("call,match", [
    (lambda: recall_at_k(np.full((5, 2), np.nan), np.ones((5, 2))), "U contains NaN"),
    (lambda: recall_at_k(U, U[:4]), "paired row by row"),
    (lambda: recall_at_k(U[:1], U[:1]), "U has 1 row"),
    (lambda: recall_at_k(U, U, k=0), "'k' parameter of recall_at_k"),
    (lambda: recall_at_k(U, U, k=[1, 2.5]), "k must be a positive integer"),
    (lambda: zero_shot_predict(np.full((2, 3), np.nan), U[:2]), "U contains NaN"),
    (lambda: zero_shot_predict(U, U[:1]), "C has 1 row"),
    (lambda: zero_shot_predict(U, np.zeros((0, 3))), "C has 0 row"),
    (lambda: zero_shot_predict(U, U[:3, :2]), "embedding dimensions"),
    (lambda: zero_shot_predict(U, U[:3], classes=["a", "b"]), "one label per prototype"),
    (lambda: class_prototypes(np.ones(3), [0, 1, 1]), "Expected 2D array"),
    (lambda: class_prototypes(U, [0, 1]), "labels has 2 entries for 6 prompts"),
    (lambda: class_prototypes(np.zeros((2, 3)), [0, 1]), "zero norm"),
    (lambda: margin(U, U[:3], y=[0, 5, 1, 1, 1, 1]), r"y must hold one integer index .*0\.\.2"),
    (lambda: margin(U, U[:3], y=[0, -1, 1, 1, 1, 1]), r"y must hold one integer index"),
    (lambda: margin(U, U[:1], y=[0] * 6), "V needs at least two rows"),
    (lambda: margin(U, U[:3]), "paired row by row"),
    (lambda: infoloob_mi(np.ones((1, 1))), "S has 1 row"),
    (lambda: infoloob_mi(np.ones((3, 2))), "square critic matrix"),
    (lambda: infonce_mi(np.full((2, 2), np.inf)), "S contains infinity"),
    (lambda: uniformity(U[:1]), "U has 1 row"),
    (lambda: uniformity(U, t=0), "'t' parameter of uniformity"),
    (lambda: saturation(U, U, tau=0), "'tau' parameter of saturation"),
    (lambda: saturation(U, U, tau=-1), "'tau' parameter of saturation"),
    (lambda: saturation(U, U[:3], tau=0.1), "paired row by row"),
    (lambda: effective_eigenvalues(U[:1]), "U has 1 row"),
    (lambda: effective_eigenvalues(U, threshold=1.5), "'threshold' parameter"),
    (lambda: ajne_prentice(np.full((3, 3), np.nan)), "U contains NaN"),
    (lambda: sin_theta_distance(U, U, norm="max"), "'norm' parameter"),
])
def test_helpers_refuse_nan_and_degenerate_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_helpers_on_valid_input_still_answer():
    recall = recall_at_k(U, U, k=1)
    assert recall["x_to_y"][1] == 1.0
    assert np.all(margin(U, U) > 0)
    assert np.isfinite(infoloob_mi(U @ U.T / 0.1))
    assert np.isfinite(uniformity(U)) and np.isfinite(saturation(U, U, 0.1))
    classes, C = class_prototypes(U, [0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(np.linalg.norm(C, axis=1), 1.0)
    # each unit prototype is its own nearest prototype
    assert list(zero_shot_predict(C, C, classes)) == [0, 1, 2]
