"""Nystroem features: every kernel's block computed from one shared distance
block per row chunk equals that kernel computed on its own."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import (
    laplacian_kernel,
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
)

from mtmk import KernelDictionary
from mtmk._kernels import FEATURE_ROWS


def _kernel_alone(recipe, A, Z, normalize):
    """One kernel's normalised block k(A, Z), computed without the others."""
    if recipe.columns is not None:
        A, Z = A[:, recipe.columns], Z[:, recipe.columns]
    if recipe.family == "rbf":
        return rbf_kernel(A, Z, gamma=recipe.gamma)
    if recipe.family == "laplacian":
        return laplacian_kernel(A, Z, gamma=recipe.gamma)
    if recipe.family == "linear":
        K = linear_kernel(A, Z)
    else:
        K = polynomial_kernel(A, Z, degree=recipe.degree, gamma=recipe.gamma,
                              coef0=recipe.coef0)
    if normalize == "diagonal":
        K = K / np.sqrt(np.outer(recipe.diagonal(A), recipe.diagonal(Z)))
    return K


def _reference(dictionary, A):
    """Each kernel's features from its own kernel block."""
    out = []
    for m, recipe in enumerate(dictionary._recipes):
        K = _kernel_alone(recipe, A, dictionary.landmarks_, dictionary.normalize)
        if dictionary.normalize == "trace":
            K = K / dictionary._trace_scale[m]
        out.append(K @ dictionary._projections[m])
    return out


DICTIONARIES = {
    "default": dict(),
    "laplacian and groups": dict(rbf=3, laplacian=2, feature_groups=[[0, 1], [2, 3, 4]]),
    "trace": dict(rbf=4, polynomial=(2,), normalize="trace"),
}


@pytest.mark.parametrize("options", list(DICTIONARIES.values()), ids=list(DICTIONARIES))
def test_features_equal_each_kernel_computed_alone(options):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2 * FEATURE_ROWS + 77, 5))   # a partial last chunk
    X_new = rng.normal(size=(FEATURE_ROWS + 3, 5))
    dictionary = KernelDictionary(n_components=60, random_state=0, **options).fit(X)
    for A, given in ((X, None), (X_new, X_new)):
        features = dictionary.features(given)
        for m, (F, ref) in enumerate(zip(features, _reference(dictionary, A))):
            assert F.shape == (A.shape[0], dictionary.ranks_[m])
            np.testing.assert_allclose(F, ref, rtol=0, atol=1e-12 * np.abs(ref).max(),
                                       err_msg=dictionary.names_[m])


def test_features_the_same_for_any_threads_kernels_and_storage():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3 * FEATURE_ROWS + 5, 4))
    dictionary = KernelDictionary(n_components=40, random_state=0).fit(X)
    features = dictionary.features()
    threaded = dictionary.features(n_jobs=2)
    some = dictionary.features(kernels=[6, 0, 8])
    single = dictionary.features(dtype=np.float32)
    for m in range(dictionary.n_kernels_):
        np.testing.assert_array_equal(threaded[m], features[m])
        assert single[m].dtype == np.float32
        np.testing.assert_array_equal(single[m], features[m].astype(np.float32))
    for k, m in enumerate([6, 0, 8]):
        np.testing.assert_array_equal(some[k], features[m])
    # the training kernels the solvers get are these features
    stack = dictionary.training_kernels()
    for m in range(dictionary.n_kernels_):
        np.testing.assert_array_equal(stack.factors[m], features[m])
